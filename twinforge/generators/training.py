"""Fit the generator a dataset spec asks for and save it as plain files."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.config.spec import DatasetSpec
from twinforge.evaluation.expectations import build_expectation_profile
from twinforge.generators import Generator, create_generator, generator_class
from twinforge.generators.base import EpochReport, ProgressCallback
from twinforge.io.schema import ColumnKind, TableSchema
from twinforge.process import ProcessModel, fit_process_model
from twinforge.rules import FittedRules, RuleError, fit_rules


@dataclass(frozen=True)
class TrainedGenerator:
    generator: Generator
    schema: TableSchema
    directory: Path
    fit_seconds: float

    @property
    def params(self) -> dict:
        return {"model": self.generator.name, "seed": self.generator.seed, **self.generator.params}

    @property
    def loss_history(self) -> list[dict[str, float]]:
        """Per-epoch losses (empty for models without epochs, such as the copula)."""
        return list(self.generator.loss_history)

    def expectation_profile(self, train: pl.DataFrame) -> dict:
        """What this version's samples are validated against: ``train`` profiled as the generator sees it.

        The generator's own rare-value threshold (a value it may generate is an expected one), its process
        columns' supports and its fitted rules.
        """
        process = self.generator.process
        return build_expectation_profile(
            train,
            self.schema,
            rare_min_count=self.generator.rare_min_count,
            process_columns={name: column.distribution for name, column in process.columns.items()},
            rules=self.generator.rules,
        )


def with_declared_dp_domains(
    params: dict[str, Any], spec: DatasetSpec, schema: TableSchema | None = None
) -> dict[str, Any]:
    """``params`` with the spec's declared public bounds and levels (``columns.<c>.bounds``, ``.categories``)
    merged into its ``dp`` settings, for the DP statistics (those set in ``dp`` itself win); without ``dp``, as
    given. With ``schema``, only the columns it models."""
    if not isinstance(params.get("dp"), dict):
        return params
    present = {c.name for c in schema.modelled()} if schema is not None else None
    dp = dict(params["dp"])
    for key, declared in (("bounds", spec.public_bounds), ("categories", spec.public_categories)):
        declared = {c: v for c, v in declared.items() if present is None or c in present}
        dp[key] = {**declared, **(dp.get(key) or {})}
    return {**params, "dp": dp}


def generator_params(spec: DatasetSpec, schema: TableSchema | None = None) -> dict[str, Any]:
    """The spec's generator params, plus the transformer's column order unless the spec sets it.

    The columns the spec's sampling conditions or rebalances on come first, so that conditioning on
    them is native; the target comes last, so that ``p(target | features)`` is learned directly
    (what a model trained on the synthetic rows needs). Only learned columns are placed.
    """
    params = dict(spec.generator.params)
    accepted = inspect.signature(generator_class(spec.generator.model).__init__).parameters

    def learned(column: str | None) -> bool:
        return bool(column) and (
            schema is None or (column in schema and schema[column].kind is not ColumnKind.IDENTIFIER)
        )

    conditioned = [*spec.sampling.conditions, *(spec.sampling.rebalance or {})]
    conditioned = [c for c in dict.fromkeys(conditioned) if learned(c)]
    if "condition_columns" in accepted and "condition_columns" not in params and conditioned:
        params["condition_columns"] = conditioned
    params = with_declared_dp_domains(params, spec, schema)
    target = spec.target
    if "last_columns" in accepted and "last_columns" not in params and learned(target) and target not in conditioned:
        params["last_columns"] = [target]
    return params


def train_generator(
    train: pl.DataFrame, spec: DatasetSpec, out_dir: Path, progress: ProgressCallback | None = None
) -> TrainedGenerator:
    if train.height == 0:
        raise ValueError(f"dataset {spec.name!r}: the training table is empty")
    schema = spec.schema_for(train)
    try:
        generator = create_generator(spec.generator.model, seed=spec.generator.seed, **generator_params(spec, schema))
    except TypeError as error:  # an unknown parameter name
        raise ValueError(f"dataset {spec.name!r}: field 'generator.params': {error}") from None
    rules = spec.rule_list()
    try:
        rules.check_columns(train.columns)
        rules.check_dtypes(train.schema)
    except RuleError as error:
        raise ValueError(f"{spec.origin}: {error}") from None
    start = time.perf_counter()
    generator.fit(
        train,
        schema,
        progress=progress,
        process_columns=spec.process_columns,
        column_options=spec.column_options_for(schema),
        rules=rules or None,
        sensitive_columns=spec.sensitive,
    )
    fit_seconds = time.perf_counter() - start
    generator.save(out_dir)
    return TrainedGenerator(generator=generator, schema=schema, directory=out_dir, fit_seconds=fit_seconds)


def fitted_rules(spec: DatasetSpec, train: pl.DataFrame) -> FittedRules | None:
    """The spec's rules fitted on ``train`` as training fits them (None: the spec declares none)."""
    rules = spec.rule_list()
    if not rules:
        return None
    return fit_rules(rules, train, spec.schema_for(train), rare_min_count=spec.generator.rare_min_count)


def fitted_process(spec: DatasetSpec, train: pl.DataFrame) -> ProcessModel | None:
    """The spec's process columns fitted on ``train`` as training fits them (None: the spec declares none)."""
    if not spec.process_columns:
        return None
    return fit_process_model(
        spec.process_columns,
        train,
        spec.schema_for(train),
        rare_min_count=spec.generator.rare_min_count,
        sensitive=spec.sensitive,
    )


# a line at least this often while epochs go on: slow epochs, or early stopping long before the next tenth,
# must not look like a hung run
EPOCH_LINE_SECONDS = 30.0


def epoch_logger(
    log: logging.Logger | Any,
    every: int | None = None,
    at_least_every_seconds: float = EPOCH_LINE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> ProgressCallback:
    """A progress callback writing one line per ``every`` epochs (default: about ten lines in all), and one
    for an epoch that ends ``at_least_every_seconds`` after the last line."""
    last_line = clock()

    def report(epoch: EpochReport) -> None:
        nonlocal last_line
        step = every or max(1, epoch.epochs // 10)
        now = clock()
        if (
            epoch.epoch == 1
            or epoch.epoch % step == 0
            or epoch.epoch == epoch.epochs
            or now - last_line >= at_least_every_seconds
        ):
            losses = ", ".join(f"{k} {v:.4f}" for k, v in epoch.losses.items())
            log.info(f"epoch {epoch.epoch}/{epoch.epochs}: {losses}")
            last_line = now

    return report
