"""Singling-out, linkability and inference risks, measured the way anonymeter measures them.

anonymeter (Giomi et al., "A Unified Framework for Quantifying Privacy Risk in
Synthetic Data", PoPETs 2023) is the reference implementation, but its releases
pin ``numpy<1.27`` and ``pyarrow<22`` while twinforge runs numpy 2.4 and
pyarrow 25 (MLflow and Evidently need them), so it cannot be installed next to
twinforge. This module follows its method:

* each attack is run against training rows (which the generator saw) and
  against as many *control* rows from the holdout (which it did not);
* success rates get Wilson score intervals; the risk is the excess success on
  training rows, ``(attack - control) / (1 - control)``, clipped to [0, 1],
  with a propagated error bound;
* a naive baseline attack (random guesses) shows whether the attack is
  informative at all.

The attacks:

* **singling out**: predicates that isolate exactly one synthetic row (a
  unique value, the minimum or maximum of a column, or a combination of three
  attributes of one synthetic row) are tried on the training and control rows;
  success = the predicate isolates exactly one person there too. Training rows
  are sampled to the control size, so no size correction is needed.
* **linkability**: the attacker holds two halves of a person's attributes (the
  columns split in two) and links them when both halves have the same nearest
  synthetic row.
* **inference**: the attacker knows every column but a secret one and guesses
  it from the nearest synthetic row; numeric guesses count within 5 % of the
  true value (datetimes: within 5 % of the real interquartile range).

Nothing but counts, rates and risks leaves this module.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from math import sqrt
from typing import Any, Sequence

import numpy as np
import polars as pl

from twinforge.evaluation.columns import (
    ColumnSchema,
    DistanceSpace,
    as_float_array,
    as_float_series,
    as_floats_with_nan,
    as_labels,
    is_numeric,
    sample_rows,
)
from twinforge.schema import ColumnKind

CONFIDENCE = 0.95
SINGLING_OUT_COLUMNS = 3  # attributes per multivariate predicate (anonymeter's default)
QUERY_BATCH = 1000
INFERENCE_TOLERANCE = 0.05


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Rate:
    value: float
    error: float


def success_rate(n_total: int, n_success: float, confidence: float = CONFIDENCE) -> Rate:
    """Wilson score estimate of a success rate and its error bound."""
    from scipy.stats import norm

    if n_total <= 0:
        return Rate(0.0, 1.0)
    z = float(norm.ppf(0.5 * (1.0 + confidence)))
    z2 = z * z
    variance = n_success * (n_total - n_success) / n_total
    denominator = n_total + z2
    return Rate((n_success + 0.5 * z2) / denominator, (z / denominator) * sqrt(max(variance, 0.0) + 0.25 * z2))


def residual_risk(attack: Rate, control: Rate) -> dict[str, Any]:
    """Excess of the attack's success over the control's, relative to the control's room to improve."""
    room = 1.0 - control.value
    value = (attack.value - control.value) / room
    error = sqrt((attack.error / abs(room)) ** 2 + (control.error * (attack.value - 1.0) / room**2) ** 2)
    clip = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    return {"value": clip(value), "ci": [clip(value - error), clip(value + error)]}


def attack_result(n_attacks: int, n_success: float, n_baseline: float, n_control: float) -> dict[str, Any]:
    attack, baseline, control = (success_rate(n_attacks, k) for k in (n_success, n_baseline, n_control))
    risk = residual_risk(attack, control)
    return {
        "risk": risk["value"],
        "risk_ci": risk["ci"],
        "attack_rate": attack.value,
        "control_rate": control.value,
        "baseline_rate": baseline.value,
        "n_attacks": n_attacks,
        # anonymeter's sanity check: an attack no better than guessing says little either way
        "informative": attack.value - attack.error > baseline.value + baseline.error,
    }


# --------------------------------------------------------------------------- tables


@dataclass
class AttackTables:
    """The three tables in one canonical form (numbers as Float64, categories as String), sampled.

    Train and control are sampled at one rate, so their sizes keep the split's ratio.
    """

    columns: list[ColumnSchema]
    train: pl.DataFrame
    control: pl.DataFrame
    synthetic: pl.DataFrame

    @classmethod
    def prepare(cls, train, holdout, synthetic, columns, *, max_rows: int, seed: int) -> "AttackTables":
        rate = min(1.0, max_rows / max(train.height, holdout.height, 1))
        return cls(
            list(columns),
            _canonical(sample_rows(train, max(1, int(round(train.height * rate))), seed), columns),
            _canonical(sample_rows(holdout, max(1, int(round(holdout.height * rate))), seed + 1), columns),
            _canonical(sample_rows(synthetic, max_rows, seed + 2), columns),
        )


def _canonical(df: pl.DataFrame, columns: Sequence[ColumnSchema]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            c.name: as_float_series(df.get_column(c.name)) if is_numeric(c) else as_labels(df.get_column(c.name))
            for c in columns
        }
    )


# --------------------------------------------------------------------------- singling out


def singling_out_risk(
    tables: AttackTables, *, mode: str, n_attacks: int, seed: int, max_attempts: int = 20_000
) -> dict[str, Any]:
    """Risk that predicates learned from the synthetic rows isolate one real person."""
    rng = np.random.default_rng(seed)
    synthetic = tables.synthetic.unique(maintain_order=True)
    if mode == "univariate":
        candidates = _univariate_queries(synthetic, rng)
        queries = _singling_out(synthetic, candidates, n_attacks)
    elif mode == "multivariate":
        queries = _multivariate_queries(synthetic, n_attacks, rng, max_attempts)
    else:
        raise ValueError(f"singling-out mode must be 'univariate' or 'multivariate', got {mode!r}")
    if not queries:
        return {"risk": 0.0, "risk_ci": [0.0, 0.0], "n_attacks": 0, "informative": False,
                "reason": "no predicate singles out a synthetic row"}
    baseline = _random_queries(synthetic, len(queries), 1 if mode == "univariate" else SINGLING_OUT_COLUMNS, rng)
    train, control = tables.train.unique(maintain_order=True), tables.control.unique(maintain_order=True)
    n_control = float(_count_singled_out(control, queries))
    if control.height != train.height:
        # a predicate isolates one row more or less often in a bigger table: scale the control count
        n_control *= size_correction(control, queries, train.height, rng)
    return {
        **attack_result(
            len(queries),
            n_success=_count_singled_out(train, queries),
            n_baseline=_count_singled_out(train, baseline),
            n_control=min(n_control, len(queries)),
        ),
        "mode": mode,
    }


def singling_out_probability_integral(n: float, w_min: float, w_max: float) -> float:
    """Integral over query weights w in [w_min, w_max] of P(a w-query isolates one of n rows) = n w (1-w)^(n-1)."""
    return ((n * w_min + 1) * (1 - w_min) ** n - (n * w_max + 1) * (1 - w_max) ** n) / (n + 1)


def size_correction(control: pl.DataFrame, queries: list[pl.Expr], n_train: int, rng: np.random.Generator) -> float:
    """anonymeter's correction: fit how many queries single out vs table size on control subsamples.

    The model is ``norm * integral(n, 0, w_eff)`` (Cohen & Nissim 2020); the
    ratio of its values at the training and control sizes scales the control count.
    """
    from scipy.optimize import curve_fit

    sizes, successes = [], []
    for n_rows in np.linspace(min(1000, control.height), control.height, 10).astype(int):
        for _ in range(5):
            subsample = control.sample(n_rows, seed=int(rng.integers(2**31)))
            sizes.append(n_rows)
            successes.append(_count_singled_out(subsample, queries))
    sizes_a, successes_a = np.asarray(sizes, float), np.asarray(successes, float)

    def model(x, w_eff, norm):
        return norm * singling_out_probability_integral(x, 0.0, w_eff)

    w0 = 1.0 / sizes_a.max()
    p0 = (w0, 1.0 / singling_out_probability_integral(sizes_a.max(), 0.0, w0))
    try:
        params, _ = curve_fit(model, sizes_a, successes_a, bounds=(0, (1, np.inf)), p0=p0)
    except (RuntimeError, ValueError):
        return 1.0  # no fit (e.g. nothing singled out at any size): leave the count as it is
    at_control = model(float(control.height), *params)
    return float(model(float(n_train), *params) / at_control) if at_control > 0 else 1.0


def _counts(df: pl.DataFrame, queries: list[pl.Expr]) -> np.ndarray:
    if not queries:
        return np.array([], dtype=np.int64)
    out = []
    for start in range(0, len(queries), QUERY_BATCH):
        batch = queries[start : start + QUERY_BATCH]
        row = df.select([q.fill_null(False).cast(pl.Int64).sum().alias(f"q{i}") for i, q in enumerate(batch)]).row(0)
        out.extend(row)
    return np.asarray(out, dtype=np.int64)


def _count_singled_out(df: pl.DataFrame, queries: list[pl.Expr]) -> int:
    return int((_counts(df, queries) == 1).sum())


def _singling_out(df: pl.DataFrame, candidates: list[pl.Expr], limit: int) -> list[pl.Expr]:
    """The first ``limit`` distinct candidates that match exactly one row of ``df``."""
    chosen, seen = [], set()
    for start in range(0, len(candidates), QUERY_BATCH):
        batch = candidates[start : start + QUERY_BATCH]
        for query, count in zip(batch, _counts(df, batch)):
            key = str(query)
            if count == 1 and key not in seen:
                seen.add(key)
                chosen.append(query)
                if len(chosen) >= limit:
                    return chosen
    return chosen


def _univariate_queries(df: pl.DataFrame, rng: np.random.Generator) -> list[pl.Expr]:
    queries = []
    for name in df.columns:
        s = df.get_column(name)
        if s.null_count() == 1:
            queries.append(pl.col(name).is_null())
        if s.dtype == pl.Float64 and s.drop_nulls().len():
            queries += [pl.col(name) <= s.min(), pl.col(name) >= s.max()]
        counts = s.drop_nulls().rename("value").value_counts()
        for value in counts.filter(pl.col("count") == 1).get_column("value").to_list():
            queries.append(pl.col(name) == value)
    order = rng.permutation(len(queries))
    return [queries[i] for i in order]


def _multivariate_queries(df: pl.DataFrame, limit: int, rng: np.random.Generator, max_attempts: int) -> list[pl.Expr]:
    """anonymeter's multivariate attack: attributes of a random synthetic row, numbers as one-sided bounds."""
    names = df.columns
    n_cols = min(SINGLING_OUT_COLUMNS, len(names))
    medians = {n: df.get_column(n).median() for n in names if df.schema[n] == pl.Float64}
    chosen: list[pl.Expr] = []
    seen: set[str] = set()
    attempts = 0
    while len(chosen) < limit and attempts < max_attempts:
        rows = df[rng.integers(0, df.height, size=QUERY_BATCH)].to_dicts()
        batch = []
        for record in rows:
            cols = rng.choice(names, size=n_cols, replace=False)
            parts = []
            for col in sorted(cols):
                value = record[col]
                if value is None:
                    parts.append(pl.col(col).is_null())
                elif col in medians:
                    # toward the tail: more extreme values single out more often
                    parts.append(pl.col(col) >= value if medians[col] is not None and value > medians[col]
                                 else pl.col(col) <= value)
                else:
                    parts.append(pl.col(col) == value)
            batch.append(reduce(operator.and_, parts))
        attempts += len(batch)
        for query in _singling_out(df, batch, limit - len(chosen)):
            if str(query) not in seen:
                seen.add(str(query))
                chosen.append(query)
    return chosen


def _random_queries(df: pl.DataFrame, n: int, n_cols: int, rng: np.random.Generator) -> list[pl.Expr]:
    """Baseline: predicates on random values with random comparison operators."""
    values = {c: df.get_column(c).unique().to_list() for c in df.columns}
    numeric_ops = [operator.eq, operator.ne, operator.gt, operator.lt, operator.ge, operator.le]
    queries = []
    for _ in range(n):
        parts = []
        for col in sorted(rng.choice(df.columns, size=min(n_cols, df.width), replace=False)):
            value = values[col][int(rng.integers(len(values[col])))]
            eq = bool(rng.integers(2))
            if value is None:
                parts.append(pl.col(col).is_null() if eq else pl.col(col).is_not_null())
            elif df.schema[col] == pl.Float64:
                parts.append(numeric_ops[int(rng.integers(len(numeric_ops)))](pl.col(col), value))
            else:
                parts.append(pl.col(col) == value if eq else pl.col(col) != value)
        queries.append(reduce(operator.and_, parts))
    return queries


# --------------------------------------------------------------------------- nearest-neighbour attacks


class _Embedded:
    """The attack tables in the distance space, with nearest-synthetic-row lookups on column subsets."""

    def __init__(self, tables: AttackTables):
        self.space = DistanceSpace.fit(tables.columns, tables.train)
        self.train = self.space.transform(tables.train)
        self.control = self.space.transform(tables.control)
        self.synthetic = self.space.transform(tables.synthetic)

    def nearest_synthetic(self, points: np.ndarray, names: Sequence[str]) -> np.ndarray:
        from sklearn.neighbors import NearestNeighbors

        slots = self.space.slots(names)
        search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(self.synthetic[:, slots])
        return search.kneighbors(points[:, slots], return_distance=False)[:, 0]


def linkability_risk(tables: AttackTables, *, n_attacks: int, seed: int, embedded: _Embedded | None = None,
                     aux_columns: tuple[Sequence[str], Sequence[str]] | None = None) -> dict[str, Any]:
    """Risk that the synthetic rows link two halves of a person's record."""
    names = [c.name for c in tables.columns]
    if len(names) < 2:
        return {"risk": 0.0, "risk_ci": [0.0, 0.0], "n_attacks": 0, "informative": False,
                "reason": "fewer than two columns"}
    first, second = aux_columns or (names[0::2], names[1::2])
    embedded = embedded or _Embedded(tables)
    rng = np.random.default_rng(seed)
    n = min(n_attacks, len(embedded.train), len(embedded.control))

    def links(points: np.ndarray) -> int:
        picked = points[rng.choice(len(points), size=n, replace=False)]
        return int((embedded.nearest_synthetic(picked, first) == embedded.nearest_synthetic(picked, second)).sum())

    n_synthetic = len(embedded.synthetic)
    baseline = int((rng.integers(0, n_synthetic, n) == rng.integers(0, n_synthetic, n)).sum())
    return {
        **attack_result(n, links(embedded.train), baseline, links(embedded.control)),
        "aux_columns": [list(first), list(second)],
    }


def inference_risk(
    tables: AttackTables, secret: str, *, n_attacks: int, seed: int, embedded: _Embedded | None = None
) -> dict[str, Any]:
    """Risk that the synthetic rows reveal ``secret`` of a person whose other attributes are known."""
    column = next((c for c in tables.columns if c.name == secret), None)
    if column is None:
        raise ValueError(f"inference secret {secret!r} is not among the compared columns")
    aux = [c.name for c in tables.columns if c.name != secret]
    if not aux:
        return {"risk": 0.0, "risk_ci": [0.0, 0.0], "n_attacks": 0, "informative": False, "reason": "no other column"}
    embedded = embedded or _Embedded(tables)
    rng = np.random.default_rng(seed)
    n = min(n_attacks, len(embedded.train), len(embedded.control))
    secrets = {
        "train": tables.train.get_column(secret),
        "control": tables.control.get_column(secret),
        "synthetic": tables.synthetic.get_column(secret),
    }
    tolerance = _tolerance(column, secrets["train"])

    def correct(truth: pl.Series, guesses: pl.Series) -> int:
        if is_numeric(column):
            t, g = as_floats_with_nan(truth), as_floats_with_nan(guesses)
            both_null = np.isnan(t) & np.isnan(g)
            with np.errstate(invalid="ignore"):
                close = np.abs(g - t) <= (tolerance if tolerance is not None else INFERENCE_TOLERANCE * np.abs(t))
            return int((both_null | close).sum())
        t, g = truth.to_numpy(), guesses.to_numpy()
        return int(sum(a == b for a, b in zip(t, g)))

    def attack(side: str, points: np.ndarray) -> int:
        picked = rng.choice(len(points), size=n, replace=False)
        guesses = secrets["synthetic"].gather(embedded.nearest_synthetic(points[picked], aux))
        return correct(secrets[side].gather(picked), guesses)

    random_guesses = secrets["synthetic"].gather(rng.integers(0, len(secrets["synthetic"]), n))
    baseline = correct(secrets["train"].gather(rng.choice(len(secrets["train"]), size=n, replace=False)),
                       random_guesses)
    return {**attack_result(n, attack("train", embedded.train), baseline, attack("control", embedded.control)),
            "secret": secret}


def _tolerance(column: ColumnSchema, train_values: pl.Series) -> float | None:
    """Absolute tolerance for datetimes (epoch seconds: 5 % of the value is years); None: relative 5 %."""
    if column.kind is not ColumnKind.DATETIME:
        return None
    values = as_float_array(train_values)
    if values.size == 0:
        return 0.0
    q1, q3 = np.percentile(values, [25, 75])
    return INFERENCE_TOLERANCE * float(q3 - q1)


def attack_report(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    columns: Sequence[ColumnSchema],
    *,
    secrets: Sequence[str] = (),
    n_attacks: int = 500,
    max_rows: int = 20_000,
    seed: int = 0,
) -> dict[str, Any]:
    """Singling-out (univariate and multivariate), linkability and inference risks; ``risk`` fields in [0, 1]."""
    tables = AttackTables.prepare(train, holdout, synthetic, columns, max_rows=max_rows, seed=seed)
    embedded = _Embedded(tables)
    secrets = list(secrets) or [c.name for c in columns]
    inference = {s: inference_risk(tables, s, n_attacks=n_attacks, seed=seed + 7, embedded=embedded) for s in secrets}
    singling = {
        mode: singling_out_risk(tables, mode=mode, n_attacks=n_attacks, seed=seed + 5) for mode in ("univariate",
                                                                                                     "multivariate")
    }
    worst_secret = max(inference, key=lambda s: inference[s]["risk"]) if inference else None
    return {
        "method": "anonymeter (Giomi et al. 2023), reimplemented: anonymeter pins numpy<1.27",
        "rows": {"train": tables.train.height, "control": tables.control.height, "synthetic": tables.synthetic.height},
        "singling_out": singling,
        "singling_out_risk": max(r["risk"] for r in singling.values()),
        "linkability": linkability_risk(tables, n_attacks=n_attacks, seed=seed + 6, embedded=embedded),
        "inference": inference,
        "inference_risk": inference[worst_secret]["risk"] if worst_secret else 0.0,
        "inference_worst_secret": worst_secret,
    }
