"""One call computes every metric of a synthetic table, and the gate verdict.

:func:`evaluate` compares a synthetic table with the training table it was
learned from and the holdout it never saw: fidelity (per column, pairwise,
discriminator), utility (TSTR vs TRTR, when there is a target), privacy (exact
matches, DCR, NNDR, membership inference, singling-out / linkability /
inference attacks) and the promotion gates. The result is plain JSON.
"""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

import twinforge
from twinforge.evaluation.columns import ColumnSchema, compared_columns, is_numeric
from twinforge.evaluation.gates import GateThresholds, evaluate_gates
from twinforge.schema import TableSchema


class QualitySpec(BaseModel):
    """How a synthetic table is evaluated: sample sizes, attack count, seed, and the gate thresholds."""

    model_config = ConfigDict(extra="forbid")

    gates: GateThresholds = Field(default_factory=GateThresholds)
    seed: int = 0
    discriminator_rows: int = Field(10_000, ge=100)  # per class
    utility_rows: int = Field(50_000, ge=100)  # training rows per model
    privacy_rows: int = Field(20_000, ge=100)  # reference rows for nearest-neighbour searches
    privacy_queries: int = Field(5_000, ge=100)  # synthetic rows whose distances are measured
    attacks: int = Field(2_000, ge=10)  # attacks per anonymeter-style evaluation (at most the control rows)
    # inference-attack secrets; empty: the spec's sensitive and target columns, else every column
    secrets: list[str] = Field(default_factory=list)


def evaluate(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    schema: TableSchema,
    *,
    target: str | None = None,
    secrets: Sequence[str] = (),
    quality: QualitySpec | None = None,
) -> dict[str, Any]:
    """Every metric, the ``gates`` and an overall ``passed``; see the module docstring."""
    from twinforge.evaluation.attacks import attack_report
    from twinforge.evaluation.discriminator import discriminator_auc
    from twinforge.evaluation.fidelity import fidelity_report
    from twinforge.evaluation.pairwise import association_report
    from twinforge.evaluation.privacy import distance_report, exact_match_report
    from twinforge.evaluation.utility import utility_report

    quality = quality or QualitySpec()
    for name, table in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
        if table.height == 0:
            raise ValueError(f"the {name} table is empty")
    columns, skipped = compared_columns(schema, train, holdout, synthetic)
    _check_holdout_has(holdout, schema)
    for name, table in (("holdout", holdout), ("synthetic", synthetic)):
        _check_types(name, table, columns)
    if not columns:
        raise ValueError(f"no column to compare: every column is skipped ({skipped})")
    names = [c.name for c in columns]
    if target is not None and target not in names:
        raise ValueError(f"target column {target!r} is not among the compared columns: {', '.join(names)}")
    secrets = [s for s in (quality.secrets or secrets) if s in names] or names
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
            utility = utility_report(train, holdout, synthetic, columns, target, max_rows=quality.utility_rows,
                                     seed=seed)
    with _timed(timings, "privacy_distances"):
        privacy = {
            "exact_matches": exact_match_report(train, holdout, synthetic, columns),
            "distances": distance_report(train, holdout, synthetic, columns, max_rows=quality.privacy_rows,
                                         max_queries=quality.privacy_queries, seed=seed),
        }
    with _timed(timings, "privacy_attacks"):
        privacy["attacks"] = attack_report(train, holdout, synthetic, columns, secrets=secrets,
                                           n_attacks=quality.attacks, max_rows=quality.privacy_rows, seed=seed)
    report: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "twinforge_version": twinforge.__version__,
        "n_rows": {"train": train.height, "holdout": holdout.height, "synthetic": synthetic.height},
        "columns": {c.name: c.kind.value for c in columns},
        "skipped_columns": skipped,
        "target": target,
        "fidelity": fidelity,
        "utility": utility,
        "privacy": privacy,
        "settings": quality.model_dump(),
    }
    report["gates"] = evaluate_gates(report, quality.gates, has_target=target is not None)
    report["passed"] = all(g["passed"] for g in report["gates"].values())
    report["timings_seconds"] = timings
    return report


def failed_gates(report: dict[str, Any]) -> list[str]:
    return [name for name, g in report["gates"].items() if not g["passed"]]


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
    for c in columns:
        dtype = df.schema[c.name]
        if is_numeric(c) and not (dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.Null, pl.Boolean)):
            raise ValueError(
                f"{table} column {c.name!r} holds {dtype} values but the training column is {c.kind.value}"
            )
