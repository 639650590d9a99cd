"""Per-column fidelity of a synthetic table, as JSON and as a self-contained HTML page.

Numeric and datetime columns are compared with the Kolmogorov-Smirnov statistic
(score = 1 - KS) and a normalised Wasserstein distance; categorical and boolean
columns with the total variation distance (score = 1 - TVD). Identifiers and
free text are skipped: they are not modelled, and their values could be personal
data. The report holds aggregates only (moments, null rates, binned shares,
category counts); the only values it names are the real category set.

The HTML page draws its charts as inline SVG: plotly.js alone is ~4.5 MB, and
the page must open offline without a CDN.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl

from twinforge.schema import ColumnKind, TableSchema

NUMERIC_KINDS = (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)
CATEGORICAL_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
HISTOGRAM_BINS = 20
HISTOGRAM_TAIL = 0.005  # bins span the pooled 0.5-99.5 % quantiles; outliers fall into the end bins
TOP_CATEGORIES = 15  # bars drawn per categorical column; the rest are pooled as "(other)"
OTHER, INVENTED = "(other)", "(invented)"


# --------------------------------------------------------------------------- per column


def column_fidelity(real: pl.Series, synthetic: pl.Series, kind: ColumnKind) -> dict[str, Any]:
    """Fidelity of one synthetic column to its real counterpart; ``score`` is in [0, 1]."""
    if kind in NUMERIC_KINDS:
        unit = {"unit": "epoch seconds"} if kind is ColumnKind.DATETIME else {}
        return {"kind": kind.value, **unit, **numeric_fidelity(real, synthetic)}
    if kind in CATEGORICAL_KINDS:
        return {"kind": kind.value, **categorical_fidelity(real, synthetic)}
    raise ValueError(f"{kind.value} columns are not compared (column {real.name!r})")


def numeric_fidelity(real: pl.Series, synthetic: pl.Series) -> dict[str, Any]:
    """KS statistic, normalised Wasserstein distance, moments, null rates and a shared histogram.

    Datetimes are compared as epoch seconds (so their mean/std are in seconds).
    """
    from scipy import stats

    r, s = _as_float_array(real), _as_float_array(synthetic)
    out: dict[str, Any] = {"metric": "ks", "null_rate": _pair(_null_rate(real), _null_rate(synthetic))}
    if r.size == 0 or s.size == 0:
        # nothing to compare: equal if both are empty, as far apart as possible otherwise
        return {**out, "ks": None, "wasserstein": None, "score": 1.0 if r.size == s.size else 0.0}
    ks = float(stats.ks_2samp(r, s).statistic)
    scale, scale_name = _spread(r)
    return {
        **out,
        "ks": ks,
        "wasserstein": float(stats.wasserstein_distance(r, s)) / scale,
        "wasserstein_scale": scale_name,
        "mean": _pair(float(r.mean()), float(s.mean())),
        "std": _pair(_std(r), _std(s)),
        "histogram": _histogram(r, s),
        "score": 1.0 - ks,
    }


def categorical_fidelity(real: pl.Series, synthetic: pl.Series) -> dict[str, Any]:
    """Total variation distance over non-null values, category coverage counts, null rates, bar data."""
    p, q = _shares(real), _shares(synthetic)
    if not p or not q:
        tvd = 0.0 if p == q else 1.0
    else:
        tvd = 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in p.keys() | q.keys())
    tvd = min(1.0, tvd)  # float noise on disjoint sets
    return {
        "metric": "tvd",
        "tvd": tvd,
        "null_rate": _pair(_null_rate(real), _null_rate(synthetic)),
        "n_categories": _pair(len(p), len(q)),
        # counts only: invented values are not part of the real category set
        "categories_missing": len(p.keys() - q.keys()),
        "categories_invented": len(q.keys() - p.keys()),
        "bars": _category_bars(p, q),
        "score": 1.0 - tvd,
    }


def _pair(real: Any, synthetic: Any) -> dict[str, Any]:
    return {"real": real, "synthetic": synthetic}


def _as_float_series(s: pl.Series) -> pl.Series:
    """Float64 values, NaN as null; datetimes as epoch seconds, durations as seconds."""
    if s.dtype in (pl.Date, pl.Datetime):
        return s.dt.epoch("us").cast(pl.Float64) / 1e6
    if s.dtype == pl.Duration:
        return s.dt.total_microseconds().cast(pl.Float64) / 1e6
    return s.cast(pl.Float64).fill_nan(None)


def _as_float_array(s: pl.Series) -> np.ndarray:
    """Non-null, finite values as a float64 array."""
    a = _as_float_series(s).drop_nulls().to_numpy()
    return a[np.isfinite(a)]


def _null_rate(s: pl.Series) -> float:
    if s.len() == 0:
        return 0.0
    nulls = s.null_count() + (int(s.is_nan().sum()) if s.dtype.is_float() else 0)
    return nulls / s.len()


def _std(a: np.ndarray) -> float:
    return float(a.std(ddof=1)) if a.size > 1 else 0.0


def _spread(a: np.ndarray) -> tuple[float, str]:
    """The scale that normalises the Wasserstein distance: IQR, else std, else none."""
    q1, q3 = np.percentile(a, [25, 75])
    if q3 > q1:
        return float(q3 - q1), "iqr"
    std = _std(a)
    return (std, "std") if std > 0 else (1.0, "none")


def _histogram(r: np.ndarray, s: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict[str, list[float]]:
    """Shares of each sample in shared bins (values beyond the edges counted in the end bins)."""
    pooled = np.concatenate([r, s])
    lo, hi = np.quantile(pooled, [HISTOGRAM_TAIL, 1 - HISTOGRAM_TAIL])
    if hi - lo < bins and np.array_equal(pooled, np.round(pooled)):
        # few integer values: one bin per integer, else bins alias into gaps
        lo, hi = np.floor(lo) - 0.5, np.ceil(hi) + 0.5
        edges = np.arange(lo, hi + 0.5)
    else:
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)

    def shares(a: np.ndarray) -> list[float]:
        counts, _ = np.histogram(np.clip(a, lo, hi), bins=edges)
        return (counts / a.size).tolist()

    return {"edges": edges.tolist(), "real": shares(r), "synthetic": shares(s)}


def _shares(s: pl.Series) -> dict[Any, float]:
    if s.dtype in (pl.Categorical, pl.Enum):
        s = s.cast(pl.String)
    s = s.drop_nulls().rename("value")  # a column named "count" would clash with value_counts()
    if s.len() == 0:
        return {}
    counts = s.value_counts()
    n = s.len()
    return {v: c / n for v, c in zip(counts.get_column("value").to_list(), counts.get_column("count").to_list())}


def _category_bars(p: dict[Any, float], q: dict[Any, float], top: int = TOP_CATEGORIES) -> dict[str, list]:
    """Bar-chart data: the most frequent real categories, the other real ones pooled, invented ones pooled."""
    ranked = sorted(p, key=lambda k: (-p[k], str(k)))
    shown, rest = ranked[:top], ranked[top:]
    labels = [str(k) for k in shown]
    real = [p[k] for k in shown]
    synthetic = [q.get(k, 0.0) for k in shown]
    if rest:
        labels.append(OTHER)
        real.append(sum(p[k] for k in rest))
        synthetic.append(sum(q.get(k, 0.0) for k in rest))
    invented = sum(v for k, v in q.items() if k not in p)
    if invented:
        labels.append(INVENTED)
        real.append(0.0)
        synthetic.append(invented)
    return {"labels": labels, "real": real, "synthetic": synthetic}


# --------------------------------------------------------------------------- whole table


def fidelity_report(real: pl.DataFrame, synthetic: pl.DataFrame, schema: TableSchema) -> dict[str, Any]:
    """Fidelity of every modelled column present in both tables, an overall score and correlation drift."""
    columns: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for col in schema.columns:
        reason = _skip_reason(col.name, col.kind, real, synthetic)
        if reason:
            skipped[col.name] = reason
        else:
            columns[col.name] = column_fidelity(real.get_column(col.name), synthetic.get_column(col.name), col.kind)
    scores = [c["score"] for c in columns.values()]
    numeric = [name for name, c in columns.items() if c["kind"] in {k.value for k in NUMERIC_KINDS}]
    return {
        "overall_score": float(np.mean(scores)) if scores else None,
        "n_columns": len(columns),
        "n_rows": _pair(real.height, synthetic.height),
        "columns": columns,
        "skipped": skipped,
        "correlation": correlation_difference(real, synthetic, numeric),
    }


def _skip_reason(name: str, kind: ColumnKind, real: pl.DataFrame, synthetic: pl.DataFrame) -> str | None:
    if kind not in NUMERIC_KINDS + CATEGORICAL_KINDS:
        return kind.value  # identifiers and free text
    if name not in real.columns:
        return "missing from real"
    if name not in synthetic.columns:
        return "missing from synthetic"
    return None


def correlation_difference(real: pl.DataFrame, synthetic: pl.DataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """Mean / max absolute difference between the real and synthetic Pearson correlations.

    Pairs undefined on either side (a constant column) are left out.
    """
    out: dict[str, Any] = {
        "columns": list(columns), "n_pairs": 0, "mean_abs_diff": None, "max_abs_diff": None, "worst_pair": None,
    }  # fmt: skip
    if len(columns) < 2:
        return out
    cr, cs = _pearson(real, columns), _pearson(synthetic, columns)
    i, j = np.triu_indices(len(columns), k=1)
    diff = np.abs(cr[i, j] - cs[i, j])
    ok = np.isfinite(diff)
    if not ok.any():
        return out
    worst = int(np.nanargmax(np.where(ok, diff, np.nan)))
    return {
        **out,
        "n_pairs": int(ok.sum()),
        "mean_abs_diff": float(diff[ok].mean()),
        "max_abs_diff": float(diff[worst]),
        "worst_pair": {
            "columns": [columns[i[worst]], columns[j[worst]]],
            **_pair(float(cr[i[worst], j[worst]]), float(cs[i[worst], j[worst]])),
        },
    }


def _pearson(df: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Pairwise-complete Pearson correlation matrix (datetimes as epoch seconds)."""
    frame = pl.DataFrame({c: _as_float_series(df.get_column(c)) for c in columns}).to_pandas()
    return frame.corr(method="pearson").to_numpy()


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
.headline{display:flex;gap:1rem;flex-wrap:wrap;margin:1.2rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.2rem;min-width:150px}
.card .v{font-size:1.8rem;font-weight:600} .card .l{color:#666;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{border-bottom:1px solid #eee;padding:.35rem .5rem;text-align:left}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.nowrap{white-space:nowrap} .good{color:#17803d} .fair{color:#b26b00} .poor{color:#c0262d}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem;margin-top:1rem}
figure{margin:0;border:1px solid #eee;border-radius:6px;padding:.5rem} figcaption{font-weight:600;font-size:.9rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}
"""
REAL_COLOUR, SYNTHETIC_COLOUR = "#4c72b0", "#dd8452"


def write_quality_html(report: dict[str, Any], path: Path, *, title: str) -> Path:
    """Write ``report`` (from :func:`fidelity_report`) as one offline HTML page; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n".join(
        [
            f"<h1>{_e(title)}</h1>",
            '<p class="sub">Synthetic vs real: per-column fidelity (1 = indistinguishable marginals)</p>',
            _headline_html(report),
            "<h2>Columns</h2>",
            _column_table_html(report),
            _skipped_html(report),
            "<h2>Distributions</h2>",
            f'<p class="legend"><span style="background:{REAL_COLOUR}"></span>real'
            f'<span style="background:{SYNTHETIC_COLOUR}"></span>synthetic</p>',
            _charts_html(report),
        ]
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _e(v: Any) -> str:
    return html.escape(str(v))


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) >= 1000 or (v and abs(v) < 0.001) else f"{v:.{digits}f}"
    return str(v)


def _fmt_point(v: float | None, is_datetime: bool) -> str:
    """A value on the column's own scale: datetimes (epoch seconds) as UTC dates, numbers to 4 digits."""
    if v is None:
        return "–"
    if is_datetime:
        return dt.datetime.fromtimestamp(v, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    return f"{v:.4g}"


def _fmt_spread(v: float | None, is_datetime: bool) -> str:
    return f"{v / 86_400:.3g} d" if is_datetime and v is not None else _fmt(v)


def _is_datetime(c: dict[str, Any]) -> bool:
    return c.get("unit") == "epoch seconds"


def _grade(score: float | None) -> str:
    if score is None:
        return ""
    return "good" if score >= 0.9 else "fair" if score >= 0.75 else "poor"


def _headline_html(report: dict[str, Any]) -> str:
    score = report.get("overall_score")
    corr = report.get("correlation", {})
    worst = sorted(report["columns"].items(), key=lambda kv: kv[1]["score"])[:3]
    cards = [
        ("Overall fidelity score", _fmt(score), _grade(score)),
        ("Columns compared", str(report["n_columns"]), ""),
        ("Columns skipped", str(len(report.get("skipped", {}))), ""),
        ("Correlation diff (mean |Δr|)", _fmt(corr.get("mean_abs_diff")), ""),
        ("Rows real / synthetic", f'{report["n_rows"]["real"]} / {report["n_rows"]["synthetic"]}', ""),
    ]
    html_cards = "".join(
        f'<div class="card"><div class="v {g}">{_e(v)}</div><div class="l">{_e(label)}</div></div>'
        for label, v, g in cards
    )
    weakest = ", ".join(f"{_e(name)} ({_fmt(c['score'])})" for name, c in worst)
    return f'<div class="headline">{html_cards}</div>' + (f"<p>Weakest columns: {weakest}</p>" if worst else "")


def _column_table_html(report: dict[str, Any]) -> str:
    head = "<tr><th>Column</th><th>Kind</th><th>Score</th><th>Metric</th><th>Details</th><th>Null rate real / synth</th></tr>"
    rows = []
    for name, c in report["columns"].items():
        nulls = c["null_rate"]
        rows.append(
            f"<tr><td>{_e(name)}</td><td>{_e(c['kind'])}</td>"
            f'<td class="num {_grade(c["score"])}">{_fmt(c["score"])}</td>'
            f"<td class=nowrap>{_e(c['metric'].upper())} {_fmt(c.get(c['metric']))}</td><td>{_details(c)}</td>"
            f'<td class="num">{_fmt(nulls["real"])} / {_fmt(nulls["synthetic"])}</td></tr>'
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _details(c: dict[str, Any]) -> str:
    if c["metric"] == "ks":
        if c.get("mean") is None:
            return "no values to compare"
        point, spread, is_dt = _fmt_point, _fmt_spread, _is_datetime(c)
        return _e(
            f"Wasserstein/{c['wasserstein_scale']} {_fmt(c['wasserstein'])} · "
            f"mean {point(c['mean']['real'], is_dt)} → {point(c['mean']['synthetic'], is_dt)} · "
            f"std {spread(c['std']['real'], is_dt)} → {spread(c['std']['synthetic'], is_dt)}"
        )
    return _e(
        f"categories {c['n_categories']['real']} → {c['n_categories']['synthetic']} · "
        f"missing {c['categories_missing']} · invented {c['categories_invented']}"
    )


def _skipped_html(report: dict[str, Any]) -> str:
    skipped = report.get("skipped") or {}
    if not skipped:
        return ""
    items = ", ".join(f"{_e(name)} ({_e(reason)})" for name, reason in skipped.items())
    return f"<p>Not compared: {items}</p>"


def _charts_html(report: dict[str, Any]) -> str:
    figures = []
    for name, c in report["columns"].items():
        if "histogram" in c:
            svg = _svg_histogram(c["histogram"], is_datetime=_is_datetime(c))
        elif "bars" in c:
            svg = _svg_bars(c["bars"])
        else:
            continue
        figures.append(f"<figure><figcaption>{_e(name)}</figcaption>{svg}</figure>")
    return f'<div class="charts">{"".join(figures)}</div>'


_W, _H, _PAD = 340, 180, 24


def _svg(content: str, height: int = _H) -> str:
    return f'<svg viewBox="0 0 {_W} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">{content}</svg>'


def _svg_histogram(hist: dict[str, list[float]], *, is_datetime: bool = False) -> str:
    """Real and synthetic bin shares as overlaid translucent bars, axis labels at the range ends."""
    edges, n = hist["edges"], len(hist["real"])
    top = max(hist["real"] + hist["synthetic"]) or 1.0
    width, height = (_W - 2 * _PAD) / n, _H - 2 * _PAD
    rects = []
    for values, colour in ((hist["real"], REAL_COLOUR), (hist["synthetic"], SYNTHETIC_COLOUR)):
        for k, v in enumerate(values):
            h = height * v / top
            rects.append(
                f'<rect x="{_PAD + k * width:.1f}" y="{_PAD + height - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{colour}" fill-opacity="0.55"/>'
            )
    axis = (
        f'<text x="{_PAD}" y="{_H - 6}" font-size="10">{_e(_fmt_point(edges[0], is_datetime))}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 6}" font-size="10" text-anchor="end">'
        f"{_e(_fmt_point(edges[-1], is_datetime))}</text>"
    )
    return _svg("".join(rects) + axis)


def _svg_bars(bars: dict[str, list]) -> str:
    """Real and synthetic category shares as side-by-side horizontal bars, one row per category."""
    labels, row = bars["labels"], 16
    top = max(bars["real"] + bars["synthetic"]) or 1.0
    label_w, height = 110, row * len(labels) + 8
    span = _W - label_w - 8
    parts = []
    for k, label in enumerate(labels):
        y = 4 + k * row
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{label_w - 4}" y="{y + 11}" font-size="10" text-anchor="end">{_e(short)}</text>')
        for off, values, colour in ((0, bars["real"], REAL_COLOUR), (7, bars["synthetic"], SYNTHETIC_COLOUR)):
            parts.append(
                f'<rect x="{label_w}" y="{y + off}" width="{span * values[k] / top:.1f}" height="6" fill="{colour}"/>'
            )
    return _svg("".join(parts), height=max(height, 30))
