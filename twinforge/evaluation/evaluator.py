"""One call computes every metric of a synthetic table, and the gate verdict.

:func:`evaluate` compares a synthetic table with the training table it was
learned from and the holdout it never saw: fidelity (per column, pairwise,
discriminator), utility (TSTR vs TRTR, when there is a target), privacy (exact
matches, DCR, NNDR, membership inference, singling-out / linkability /
inference attacks) and the promotion gates. The result is a typed
:class:`~twinforge.evaluation.models.QualityReport`; ``report.to_json_dict()``
(or :func:`write_report_json`) gives its JSON form.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

import twinforge
from twinforge.config.quality import QualitySpec
from twinforge.evaluation.columns import ColumnSchema, compared_columns, is_numeric
from twinforge.evaluation.gates import evaluate_gates
from twinforge.evaluation.models import QualityReport, RulesReport, RuleViolations, as_report
from twinforge.io.permissions import write_private_text
from twinforge.io.schema import TableSchema
from twinforge.process import ProcessModel

if TYPE_CHECKING:
    from twinforge.rules import FittedRules


def evaluate(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    schema: TableSchema,
    *,
    target: str | None = None,
    secrets: Sequence[str] = (),
    quality: QualitySpec | None = None,
    differential_privacy: Mapping[str, Any] | None = None,
    process: ProcessModel | None = None,
    rules: FittedRules | None = None,
) -> QualityReport:
    """Every metric, the ``gates`` and an overall ``passed``; see the module docstring.

    ``differential_privacy``: a private generator's recorded accounting (its fit summary's ``dp``), shown
    in the privacy section and judged by the ``privacy_dp_epsilon`` gate. ``process`` (the sampled
    model's :class:`~twinforge.process.ProcessModel`) adds the moments of each process column against
    its distribution's (:mod:`twinforge.process.moments`). ``rules`` (business rules fitted on ``train``)
    adds the violation rate of each rule in the training and the synthetic rows (``report.rules``).
    """
    # threadpoolctl caps only the OpenMP/BLAS runtimes already loaded: load scikit-learn's first
    import sklearn.ensemble  # noqa: F401
    import sklearn.neighbors  # noqa: F401
    from threadpoolctl import threadpool_limits

    # a column the rules generate from nothing (a one-column unique key) holds no real value: its rule judges it
    generated = set(rules.rules.generated_columns) if rules is not None else set()
    unjudged = [c for c in synthetic.columns if c not in train.columns and c not in generated]
    if unjudged:  # fail closed: real values copied into such a column would pass every privacy gate
        them = "them" if len(unjudged) > 1 else "it"
        raise ValueError(
            f"the synthetic table has {'columns' if len(unjudged) > 1 else 'a column'} the training table lacks: "
            f"{', '.join(unjudged)}; no metric or gate can judge {them}: drop {them}, or evaluate against a training "
            f"table that has {them}"
        )
    quality = quality or QualitySpec()
    with threadpool_limits(quality.thread_limit()):
        report = _evaluate(
            train,
            holdout,
            synthetic,
            schema,
            target=target,
            secrets=secrets,
            quality=quality,
            dp=differential_privacy,
            process=process,
        )
    if rules is None:
        return report
    return report.model_copy(update={"rules": rule_violations(rules, train, synthetic)})


def rule_violations(rules: FittedRules, real: pl.DataFrame, synthetic: pl.DataFrame) -> RulesReport:
    """Each rule's violation rate in the real and the synthetic rows."""
    real_rates, synthetic_rates = rules.violation_rates(real), rules.violation_rates(synthetic)
    return RulesReport(
        rules=[
            RuleViolations(
                rule=rule.name,
                kind=rule.kind,
                real_violation_rate=real_rates[rule.name],
                synthetic_violation_rate=synthetic_rates[rule.name],
            )
            for rule in rules.rules
        ]
    )


def _evaluate(train, holdout, synthetic, schema, *, target, secrets, quality, dp=None, process=None) -> QualityReport:
    from twinforge.evaluation.attacks import attack_report
    from twinforge.evaluation.disclosure import distance_report, exact_match_report, holdout_overlap_problem
    from twinforge.evaluation.discriminator import discriminator_auc
    from twinforge.evaluation.fidelity import fidelity_report
    from twinforge.evaluation.pairwise import association_report
    from twinforge.evaluation.utility import utility_report

    for name, table in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
        if table.height == 0:
            raise ValueError(f"the {name} table is empty")
    columns, skipped = compared_columns(schema, train, holdout, synthetic)
    _check_holdout_has(holdout, schema)
    for name, table in (("holdout", holdout), ("synthetic", synthetic)):
        _check_types(name, table, columns)
    if not columns:
        raise ValueError(f"no column to compare: every column is skipped ({skipped})")
    overlap = holdout_overlap_problem(train, holdout, columns)
    if overlap is not None:
        raise ValueError(overlap)
    names = [c.name for c in columns]
    if target is not None and target not in names:
        raise ValueError(f"target column {target!r} is not among the compared columns: {', '.join(names)}")
    unknown = [s for s in quality.secrets if s not in names]
    if unknown:
        raise ValueError(f"quality.secrets names columns that are not compared: {', '.join(unknown)}")
    # secrets from column roles may have been dropped by anonymization: those are simply not attacked
    secrets = quality.secrets or [s for s in secrets if s in names] or names
    seed = quality.seed
    timings: dict[str, float] = {}

    with _timed(timings, "fidelity"):
        fidelity = fidelity_report(train, synthetic, schema)
    with _timed(timings, "pairwise"):
        fidelity["association"] = association_report(train, synthetic, columns)
    with _timed(timings, "discriminator"):
        fidelity["discriminator"] = discriminator_auc(
            train, synthetic, columns, max_rows=quality.discriminator_rows, seed=seed
        )
    utility = None
    if target is not None:
        with _timed(timings, "utility"):
            utility = utility_report(
                train, holdout, synthetic, columns, target, max_rows=quality.utility_rows, seed=seed
            )
    with _timed(timings, "privacy_distances"):
        privacy = {
            "exact_matches": exact_match_report(train, holdout, synthetic, columns),
            "distances": distance_report(
                train,
                holdout,
                synthetic,
                columns,
                max_rows=quality.privacy_rows,
                max_queries=quality.privacy_queries,
                seed=seed,
            ),
        }
    with _timed(timings, "privacy_attacks"):
        privacy["attacks"] = attack_report(
            train,
            holdout,
            synthetic,
            columns,
            secrets=secrets,
            n_attacks=quality.attacks,
            max_rows=quality.privacy_rows,
            seed=seed,
        )
    if dp is not None:
        privacy["differential_privacy"] = dict(dp)
    process_columns = {}
    if process:
        from twinforge.process.moments import process_moments_report

        with _timed(timings, "process_columns"):
            process_columns = process_moments_report(synthetic, process, train)
    measured = QualityReport.model_validate(
        {
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "twinforge_version": twinforge.__version__,
            "n_rows": {"train": train.height, "holdout": holdout.height, "synthetic": synthetic.height},
            "columns": {c.name: c.kind.value for c in columns},
            "skipped_columns": skipped,
            "target": target,
            "fidelity": fidelity,
            "utility": utility,
            "privacy": privacy,
            "settings": quality.model_copy(deep=True),
            "gates": {},
            "passed": True,
            "process_columns": process_columns,
        }
    )
    gates = evaluate_gates(measured, quality.gates, has_target=target is not None)
    return measured.model_copy(update={"gates": gates, "passed": gates.all_passed, "timings_seconds": timings})


def failed_gates(report: QualityReport | Mapping[str, Any]) -> list[str]:
    """Names of the gates that failed (an unmeasurable applicable gate is a failure)."""
    return as_report(report).gates.failed


def headline_metrics(report: QualityReport | Mapping[str, Any]) -> dict[str, float]:
    """The report's headline numbers as a flat dict of floats (unmeasured ones left out), plus gate counts.

    The names are MLflow metric and Dagster metadata keys.
    """
    return as_report(report).headline()


def write_report_json(report: QualityReport | Mapping[str, Any], path: str | os.PathLike) -> Path:
    """The report as JSON (NaN written as null, so strict parsers read it)."""
    return write_private_text(path, as_report(report).to_json(indent=1))


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - started, 3)


def _check_holdout_has(holdout: pl.DataFrame, schema: TableSchema) -> None:
    missing = [c.name for c in schema.modelled() if c.name not in holdout.columns]
    if missing:
        raise ValueError(f"the holdout table lacks training columns: {', '.join(missing)}")


def _check_types(table: str, df: pl.DataFrame, columns: Sequence[ColumnSchema]) -> None:
    """Numeric and datetime columns must hold numbers or dates; anything can be a category label."""
    schema = df.schema
    for c in columns:
        dtype = schema[c.name]
        if is_numeric(c) and not (dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Null, pl.Boolean)):
            raise ValueError(
                f"{table} column {c.name!r} holds {dtype} values but the training column is {c.kind.value}"
            )
