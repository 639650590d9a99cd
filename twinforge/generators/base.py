"""What every generator is: fit on a table, sample rows, save and load as plain data.

The abstract :class:`Generator` is here; conditional sampling (conditions,
rebalancing, rejection) is in :mod:`.sampling`, saving and loading in
:mod:`.persistence`.
"""

from __future__ import annotations

import inspect
import math
import numbers
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import polars as pl
import torch

from twinforge.encoders import TableEncoder
from twinforge.encoders.categorical import DEFAULT_RARE_MIN_COUNT
from twinforge.encoders.kinds import ColumnOptions
from twinforge.encoders.modes import MIXTURE
from twinforge.generators import sampling
from twinforge.generators.persistence import save_generator
from twinforge.generators.sampling import ConditionError
from twinforge.io.schema import TableSchema
from twinforge.process import ProcessColumnSpec, ProcessModel, fit_process_model
from twinforge.processes import available_memory
from twinforge.rules import FittedRules, RuleList, Strata, fit_rules, parse_rules

# Rows generated and decoded at a time: bounds memory for large samples.
SAMPLE_CHUNK_ROWS = 100_000
# The random stream of process-column draws, apart from the model's own (see sampling.derived_seed).
_PROCESS_STREAM = 0x70726F63  # "proc"

__all__ = ["ConditionError", "EpochReport", "Generator", "ProgressCallback", "SAMPLE_CHUNK_ROWS", "SampleProgress"]


class TrainingDiverged(ValueError):
    """A loss became NaN or infinite while fitting: the weights are no longer numbers."""


@dataclass(frozen=True)
class EpochReport:
    """Handed to a ``progress`` callback after each training epoch."""

    epoch: int  # 1-based
    epochs: int  # the most epochs training may run (early stopping may end it sooner)
    losses: dict[str, float]


ProgressCallback = Callable[[EpochReport], None]
# Called while sampling with the rows made so far and the rows asked for.
SampleProgress = Callable[[int, int], None]


class Generator(ABC):
    """A synthetic data model. Subclasses set ``name`` and implement the ``_fit`` / ``_generate`` loops."""

    name: ClassVar[str]
    # Whether the model reads the mode-specific representation (twinforge.encoders.modes), and how that lays
    # out continuous columns (a model that reads it sets ``continuous`` from its constructor).
    uses_modes: ClassVar[bool] = False
    continuous: str = MIXTURE
    # Constructor parameters stored under another attribute name (where that name means something else).
    _param_attributes: ClassVar[Mapping[str, str]] = {}

    def __init__(self, seed: int = 0, rare_min_count: int = DEFAULT_RARE_MIN_COUNT):
        self.seed = int(seed)
        self.rare_min_count = int(rare_min_count)
        self.schema: TableSchema | None = None
        self.encoder: TableEncoder | None = None
        self.process = ProcessModel()  # columns drawn from a distribution instead of learned
        self.fit_summary: dict[str, Any] = {}
        self.loss_history: list[dict[str, float]] = []
        self.rules: FittedRules | None = None  # business rules every sample meets (twinforge.rules)
        self._progress: ProgressCallback | None = None

    @classmethod
    def param_names(cls) -> list[str]:
        """The constructor's parameters, in order: the keys of :attr:`params`."""
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # not self
        return [p.name for p in parameters if p.kind in kinds]

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> None:
        """ValueError naming each key of ``params`` that is not a parameter of this model (and the ones it has)."""
        names = cls.param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            options = ", ".join(p for p in names if p != "seed")
            raise ValueError(f"model {cls.name!r} has no parameter {', '.join(unknown)} (its parameters: {options})")

    @property
    def params(self) -> dict[str, Any]:
        """Constructor arguments, as the constructor stored them; ``type(self)(**params)`` builds an unfitted twin.

        The constructor's signature is the one list of a model's parameters: each is read back from the
        attribute of the same name that the constructor sets (or the one ``_param_attributes`` names).
        """
        return {name: getattr(self, self._param_attributes.get(name, name)) for name in self.param_names()}

    @property
    def is_fitted(self) -> bool:
        return self.encoder is not None

    def fit(
        self,
        df: pl.DataFrame,
        schema: TableSchema,
        progress: ProgressCallback | None = None,
        process_columns: Mapping[str, ProcessColumnSpec | Mapping[str, Any]] | None = None,
        column_options: Mapping[str, ColumnOptions] | None = None,
        rules: RuleList | Sequence[Any] | None = None,
        sensitive_columns: Collection[str] = (),
    ) -> Generator:
        """Learn ``df``; ``progress`` (if given) is called with an :class:`EpochReport` after each epoch.

        ``process_columns`` (a spec's ``process_columns:``) are not learned: their distributions are
        fitted or taken as declared, and :meth:`sample` draws them given each row's group.
        ``column_options`` set, per column, what rows with a rare category become and whether long
        free text is generated (:class:`~twinforge.encoders.kinds.ColumnOptions`).
        ``rules`` (a parsed :class:`~twinforge.rules.RuleList` or a spec's ``rules:`` list) are
        met by every sample; the columns they generate (formulas, one-column unique keys) are not learned.
        Errors name no value of a ``sensitive_columns`` column.
        """
        _check_trainable(df, schema)
        if rules is not None and not isinstance(rules, RuleList):
            rules = parse_rules(list(rules))
        if self.private:
            _refuse_reading_rows_outside_the_budget(process_columns, rules, df.schema)
        started = time.perf_counter()
        fitted_rules = fit_rules(rules, df, schema, rare_min_count=self.rare_min_count) if rules else None
        if fitted_rules:
            fitted_rules.warn_broken_by_real_rows()
        process = fit_process_model(
            process_columns, df, schema, rare_min_count=self.rare_min_count, sensitive=sensitive_columns
        )
        learned, learned_schema = process.learned_part(df, schema)
        if fitted_rules:
            learned_schema = fitted_rules.learning_schema(learned_schema)
        encoder = TableEncoder.fit(
            self._statistics_table(learned, learned_schema),
            learned_schema,
            rare_min_count=self.rare_min_count,
            modes=self.uses_modes,
            seed=self.seed,
            column_options=column_options,
            continuous=self.continuous,
        )
        if not encoder.columns:
            raise ValueError(
                "nothing to learn: every column is an identifier or was skipped "
                f"({encoder.skipped_columns or 'no other columns'})"
            )
        process.check_groups_generated(encoder.output_columns)
        self.schema, self.encoder, self.process, self.rules = schema, encoder, process, fitted_rules
        self.loss_history, self._progress = [], progress
        try:
            details = self._fit(learned)
        except BaseException:
            self.schema = self.encoder = self.rules = None  # never leave a half-fitted generator behind
            self.process = ProcessModel()
            raise
        finally:
            self._progress = None
        self.fit_summary = {
            "rows": df.height,
            "columns": len(self.encoder.columns),
            "uniform_columns": len(self.encoder.uniform_columns),
            "skipped_columns": dict(self.encoder.skipped_columns),
            **({"process_columns": sorted(process.columns)} if process else {}),
            **details,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if self.loss_history:
            self.fit_summary["loss_history"] = self.loss_history
        if fitted_rules is not None:
            self.fit_summary["rules_real_violation_rates"] = dict(fitted_rules.real_violation_rates)
        return self

    def sample(
        self,
        n: int,
        seed: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        rebalance: Mapping[str, Mapping[Any, float]] | None = None,
        progress: SampleProgress | None = None,
    ) -> pl.DataFrame:
        """``n`` synthetic rows; the same seed gives the same rows (``None``: the fit seed).

        ``conditions`` fixes values: ``{"result": "positive"}`` gives only positive rows
        (``None`` asks for nulls). ``rebalance`` sets the shares of one discrete column's
        levels: ``{"result": {"positive": 0.3}}`` makes 30% of the rows positive (counts are
        exact), the other levels share the rest as the model generates them. Models
        condition natively where they can and fall back on bounded rejection; a condition
        that cannot be met raises :class:`ConditionError`. ``progress`` (if given) is called with the
        rows made so far and ``n`` after each chunk of :data:`SAMPLE_CHUNK_ROWS`.
        """
        chunks = []
        for chunk in self.sample_chunks(n, seed, conditions=conditions, rebalance=rebalance):
            if not chunks and chunk.height < n:
                _check_memory_for(n, chunk)
            chunks.append(chunk)
            if progress is not None:
                progress(sum(c.height for c in chunks), n)
        return pl.concat(chunks, how="vertical") if len(chunks) > 1 else chunks[0]

    def sample_chunks(
        self,
        n: int,
        seed: int | None = None,
        chunk_rows: int = SAMPLE_CHUNK_ROWS,
        conditions: Mapping[str, Any] | None = None,
        rebalance: Mapping[str, Mapping[Any, float]] | None = None,
    ) -> Iterator[pl.DataFrame]:
        """``sample`` a chunk at a time, for writing large samples with bounded memory."""
        if not self.is_fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() before sample()")
        if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(f"number of rows to sample must be a positive integer, got {n!r}")
        n = int(n)  # a numpy integer, too
        if chunk_rows <= 0:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows!r}")
        seed = self.seed if seed is None else int(seed)
        fixed = sampling.normalize_conditions(self.encoder, conditions)
        shares = sampling.rebalance_shares(self.encoder, rebalance, fixed)

        def draw(rows: int, draw_seed: int, rows_per_chunk: int) -> Iterator[pl.DataFrame]:
            if not fixed and shares is None:
                chunks = self._generate(rows, draw_seed, rows_per_chunk)
            else:
                chunks = sampling.conditional_chunks(
                    self._generate, self.encoder, rows, draw_seed, rows_per_chunk, fixed, shares
                )
            return self._draw_process_columns(chunks, draw_seed)

        if self.rules is None:
            return draw(n, seed, chunk_rows)
        strata = None
        if shares is not None:
            # a rule can reject one level's rows more often than another's: the rows it rejects are
            # redrawn from their own level, so the rebalanced counts stay exact
            def draw_counts(counts: list[int], draw_seed: int, rows_per_chunk: int) -> Iterator[pl.DataFrame]:
                # counts as weights: their exact counts over sum(counts) rows are the counts themselves
                weights = [float(c) for c in counts]
                request = sampling.Rebalance(shares.column, shares.values, weights[:-1], weights[-1])
                chunks = sampling.conditional_chunks(
                    self._generate, self.encoder, sum(counts), draw_seed, rows_per_chunk, fixed, request
                )
                return self._draw_process_columns(chunks, draw_seed)

            strata = Strata(len(shares.values) + 1, _rebalanced_level(self.encoder, shares), draw_counts)
        # every sampling path (Synthesizer, CLI, pipeline, MLflow pyfunc) comes through here; process
        # columns are drawn first, so rules can name them
        return self.rules.enforce(draw, n, seed, chunk_rows, strata)

    def _draw_process_columns(self, chunks: Iterator[pl.DataFrame], seed: int) -> Iterator[pl.DataFrame]:
        """The learned chunks with each process column drawn in, given the row's group (none: as they are)."""
        if not self.process:
            return chunks
        return (
            self.process.draw_into(chunk, np.random.default_rng(sampling.derived_seed(seed, index, _PROCESS_STREAM)))
            for index, chunk in enumerate(chunks)
        )

    @property
    def private(self) -> bool:
        """Trained with differential privacy (the neural models' ``dp``): nothing may read real rows outside it."""
        return False

    def _statistics_table(self, df: pl.DataFrame, schema: TableSchema) -> pl.DataFrame:
        """The table the encoder's statistics are fitted on: ``df`` itself (a private model: a DP proxy)."""
        return df

    @abstractmethod
    def _fit(self, df: pl.DataFrame) -> dict[str, Any]:
        """Train on ``df`` (``self.encoder`` is fitted already); return extra fit-summary entries."""

    @abstractmethod
    def _generate(
        self, n: int, seed: int, chunk_rows: int, conditions: Mapping[str, Any] | None = None
    ) -> Iterator[pl.DataFrame]:
        """Yield decoded chunks of at most ``chunk_rows`` rows, ``n`` rows in all.

        ``conditions`` maps columns to canonical values (see
        :meth:`TableEncoder.normalize_condition`); a model uses those it can condition on
        natively and may ignore the rest: rows are filtered afterwards.
        """

    def _report_epoch(self, epoch: int, epochs: int, losses: Mapping[str, float]) -> None:
        """Record one epoch's losses (saved in the fit summary, logged to MLflow) and tell ``progress``;
        :class:`TrainingDiverged` for a loss that is not a finite number (the weights are then lost)."""
        losses = {k: round(float(v), 6) for k, v in losses.items()}
        diverged = next(((k, v) for k, v in losses.items() if not math.isfinite(v)), None)
        if diverged is not None:
            rate = getattr(self, "learning_rate", None)
            raise TrainingDiverged(
                f"{self.name}: training diverged at epoch {epoch} ({diverged[0]} is {diverged[1]}): "
                + (f"lower learning_rate (it is {rate:g})" if rate is not None else "the model cannot be used")
            )
        self.loss_history.append({"epoch": epoch, **losses})
        if self._progress is not None:
            self._progress(EpochReport(epoch=epoch, epochs=epochs, losses=losses))

    @abstractmethod
    def state_dict(self) -> dict[str, torch.Tensor]:
        """The learned tensors."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore learned tensors (``self.encoder`` is restored already)."""

    def text_state(self) -> dict[str, str]:
        """Learned models kept as text besides the tensors (name -> text; none by default)."""
        return {}

    def load_text_state(self, texts: Mapping[str, str]) -> None:
        """Restore the models of :meth:`text_state`, after :meth:`load_state_dict`."""
        if texts:
            raise ValueError(f"{type(self).__name__} keeps no text models, got {sorted(texts)}")

    def save(self, directory: str | Path) -> Path:
        """Write the fitted model to ``directory`` as plain data (:func:`.persistence.save_generator`)."""
        return save_generator(self, directory)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({params}{'' if self.is_fitted else ', unfitted'})"


def _rebalanced_level(encoder: TableEncoder, shares: sampling.Rebalance) -> pl.Expr:
    """Each row's rebalanced level: its index in ``shares.values``, or their count for the other levels.

    The same test as the rebalanced sampling's (:func:`sampling.conditional_chunks`), so each drawn row
    counts where it was drawn.
    """
    level = pl.lit(len(shares.values), dtype=pl.Int64)
    for index in reversed(range(len(shares.values))):
        matches = encoder.condition_expr(shares.column, shares.values[index]).fill_null(False)
        level = pl.when(matches).then(pl.lit(index, dtype=pl.Int64)).otherwise(level)
    return level


def _refuse_reading_rows_outside_the_budget(
    process_columns: Mapping[str, ProcessColumnSpec | Mapping[str, Any]] | None,
    rules: RuleList | None,
    dtypes: Mapping[str, pl.DataType],
) -> None:
    """A private fit spends its ε on the encoder's statistics and the training: process columns fitted from the
    rows (their exact group means) and rules that learn from them (an integer key's real maximum, the real
    combinations) would publish real values that no ε accounts for, so they are refused."""
    privacy = "under differential privacy (dp) it would read the real rows outside the privacy budget"
    for name, spec in (process_columns or {}).items():
        spec = spec if isinstance(spec, ProcessColumnSpec) else ProcessColumnSpec.model_validate(spec)
        if spec.fit:
            raise ValueError(
                f"process_columns.{name}: fit: true fits its parameters from the rows; {privacy}: "
                "declare the parameters (public knowledge, e.g. a mean time between failures) instead"
            )
    kinds = [*rules.of_kind("fixed_combinations"), *rules.of_kind("unique")] if rules else []
    for rule in kinds:
        key = rule.generated_column if rule.kind == "unique" else None
        if rule.kind == "unique" and not (key in dtypes and dtypes[key].is_integer()):
            continue  # only an integer key learns (its start); the others are checked or drawn from their format
        raise ValueError(
            f"rules: {rule.name} learns from the rows (the combinations seen, or where generated keys "
            f"start); {privacy}: leave it out of a private fit"
        )


def _check_trainable(df: pl.DataFrame, schema: TableSchema) -> None:
    if not isinstance(df, pl.DataFrame):
        raise TypeError(f"expected a polars DataFrame, got {type(df).__name__}")
    if df.width == 0 or df.height == 0:
        raise ValueError(f"cannot fit on an empty table ({df.height} rows, {df.width} columns)")
    columns = set(df.columns)
    missing = [name for name in schema.names if name not in columns]
    extra = [name for name in df.columns if name not in schema]
    if missing or extra:
        raise ValueError(
            f"table and schema disagree: schema columns missing from table {missing}, "
            f"table columns not in schema {extra}"
        )


def _check_memory_for(rows: int, first: pl.DataFrame) -> None:
    """MemoryError when ``rows`` rows, at the size per row of the ``first`` chunk, would not fit in the memory
    left (with a tenth to spare): a sample is one table in memory, and would otherwise grow until the system
    kills the process."""
    available = available_memory()
    needed = first.estimated_size() / max(first.height, 1) * rows
    if available is not None and needed > 0.9 * available:
        raise MemoryError(
            f"sampling {rows:,} rows would hold about {needed / 1e9:.1f} GB in memory, and {available / 1e9:.1f} GB "
            "are available: ask for fewer rows, or write them a chunk at a time (sample_chunks, or twinforge synth "
            "--out FILE)"
        )
