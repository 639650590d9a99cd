"""The one-object entry point: fit a generator on a table, sample a synthetic twin.

    >>> from twinforge import Synthesizer
    >>> synth = Synthesizer(model="copula", seed=0).fit(df, identifiers=["patient_id"])
    >>> twin = synth.sample(1000)

``fit`` takes a pandas or polars DataFrame and ``sample`` answers in the same
type. The twin has the training table's columns in their order and dtypes,
except identifier columns and skipped columns (long free text unless asked
for, unsupported dtypes; see ``skipped_columns``), which are never learned and
so never generated. Rare categories are never reproduced: their rows get
generated values (see ``column_options``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from twinforge.encoders.kinds import ColumnOptions
from twinforge.generators import Generator, create_generator
from twinforge.generators.base import ProgressCallback
from twinforge.generators.persistence import load_saved, save_generator
from twinforge.io.schema import ColumnKind, TableSchema, infer_schema
from twinforge.io.typing_rules import number_kinds

FRAME_FILE = "synthesizer.json"
# Fewer real rows than this are refused by `twinforge synth` and by Synthesizer.fit (unless asked with
# allow_few_rows=True): a generator fitted on a handful of records can only give them back (one row gives
# copies of the real record).
MIN_TRAINING_ROWS = 50


class Synthesizer:
    def __init__(self, model: str = "copula", seed: int = 0, **params: Any):
        self._generator = create_generator(model, seed=seed, **params)
        self._frame = _FrameType.polars()
        self._policy: dict[str, str] = {}

    @property
    def generator(self) -> Generator:
        return self._generator

    @property
    def model(self) -> str:
        return self._generator.name

    @property
    def schema(self) -> TableSchema:
        self._require_fitted()
        return self._generator.schema

    @property
    def skipped_columns(self) -> dict[str, str]:
        """Columns not learned (and so not generated), with the reason; identifiers are not listed."""
        self._require_fitted()
        return dict(self._generator.encoder.skipped_columns)

    def fit(
        self,
        data: Any,
        schema: TableSchema | None = None,
        identifiers: Iterable[str] = (),
        progress: ProgressCallback | None = None,
        process_columns: Mapping[str, Any] | None = None,
        column_options: Mapping[str, ColumnOptions] | None = None,
        rules: Any = None,
        allow_few_rows: bool = False,
        anonymize: bool = True,
    ) -> Synthesizer:
        """Learn ``data`` (pandas or polars); the schema is inferred when not given.

        First, as ``twinforge synth`` does, PII is detected and the default policy applied (``anonymize``):
        person names, e-mail addresses, phone numbers ... are dropped or masked, and so are ``identifiers``, so
        none of them reaches the model or the samples; :attr:`policy` says what was done to each column, and a warning names the columns
        changed. ``anonymize=False`` learns the table as given: only for data that holds no personal data.

        A table of fewer than ``MIN_TRAINING_ROWS`` (50) rows is refused, as by ``twinforge synth``: fitted on
        a handful of records a generator gives them back. ``allow_few_rows=True`` fits it anyway (tests,
        toy examples): never on real people's records.

        ``identifiers`` name columns never to learn (ids, keys); they are absent from samples
        unless a ``unique`` rule generates them.
        ``progress`` is called after each training epoch of the neural models.
        ``process_columns`` (column -> :class:`twinforge.process.ProcessColumnSpec` or its dict, e.g.
        ``{"hours": {"distribution": "weibull", "shape": 1.5, "mean": 10000}}``) are drawn from their
        distribution instead of learned.
        ``column_options`` (``{"job_title": ColumnOptions(rare="rare_token")}``) set what rows with
        a rare category become and whether long free text is generated.
        ``rules`` is a spec's ``rules:`` list (or a parsed :class:`~twinforge.rules.RuleList`) every sample meets.
        """
        frame, df = _FrameType.of(data)
        if df.height == 0 or df.width == 0:
            raise ValueError(f"cannot fit on an empty table ({df.height} rows, {df.width} columns)")
        if df.height < MIN_TRAINING_ROWS and not allow_few_rows:
            raise ValueError(
                f"{df.height} row{'s' if df.height > 1 else ''} to learn from: at least {MIN_TRAINING_ROWS} are "
                "needed (fitted on fewer, a generator can only give the real records back); pass "
                "allow_few_rows=True to fit anyway on data that is not real people's"
            )
        identifiers = [identifiers] if isinstance(identifiers, str) else list(identifiers)  # one name, not letters
        self._policy = {}
        if anonymize:
            df, schema, identifiers = self._anonymized(df, schema, identifiers)
        if schema is None:
            schema = infer_schema(df, overrides=number_kinds(df), identifiers=identifiers)
        elif identifiers:
            schema = _mark_identifiers(schema, identifiers)
        self._generator.fit(
            df,
            schema,
            progress=progress,
            process_columns=process_columns,
            column_options=column_options,
            rules=rules,
        )
        self._frame = frame
        return self

    def sample(
        self,
        n: int,
        seed: int | None = None,
        conditions: Mapping[str, Any] | None = None,
        rebalance: Mapping[str, Mapping[Any, float]] | None = None,
    ) -> Any:
        """``n`` synthetic rows as the frame type given to ``fit``; ``seed=None`` uses the model's seed.

        ``conditions={"result": "positive"}`` gives only rows with that value;
        ``rebalance={"result": {"positive": 0.3}}`` makes exactly 30% of the rows positive
        (see :meth:`twinforge.generators.Generator.sample`).
        """
        self._require_fitted()
        return self._frame.convert(self._generator.sample(n, seed=seed, conditions=conditions, rebalance=rebalance))

    def convert(self, df: pl.DataFrame) -> Any:
        """A polars frame from the generator as the frame type given to ``fit``."""
        return self._frame.convert(df)

    def save(self, path: str | Path) -> Path:
        """Write the model to directory ``path`` (plain JSON + torch state_dict; see ``twinforge.generators.persistence``)."""
        self._require_fitted()
        frame = json.dumps(self._frame.to_dict(), indent=1)
        return save_generator(self._generator, path, extra_texts={FRAME_FILE: frame})

    @classmethod
    def load(cls, path: str | Path) -> Synthesizer:
        """Load a directory written by :meth:`save` (or by ``Generator.save``: then samples are polars)."""
        generator, extras = load_saved(path)
        synthesizer = cls.__new__(cls)
        synthesizer._generator, synthesizer._policy = generator, {}  # the policy is the fit's, not saved
        frame_file = Path(path) / FRAME_FILE
        try:
            frame = json.loads(extras[FRAME_FILE]) if FRAME_FILE in extras else {"frame": "polars"}
            synthesizer._frame = _FrameType.from_dict(frame)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{frame_file} is malformed: {error!r}") from error
        except ValueError as error:
            raise ValueError(f"{frame_file} is malformed: {error}") from error
        return synthesizer

    @property
    def policy(self) -> dict[str, str]:
        """What the privacy policy did to each column before fitting (``drop (default for detected PERSON)``);
        empty when fitted with ``anonymize=False``, and for a loaded model (its fit said it)."""
        self._require_fitted()
        return dict(self._policy)

    def _anonymized(
        self, df: pl.DataFrame, schema: TableSchema | None, identifiers: list[str]
    ) -> tuple[pl.DataFrame, TableSchema | None, list[str]]:
        """``df`` after the default PII policy (``twinforge synth``'s), the schema and identifiers it leaves."""
        from twinforge.privacy.anonymize import apply_default_policy

        # every category level the model learns is checked for a person's name
        result = apply_default_policy(df, identifiers, level_min_count=self._generator.rare_min_count)
        self._policy = {c: f"{a.action} ({a.reason})" for c, a in result.policy.items()}
        changed = {c: a.action for c, a in result.policy.items() if a.action != "keep"}
        if changed:
            warnings.warn(
                "Synthesizer.fit applied the default privacy policy before learning: "
                + ", ".join(f"{c} {action}" for c, action in changed.items())
                + " (Synthesizer.policy says why; anonymize=False learns the table as given)",
                stacklevel=3,
            )
        table = result.table
        if table.width == 0:
            raise ValueError(
                "nothing to learn: the default privacy policy dropped every column ("
                + "; ".join(f"{c}: {p}" for c, p in self._policy.items())
                + "); anonymize=False learns the table as given"
            )
        if schema is not None:  # the caller's kinds for the columns left; the others (flattened fields) inferred
            inferred = infer_schema(table, overrides=number_kinds(table))
            schema = TableSchema(columns=tuple(schema[c] if c in schema else inferred[c] for c in table.columns))
        return table, schema, [c for c in identifiers if c in table.columns]

    def _require_fitted(self) -> None:
        if not self._generator.is_fitted:
            raise RuntimeError("the synthesizer is not fitted: call fit() first")

    def __repr__(self) -> str:
        return f"Synthesizer({self._generator!r})"


def _mark_identifiers(schema: TableSchema, identifiers: list[str]) -> TableSchema:
    unknown = [name for name in identifiers if name not in schema]
    if unknown:
        raise KeyError(f"identifier columns not in the schema: {unknown}")
    return TableSchema(
        columns=tuple(
            dataclasses.replace(c, kind=ColumnKind.IDENTIFIER) if c.name in identifiers else c for c in schema.columns
        )
    )


def _unconvertible_pandas_column(data) -> str:
    """Which column of a pandas frame polars cannot take, and the Python types its values have (types, never
    values: an error message ends up in logs)."""
    for name in data.columns:
        try:
            pl.from_pandas(data[[name]])
        except Exception as error:  # noqa: BLE001 - the message may quote a cell; only its type is said
            column = data[name]
            types = sorted({type(value).__name__ for value in column.dropna()}) if column.dtype == object else []
            mixed = f" holds values of types {', '.join(types)}" if len(types) > 1 else ""
            return (
                f"pandas column {name!r} (dtype {column.dtype}){mixed} cannot be converted to a table column "
                f"({type(error).__name__}; its message is withheld because it may quote cell values): convert it to "
                "one type (numbers, text or dates) before fitting"
            )
    return "the pandas frame cannot be converted to a table (its columns convert one by one: check the index)"


@dataclasses.dataclass(frozen=True)
class _FrameType:
    """Which DataFrame library the user fitted with, and (for pandas) the column dtypes to give back."""

    library: str
    pandas_dtypes: dict[str, str] = dataclasses.field(default_factory=dict)
    # pandas Categoricals declared ordered: ordered again when they come back in their declared order
    pandas_ordered: tuple[str, ...] = ()

    @classmethod
    def polars(cls) -> _FrameType:
        return cls("polars")

    @classmethod
    def of(cls, data: Any) -> tuple[_FrameType, pl.DataFrame]:
        if isinstance(data, pl.DataFrame):
            return cls.polars(), data
        if isinstance(data, pl.LazyFrame):
            return cls.polars(), data.collect()
        pandas = sys.modules.get("pandas")  # not imported here: a pandas frame means pandas is loaded
        if pandas is not None and isinstance(data, pandas.DataFrame):
            if not all(isinstance(name, str) for name in data.columns):
                raise TypeError("pandas column names must be strings")
            if not isinstance(data.index, pandas.RangeIndex):  # an index of ids or dates is data polars drops
                warnings.warn(
                    "the pandas index is not learned (only columns are): call reset_index() first to learn it as a "
                    "column",
                    stacklevel=3,
                )
            dtypes = {name: str(dtype) for name, dtype in data.dtypes.items()}
            try:
                df = pl.from_pandas(data)
            except Exception:  # noqa: BLE001 - pyarrow's and polars' messages may quote a cell: said below, by column
                df = None
            if df is None:  # raised outside the handler, so that no exception quoting a cell is chained to it
                raise TypeError(_unconvertible_pandas_column(data))
            # A Categorical of strings is read as an Enum of its categories, so that it comes back with them in
            # their declared order (where the model may keep the list: see the categorical encoder).
            declared = {
                name: list(dtype.categories)
                for name, dtype in data.dtypes.items()
                if isinstance(dtype, pandas.CategoricalDtype) and all(isinstance(c, str) for c in dtype.categories)
            }
            df = df.with_columns(pl.col(name).cast(pl.Enum(categories)) for name, categories in declared.items())
            ordered = tuple(name for name in declared if data.dtypes[name].ordered)
            return cls("pandas", dtypes, ordered), df
        raise TypeError(f"expected a pandas or polars DataFrame, got {type(data).__name__}")

    def convert(self, df: pl.DataFrame) -> Any:
        if self.library == "polars":
            return df
        out = df.to_pandas()
        for name, dtype in self.pandas_dtypes.items():
            if name in out.columns and str(out[name].dtype) != dtype:
                try:  # e.g. nullable Int64 that came back as float64 because of nulls
                    out[name] = out[name].astype(dtype)
                except (TypeError, ValueError):
                    pass  # keep what polars gave; the values are right, only the dtype differs
        for name, dtype in df.schema.items():
            # a Categorical read as an Enum (polars gives it back ordered): ordered as declared; one that came
            # back as text has its own order and is left unordered
            if isinstance(dtype, pl.Enum) and self.pandas_dtypes.get(name) == "category":
                categorical = out[name].cat
                out[name] = categorical.as_ordered() if name in self.pandas_ordered else categorical.as_unordered()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"frame": self.library, "pandas_dtypes": self.pandas_dtypes, "pandas_ordered": list(self.pandas_ordered)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _FrameType:
        if d["frame"] not in ("polars", "pandas"):
            raise ValueError(f"field 'frame' must be 'polars' or 'pandas', got {d['frame']!r}")
        dtypes = d.get("pandas_dtypes", {})
        if not isinstance(dtypes, dict) or not all(isinstance(v, str) for v in dtypes.values()):
            raise ValueError("field 'pandas_dtypes' must map column names to dtype names")
        ordered = d.get("pandas_ordered", [])
        if not isinstance(ordered, list) or not all(isinstance(name, str) for name in ordered):
            raise ValueError("field 'pandas_ordered' must list column names")
        return cls(d["frame"], dict(dtypes), tuple(ordered))
