"""The evaluation report as one self-contained HTML page.

Sections (each a ``<section id=...>``): ``summary`` (verdict and headline
numbers), ``gates``, ``fidelity`` (per-column table and overlaid
distributions), ``process`` (process columns' moments against their declared or
fitted distributions, when the table has any), ``pairwise`` (association and correlation heatmaps, real vs
synthetic, and the discriminator), ``utility`` (TRTR vs TSTR bars) and
``privacy`` (exact matches, distance histograms, membership inference,
attack risks). A report holding only some sections (e.g. fidelity alone)
renders those. The page names no value of a non-categorical column beyond
aggregates (moments, central quantiles, bins) and no row at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twinforge.evaluation.models import (
    AttackReport,
    CategoricalColumnFidelity,
    DifferentialPrivacyReport,
    FidelityReport,
    GateResult,
    GateVerdicts,
    NumericColumnFidelity,
    Pair,
    PrivacyReport,
    ProcessColumnReport,
    QualityReport,
    RulesReport,
    TextColumnFidelity,
    UtilityReport,
    as_report,
)
from twinforge.evaluation.svg import (
    HOLDOUT_COLOUR,
    REAL_COLOUR,
    SERIES_COLOURS,
    SYNTHETIC_COLOUR,
    e,
    heatmap,
    legend,
    overlaid_histogram,
    paired_bars,
)
from twinforge.io.permissions import write_private_text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1150px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0} h2{border-bottom:2px solid #eee;padding-bottom:.2rem;margin-top:2.2rem}
.verdict{padding:.8rem 1.2rem;border-radius:8px;font-size:1.2rem;font-weight:600;margin:1rem 0}
.verdict.pass{background:#e6f4ea;color:#17803d} .verdict.fail{background:#fce8e6;color:#c0262d}
.headline{display:flex;gap:1rem;flex-wrap:wrap;margin:1.2rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.2rem;min-width:150px}
.card .v{font-size:1.7rem;font-weight:600} .card .l{color:#666;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.88rem} th,td{border-bottom:1px solid #eee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap} .good{color:#17803d} .fair{color:#b26b00} .poor{color:#c0262d} .muted{color:#888}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem;margin-top:1rem}
figure{margin:0;border:1px solid #eee;border-radius:6px;padding:.5rem} figcaption{font-weight:600;font-size:.9rem}
figure p{font-size:.8rem;color:#555;margin:.2rem 0}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}
footer{margin-top:3rem;color:#888;font-size:.8rem}
"""


@dataclass(frozen=True)
class _Page:
    """What a page shows: a whole :class:`QualityReport`, or only some sections (e.g. fidelity alone)."""

    fidelity: FidelityReport | None = None
    n_rows: dict[str, int] | None = None
    gates: GateVerdicts | None = None
    has_utility: bool = False  # the utility section is shown (saying "not measured" when utility is None)
    utility: UtilityReport | None = None
    privacy: PrivacyReport | None = None
    created_at: str | None = None
    twinforge_version: str = ""
    timings: dict[str, float] | None = None
    process_columns: dict[str, ProcessColumnReport] | None = None
    rules: RulesReport | None = None

    @classmethod
    def of(cls, report: QualityReport | FidelityReport | Mapping[str, Any]) -> _Page:
        if isinstance(report, FidelityReport):
            return cls(fidelity=report)
        if isinstance(report, Mapping) and "gates" not in report:  # some sections only
            section = {
                "fidelity": FidelityReport,
                "utility": UtilityReport,
                "privacy": PrivacyReport,
            }
            parts = {k: m.model_validate(report[k]) if report.get(k) is not None else None for k, m in section.items()}
            return cls(**parts, n_rows=report.get("n_rows"), has_utility="utility" in report)
        r = as_report(report)
        return cls(
            fidelity=r.fidelity,
            n_rows=r.n_rows.model_dump(),
            gates=r.gates,
            has_utility=True,
            utility=r.utility,
            privacy=r.privacy,
            created_at=r.created_at,
            twinforge_version=r.twinforge_version,
            timings=r.timings_seconds,
            process_columns=r.process_columns,
            rules=r.rules,
        )


def write_report_html(
    report: QualityReport | FidelityReport | Mapping[str, Any], path: str | Path, *, title: str, subtitle: str = ""
) -> Path:
    """Write ``report`` (from :func:`twinforge.evaluation.evaluate`) as one offline HTML page; return its path.

    ``report`` may also hold only some sections: a :class:`FidelityReport`, or a dict such as
    ``{"fidelity": fidelity_report(...)}``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page = _Page.of(report)
    sections = [
        _summary(page, title, subtitle),
        _gates(page.gates),
        _fidelity(page.fidelity) if page.fidelity else "",
        _process_columns(page.process_columns) if page.process_columns else "",
        _pairwise(page.fidelity) if page.fidelity else "",
        _utility(page.utility) if page.has_utility else "",
        _privacy(page.privacy) if page.privacy else "",
        _rules(page.rules) if page.rules else "",
        _footer(page),
    ]
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(s for s in sections if s) + "\n</body></html>\n"
    )
    return write_private_text(path, html)


# --------------------------------------------------------------------------- formatting


def fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) >= 1000 or (v and abs(v) < 0.001) else f"{v:.{digits}f}"
    return str(v)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f} %"


def _point(v: float | None, is_datetime: bool) -> str:
    """A value on the column's own scale: datetimes (epoch seconds) as UTC dates, numbers to 4 digits."""
    if v is None:
        return "–"
    if is_datetime:
        return dt.datetime.fromtimestamp(v, tz=dt.UTC).strftime("%Y-%m-%d")
    return f"{v:.4g}"


def _spread(v: float | None, is_datetime: bool) -> str:
    return f"{v / 86_400:.3g} d" if is_datetime and v is not None else fmt(v)


def _grade(score: float | None, good: float = 0.9, fair: float = 0.75) -> str:
    if score is None:
        return ""
    return "good" if score >= good else "fair" if score >= fair else "poor"


def _card(label: str, value: str, grade: str = "") -> str:
    return f'<div class="card"><div class="v {grade}">{e(value)}</div><div class="l">{e(label)}</div></div>'


def _section(section_id: str, heading: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{e(heading)}</h2>\n{body}\n</section>'


# --------------------------------------------------------------------------- sections


def _summary(page: _Page, title: str, subtitle: str) -> str:
    fidelity = page.fidelity
    rows = page.n_rows or (fidelity.n_rows.model_dump() if fidelity else {})
    parts = [f"<h1>{e(title)}</h1>"]
    sub = subtitle or ("Synthetic vs real: " + " · ".join(f"{k} {v:,} rows" for k, v in rows.items()))
    parts.append(f'<p class="sub">{e(sub)}</p>')
    gates = page.gates
    if gates is not None:
        failed = gates.failed
        if failed:
            worst = ", ".join(f"{n} ({_by_how_much(gates[n])})" for n in failed)
            parts.append(f'<div class="verdict fail">FAILED {len(failed)} of {len(gates)} gates: {e(worst)}</div>')
        else:
            parts.append(f'<div class="verdict pass">PASSED all {len(gates)} gates</div>')
    overall = fidelity.overall_score if fidelity else None
    cards = [_card("Column shapes (mean score)", fmt(overall), _grade(overall))]
    association = fidelity.association if fidelity else None
    correlation = fidelity.correlation if fidelity else None
    if association:
        dependence = association.dependence_score
        cards.append(_card("Pairwise dependence kept", fmt(dependence), _grade(dependence, 0.7, 0.4)))
    elif correlation:
        cards.append(_card("Correlation diff (mean |Δr|)", fmt(correlation.mean_abs_diff)))
    auc = fidelity.discriminator.auc if fidelity and fidelity.discriminator else None
    if auc is not None:
        cards.append(_card("Discriminator AUC (0.5 ideal)", fmt(auc), _grade(1.5 - auc, 0.85, 0.7)))
    utility = page.utility
    if utility and utility.tstr:
        metric = utility.primary_metric
        cards.append(
            _card(
                f"{metric.replace('_', ' ').upper()}: trained on real → on synthetic",
                f"{fmt(utility.trtr_primary, 2)} → {fmt(utility.tstr_primary, 2)}",
            )
        )
    privacy = page.privacy
    if privacy:
        dcr = privacy.distances.dcr.balanced_share_closer_to_train
        grade = _grade(1.5 - dcr, 0.9, 0.8) if dcr is not None else ""
        cards.append(_card("Closer to train than holdout (50 % ideal)", _pct(dcr), grade))
        cards.append(_card("Exact copies of training rows", _pct(privacy.exact_matches.synthetic_share)))
        dp = privacy.differential_privacy
        if dp:
            cards.append(
                _card("Differential privacy: ε spent / budget", f"{fmt(dp.epsilon)} / {fmt(dp.epsilon_budget)}")
            )
        attacks = privacy.attacks
        if attacks:
            risks = [attacks.singling_out_risk, attacks.linkability.risk, attacks.inference_risk]
            measured = [r for r in risks if r is not None]
            worst = max(measured) if len(measured) == len(risks) else None  # one unmeasured risk: no "highest"
            cards.append(
                _card("Highest attack risk", fmt(worst), _grade(1 - worst, 0.9, 0.8) if worst is not None else "")
            )
    if not association:  # the fidelity-only page: sizes and skipped columns up front
        cards.append(_card("Columns compared", str(fidelity.n_columns if fidelity else 0)))
        cards.append(_card("Columns skipped", str(len(fidelity.skipped) if fidelity else 0)))
    parts.append(f'<div class="headline">{"".join(cards)}</div>')
    columns = fidelity.columns if fidelity else {}
    if columns:
        weakest = sorted(columns.items(), key=lambda kv: kv[1].score)[:3]
        parts.append("<p>Weakest columns: " + ", ".join(f"{e(n)} ({fmt(c.score)})" for n, c in weakest) + "</p>")
    return f'<section id="summary">{"".join(parts)}</section>'


def _by_how_much(gate: GateResult) -> str:
    return f"by {fmt(abs(gate.margin))}" if gate.margin is not None else "not measured"


def _gates(gates: GateVerdicts | None) -> str:
    if gates is None:
        return ""
    if not gates:
        return _section("gates", "Promotion gates", "<p>No gate is enabled.</p>")
    head = (
        "<tr><th>Gate</th><th>Result</th><th>Value</th><th>Threshold</th><th>Margin</th><th>What it measures</th></tr>"
    )
    rows = []
    for name, g in gates.items():
        if not g.applicable:
            result, grade = "not applicable", "muted"
        else:
            result, grade = ("passed", "good") if g.passed else ("FAILED", "poor")
        bound = "≥" if g.direction == "min" else "≤"
        reason = f"<br><span class=muted>{e(g.reason)}</span>" if g.reason else ""
        rows.append(
            f"<tr><td class=nowrap>{e(name)}</td><td class='{grade}'><b>{result}</b></td>"
            f'<td class="num">{fmt(g.value)}</td><td class="num">{bound} {fmt(g.threshold)}</td>'
            f'<td class="num {grade}">{fmt(g.margin)}</td><td>{e(g.description)}{reason}</td></tr>'
        )
    note = "<p class=muted>Margin: how far the value is on the good side of the threshold; negative means failed by that much.</p>"
    return _section("gates", "Promotion gates", f"<table>{head}{''.join(rows)}</table>{note}")


def _text_fidelity(text: dict[str, TextColumnFidelity]) -> str:
    rows = "".join(
        f'<tr><td>{e(name)}</td><td class="num {_grade(c.score)}">{fmt(c.score)}</td>'
        f"<td class=num>{fmt(c.length_tvd)}</td><td class=num>{_pct(c.frequent_share.real)} / "
        f"{_pct(c.frequent_share.synthetic)}</td><td class=num>{fmt(c.char_ngram_similarity)}</td>"
        f"<td class=num>{_pct(c.rare_real_share)}</td></tr>"
        for name, c in text.items()
    )
    return (
        "<h3>Generated text columns</h3><table><tr><th>Column</th><th>Score</th><th>Length TVD</th>"
        "<th>Frequent values real / synth</th><th>3-gram similarity</th><th>Rare real values</th></tr>"
        f"{rows}</table>"
    )


def _fidelity(fidelity: FidelityReport) -> str:
    head = (
        "<tr><th>Column</th><th>Kind</th><th>Score</th><th>Distance</th><th>Real → synthetic</th>"
        "<th>Null rate real / synth</th></tr>"
    )
    rows = []
    for name, c in fidelity.columns.items():
        distance = c.ks if isinstance(c, NumericColumnFidelity) else c.tvd
        rows.append(
            f"<tr><td>{e(name)}</td><td>{e(c.kind)}</td>"
            f'<td class="num {_grade(c.score)}">{fmt(c.score)}</td>'
            f"<td class=nowrap>{e(c.metric.upper())} {fmt(distance)}</td><td>{_details(c)}</td>"
            f'<td class="num">{_pct(c.null_rate.real)} / {_pct(c.null_rate.synthetic)}</td></tr>'
        )
    skipped = fidelity.skipped
    skipped_html = (
        "<p>Not compared: " + ", ".join(f"{e(n)} ({e(r)})" for n, r in skipped.items()) + "</p>" if skipped else ""
    )
    text_html = _text_fidelity(fidelity.text) if fidelity.text else ""
    figures = []
    for name, c in fidelity.columns.items():
        if isinstance(c, NumericColumnFidelity) and c.histogram is not None:
            is_dt = c.unit == "epoch seconds"
            h = c.histogram
            chart = overlaid_histogram(
                h.edges,
                [(h.real, REAL_COLOUR), (h.synthetic, SYNTHETIC_COLOUR)],
                axis=lambda v, is_dt=is_dt: _point(v, is_dt),
            )
        elif isinstance(c, CategoricalColumnFidelity):
            b = c.bars
            chart = paired_bars(b.labels, [(b.real, REAL_COLOUR), (b.synthetic, SYNTHETIC_COLOUR)])
        else:
            continue
        figures.append(
            f"<figure><figcaption>{e(name)} <span class=muted>({fmt(c.score)})</span></figcaption>{chart}</figure>"
        )
    body = (
        "<p>Per column: 1 − Kolmogorov-Smirnov statistic for numbers and dates, 1 − total variation distance "
        "for categories (1 = identical distributions). Wasserstein distance is over the real interquartile range.</p>"
        f"<table>{head}{''.join(rows)}</table>{skipped_html}{text_html}<h3>Distributions</h3>"
        + legend([("real", REAL_COLOUR), ("synthetic", SYNTHETIC_COLOUR)])
        + f'<div class="charts">{"".join(figures)}</div>'
    )
    return _section("fidelity", "Fidelity per column", body)


def _process_columns(columns: Mapping[str, ProcessColumnReport]) -> str:
    head = (
        "<tr><th>Column</th><th>Group</th><th>Rows</th><th>Mean expected → synthetic</th><th>Error</th>"
        "<th>Mean z</th><th>Fit z</th><th>SD expected → synthetic</th><th>Real mean / SD</th></tr>"
    )
    rows = []
    for name, c in columns.items():
        source = "fitted on the training data" if c.fitted else "declared in the spec"
        label = f"{e(name)}<br><span class=muted>{e(c.distribution)}, {source}</span>"
        for m in [c.overall, *c.groups]:
            z_grade = "" if m.mean_z is None else "good" if abs(m.mean_z) <= 3 else "poor"
            real = "–" if m.real_mean is None else f"{fmt(m.real_mean)} / {fmt(m.real_sd)}"
            rows.append(
                f"<tr><td>{label}</td><td>{e('all rows' if m.group is None else f'{c.by} = {m.group}')}</td>"
                f'<td class="num">{m.rows:,}</td>'
                f'<td class="num">{fmt(m.expected_mean)} → {fmt(m.synthetic_mean)}</td>'
                f'<td class="num">{_pct(m.mean_relative_error)}</td><td class="num {z_grade}">{fmt(m.mean_z, 2)}</td>'
                f'<td class="num">{fmt(m.cdf_z, 2)}</td>'
                f'<td class="num">{fmt(m.expected_sd)} → {fmt(m.synthetic_sd)}</td><td class="num">{real}</td></tr>'
            )
            label = ""
    body = (
        "<p>Columns drawn from a distribution instead of learned: the moments the distribution implies "
        "(per group, and over all rows mixing the groups in their synthetic shares) against the synthetic "
        "table's. Mean z = error of the mean in standard errors of a mean of that many draws (|z| ≤ 3: sampling "
        "noise). Fit z = how far the values sit from draws of the distribution: the z-score of the mean of its "
        "CDF at them (1/2 for draws of it, whatever the tails; values all at the mean sit off it too): the "
        "<code>process_distributions</code> gate judges it. Real moments are shown for comparison.</p>"
        f"<table>{head}{''.join(rows)}</table>"
    )
    return _section("process", "Process columns", body)


def _details(c: NumericColumnFidelity | CategoricalColumnFidelity) -> str:
    if isinstance(c, NumericColumnFidelity):
        if c.mean is None or c.std is None:
            return "no values to compare"
        is_dt = c.unit == "epoch seconds"
        lines = [
            f"mean {_point(c.mean.real, is_dt)} → {_point(c.mean.synthetic, is_dt)}",
            f"std {_spread(c.std.real, is_dt)} → {_spread(c.std.synthetic, is_dt)}",
        ]
        if c.skewness is not None:
            lines += [
                f"skew {fmt(c.skewness.real, 2)} → {fmt(c.skewness.synthetic, 2)}",
                f"kurtosis {fmt(_side(c.kurtosis, 'real'), 2)} → {fmt(_side(c.kurtosis, 'synthetic'), 2)}",
                f"outliers {_pct(_side(c.outlier_share, 'real'))} → {_pct(_side(c.outlier_share, 'synthetic'))}",
                "range (0.5–99.5 %) "
                + " → ".join(
                    f"{_point(r[0], is_dt)}…{_point(r[1], is_dt)}"
                    for r in ((c.range.real, c.range.synthetic) if c.range else ())
                ),
                f"outside real range {_pct(c.out_of_range_share)}",
            ]
        if c.extreme_share is not None:  # the extreme-value gate's numbers
            lines.append(f"extreme {_pct(c.extreme_share.real)} → {_pct(c.extreme_share.synthetic)}")
        lines.append(f"Wasserstein/{c.wasserstein_scale} {fmt(c.wasserstein)}")
        return " · ".join(e(line) for line in lines)
    return e(
        f"categories {c.n_categories.real} → {c.n_categories.synthetic} · "
        f"missing {c.categories_missing} · invented {c.categories_invented}"
    )


def _side(pair: Pair | None, side: str) -> Any:
    return getattr(pair, side) if pair is not None else None


def _pairwise(fidelity: FidelityReport) -> str:
    association = fidelity.association
    correlation = fidelity.correlation
    discriminator = fidelity.discriminator
    if association is None and discriminator is None:
        return ""  # the fidelity-only page: correlation shown in the headline
    parts = []
    if association and association.real:
        names = association.columns
        real, synthetic = association.real, association.synthetic or []
        diff = [
            [None if a is None or b is None else abs(a - b) for a, b in zip(ra, rb)] for ra, rb in zip(real, synthetic)
        ]
        parts.append(
            "<p>Association of every pair of columns: bias-corrected Cramér's V (numbers cut at the real deciles). "
            f"Dependence kept: <b>{fmt(association.dependence_score)}</b> "
            "(1 − the association lost / the association present, each pair counted beyond sampling noise; a "
            "correlation of the opposite sign is lost); mean contingency similarity "
            f"{fmt(association.contingency_similarity)}.</p>"
            '<div class="charts">'
            f"<figure><figcaption>Real</figcaption>{heatmap(names, real)}</figure>"
            f"<figure><figcaption>Synthetic</figcaption>{heatmap(names, synthetic)}</figure>"
            f"<figure><figcaption>|Real − synthetic|</figcaption>{heatmap(names, diff)}</figure></div>"
        )
        worst = association.worst_pairs
        if worst:
            rows = "".join(
                f"<tr><td>{e(' × '.join(p.columns))}{' (opposite sign)' if p.opposite_sign else ''}</td>"
                f"<td class=num>{fmt(p.real)}</td>"
                f"<td class=num>{fmt(p.synthetic)}</td><td class=num>{fmt(p.contingency_similarity)}</td></tr>"
                for p in worst
            )
            parts.append(
                "<h3>Pairs furthest apart</h3><table><tr><th>Pair</th><th>V real</th><th>V synthetic</th>"
                f"<th>Contingency similarity</th></tr>{rows}</table>"
            )
    if correlation.real:
        names = correlation.columns
        parts.append(
            f"<h3>Pearson correlation of numeric columns</h3><p>Mean |Δr| {fmt(correlation.mean_abs_diff)}, "
            f'max {fmt(correlation.max_abs_diff)}.</p><div class="charts">'
            f"<figure><figcaption>Real</figcaption>{heatmap(names, correlation.real, low=-1, diverging=True)}</figure>"
            f"<figure><figcaption>Synthetic</figcaption>"
            f"{heatmap(names, correlation.synthetic or [], low=-1, diverging=True)}</figure></div>"
        )
    if discriminator:
        parts.append(
            f"<h3>Discriminator</h3><p>A gradient-boosting classifier trained to tell real from synthetic rows "
            f"reaches ROC AUC <b>{fmt(discriminator.auc)}</b> on rows it did not train on "
            f"({discriminator.rows_per_class:,} rows of each; 0.5 = indistinguishable, 1 = trivially "
            "told apart).</p>"
        )
    return _section("pairwise", "Pairwise fidelity", "".join(parts))


def _utility(utility: UtilityReport | None) -> str:
    if not utility:
        return _section("utility", "Utility", "<p>Not measured: no target column was given.</p>")
    if not utility.tstr or not utility.trtr:
        return _section("utility", "Utility", f"<p>Not measured: {e(utility.reason or '')}.</p>")
    trtr, tstr = utility.trtr, utility.tstr
    metrics = [m for m in trtr if trtr[m] is not None]
    chart = paired_bars(
        metrics,
        [
            ([trtr[m] for m in metrics], REAL_COLOUR),
            ([tstr.get(m) or 0.0 for m in metrics], SYNTHETIC_COLOUR),
        ],
        top=max(1.0, *[trtr[m] for m in metrics]),
        value_text=lambda v: f"{v:.3f}",
    )
    rows = utility.rows
    lift_note = f" ({e(utility.lift_not_applicable)})" if utility.lift_not_applicable else ""
    rare = utility.rows_of_rare_classes or {}
    rare_note = (
        f" Rows whose target class no other row has, left out of fitting: {rare.get('trtr', 0):,} real, "
        f"{rare.get('tstr', 0):,} synthetic."
        if any(rare.values())
        else ""
    )
    body = (
        f"<p>Predicting <b>{e(utility.target)}</b> ({e(utility.task)}) on the holdout with HistGradientBoosting "
        f"trained on real rows (TRTR, {rows.trtr if rows else 0:,} rows) vs on synthetic rows "
        f"(TSTR, {rows.tstr if rows else 0:,} rows). Loss in {e(utility.primary_metric)}: "
        f"<b>{fmt(utility.loss)}</b>; gain over chance kept: <b>{fmt(utility.lift_retained)}</b>{lift_note}."
        f"{rare_note}</p>"
        + legend([("train on real", REAL_COLOUR), ("train on synthetic", SYNTHETIC_COLOUR)])
        + f'<div class="charts"><figure><figcaption>Scores on the holdout</figcaption>{chart}</figure></div>'
    )
    return _section("utility", "Utility (train on synthetic, test on real)", body)


def _privacy(privacy: PrivacyReport) -> str:
    exact, distances = privacy.exact_matches, privacy.distances
    dcr, nndr, membership = distances.dcr, distances.nndr, distances.membership
    exact_chart = paired_bars(
        ["synthetic rows", "holdout rows (baseline)"],
        [([exact.synthetic_share or 0.0, exact.holdout_share or 0.0], SYNTHETIC_COLOUR)],
        top=max(0.01, exact.synthetic_share or 0.0, exact.holdout_share or 0.0),
        value_text=_pct,
        label_width=130,
    )
    names = list(dcr.histogram.series)
    dcr_chart = overlaid_histogram(
        dcr.histogram.edges,
        [(dcr.histogram.series[n], SERIES_COLOURS[k]) for k, n in enumerate(names)],
        axis=lambda v: f"{v:.2f}",
    )
    nndr_names = list(nndr.histogram.series)
    nndr_chart = overlaid_histogram(
        nndr.histogram.edges,
        [(nndr.histogram.series[n], c) for n, c in zip(nndr_names, (SYNTHETIC_COLOUR, HOLDOUT_COLOUR))],
        axis=lambda v: f"{v:.1f}",
    )
    rows = distances.rows
    body = [
        "<p>Distances are Gower-like (each numeric column as its rank in the training data, a differing category "
        "or null counts 1) on samples: "
        f"{rows.train_reference:,} training, {rows.holdout_reference:,} holdout and "
        f"{rows.synthetic_queries:,} synthetic rows. No row is shown.</p>",
        '<div class="charts">',
        f"<figure><figcaption>Exact copies of training rows</figcaption>{exact_chart}"
        f"<p>Synthetic {_pct(exact.synthetic_share)} vs holdout {_pct(exact.holdout_share)}: excess "
        f"{_pct(exact.excess)}. Duplicates within the synthetic table: "
        f"{_pct(exact.synthetic_duplicate_share)}.</p></figure>",
        "<figure><figcaption>Distance to closest record</figcaption>"
        + legend([(n, SERIES_COLOURS[k]) for k, n in enumerate(names)])
        + dcr_chart
        + f"<p>Closer to train than to holdout: {_pct(dcr.share_closer_to_train)} (expected "
        f"{_pct(dcr.expected_share_if_unrelated)} for these sizes); size-balanced "
        f"<b>{_pct(dcr.balanced_share_closer_to_train)}</b> (50 % ideal). At distance 0: synthetic "
        f"{_pct(dcr.share_at_zero)}, holdout {_pct(dcr.holdout_share_at_zero)}.</p></figure>",
        "<figure><figcaption>Nearest-neighbour distance ratio</figcaption>"
        + legend([("synthetic → train", SYNTHETIC_COLOUR), ("holdout → train", HOLDOUT_COLOUR)])
        + nndr_chart
        + f"<p>Median {fmt(nndr.synthetic.median)} (holdout {fmt(nndr.holdout.median)}); 5th "
        f"percentile {fmt(nndr.synthetic.p05)} (holdout {fmt(nndr.holdout.p05)}). Near 0: a synthetic row "
        "sits on one training row.</p></figure>",
        "</div>",
        f"<h3>Membership inference</h3><p>An attacker guessing “was in the training data” for records close to a "
        f"synthetic row: ROC AUC <b>{fmt(membership.auc)}</b>, advantage (TPR − FPR) "
        f"<b>{fmt(membership.advantage)}</b> on {membership.rows_per_class:,} training and as many holdout "
        "records (0 = no better than a coin).</p>",
    ]
    if privacy.differential_privacy:
        body.append(_differential_privacy(privacy.differential_privacy))
    if privacy.attacks:
        body.append(_attacks(privacy.attacks))
    return _section("privacy", "Privacy", "".join(body))


def _differential_privacy(dp: DifferentialPrivacyReport) -> str:
    declared = ", ".join(e(c) for c in dp.declared_columns) or "none"
    return (
        "<h3>Differential privacy</h3><p>The generator was trained with (ε, δ)-differential privacy: "
        f"spent <b>ε = {fmt(dp.epsilon)}</b>, δ = {dp.delta_spent:.3g} (budget ε = {fmt(dp.epsilon_budget)}).</p>"
        "<table><tr><th>Part</th><th>ε</th><th>δ</th><th>How</th></tr>"
        f"<tr><td>column statistics</td><td class=num>{fmt(dp.statistics_epsilon)}</td>"
        f"<td class=num>{dp.statistics_delta:.3g}</td><td>Laplace histograms; public bounds or levels declared for: "
        f"{declared}</td></tr>"
        f"<tr><td>DP-SGD training</td><td class=num>{fmt(dp.training_epsilon)}</td>"
        f"<td class=num>{dp.training_delta:.3g}</td><td>{e(dp.accountant.upper())} accountant, noise multiplier "
        f"{fmt(dp.noise_multiplier)}, sample rate {fmt(dp.sample_rate)}, {dp.steps:,} steps, per-sample clipping "
        f"at {fmt(dp.max_grad_norm)}</td></tr></table>" + "".join(f"<p><b>Warning:</b> {e(w)}</p>" for w in dp.warnings)
    )


# why singling out shows two numbers (docs/privacy.md, "Agreement with anonymeter")
ANONYMETER_METHOD_NOTE = (
    "Singling out is scored two ways. twinforge's risk (the gates read it) is over the predicates the attack "
    "found; anonymeter's scoring divides by the number of attacks requested, so when few predicates can be "
    "found it reports a low risk even on a copy of the training rows. The control count is scaled to the "
    "training size by the same model, fitted by a grid search here and by <code>curve_fit</code> in "
    "anonymeter, which can land on a branch that shrinks the count instead of growing it."
)


def _attacks(attacks: AttackReport) -> str:
    entries = [(f"singling out ({mode})", r) for mode, r in attacks.singling_out.items()]
    entries.append(("linkability", attacks.linkability))
    entries += [(f"inference of {secret}", r) for secret, r in attacks.inference.items()]
    rows = []
    for label, r in entries:
        ci = r.risk_ci or [0.0, 0.0]
        reference = r.anonymeter_method
        rows.append(
            f"<tr><td>{e(label)}</td><td class=num><b>{fmt(r.risk)}</b></td><td class=num>{fmt(ci[0])}–{fmt(ci[1])}"
            f"</td><td class=num>{fmt(reference.risk) if reference else 'same'}</td>"
            f"<td class=num>{_pct(r.attack_rate)}</td><td class=num>{_pct(r.control_rate)}</td>"
            f"<td class=num>{_pct(r.baseline_rate)}</td><td class=num>{r.n_attacks:,}</td></tr>"
        )
    chart = paired_bars(
        [label for label, _ in entries],
        [([r.risk or 0.0 for _, r in entries], "#c44e52")],
        top=1.0,
        value_text=lambda v: f"{v:.2f}",
        label_width=150,
    )
    return (
        "<h3>Attacks (anonymeter method)</h3><p>Risk = excess success against training rows over control (holdout) "
        "rows, (attack − control) / (1 − control), 0 to 1, with a 95 % interval. "
        f"{e(attacks.method)}.</p><p>{ANONYMETER_METHOD_NOTE}</p>"
        f'<div class="charts"><figure><figcaption>Risk per attack</figcaption>{chart}</figure></div>'
        "<table><tr><th>Attack</th><th>Risk</th><th>95 % interval</th><th>anonymeter's scoring</th>"
        "<th>Success on train</th>"
        f"<th>On control</th><th>Random guess</th><th>Attacks</th></tr>{''.join(rows)}</table>"
    )


def _rate(v: float | None) -> str:
    """A violation rate: exactly 0 shown as 0, any other as two significant digits (never rounded to 0)."""
    return "–" if v is None else "0" if v == 0 else f"{100 * v:.2g} %"


def _rules(rules: RulesReport) -> str:
    rows = "".join(
        f"<tr><td>{e(r.rule)}</td><td>{e(r.kind)}</td><td>{_rate(r.real_violation_rate)}</td>"
        f'<td class="{"bad" if r.synthetic_violation_rate else ""}">{_rate(r.synthetic_violation_rate)}</td></tr>'
        for r in rules.rules
    )
    body = (
        "<p>Share of rows breaking each declared rule. Synthetic rows should break none; a rule the real rows "
        "break is enforced anyway (the twin differs from the real data there).</p>"
        "<table><tr><th>rule</th><th>kind</th><th>real rows</th><th>synthetic rows</th></tr>" + rows + "</table>"
    )
    return _section("rules", "Business rules", body)


def _footer(page: _Page) -> str:
    bits = []
    if page.created_at:
        bits.append(f"created {e(page.created_at)} by twinforge {e(page.twinforge_version)}")
    if page.timings:
        bits.append("computed in " + ", ".join(f"{e(k)} {v:.1f} s" for k, v in page.timings.items()))
    return f"<footer>{' · '.join(bits)}</footer>" if bits else ""
