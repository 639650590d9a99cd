"""Every column-kind module has the one interface of twinforge.encoders.kinds, and it round-trips a column."""

import inspect
import json
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from twinforge.encoders import ENCODERS, boolean, categorical, kinds, numeric
from twinforge.encoders import datetime as datetime_encoder
from twinforge.encoders.columns import choose_encoder
from twinforge.encoders.kinds import AnalyzeOptions, KindEncoder, NotApplicable
from twinforge.io.schema import ColumnKind, ColumnSchema

KIND_MODULES = [numeric, datetime_encoder, categorical, boolean]


def _protocol_functions() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(KindEncoder).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def _without_self(signature: inspect.Signature) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in list(signature.parameters.values())[1:]]


def test_the_registry_holds_every_kind_module_under_its_name():
    assert list(ENCODERS.values()) == [numeric, categorical, boolean, datetime_encoder]
    assert all(name == module.NAME for name, module in ENCODERS.items())
    kinds_covered = [kind for module in KIND_MODULES for kind in module.COLUMN_KINDS]
    assert sorted(kinds_covered, key=str) == sorted(set(ColumnKind) - {ColumnKind.IDENTIFIER, ColumnKind.TEXT}, key=str)


def test_the_protocol_lists_the_documented_functions():
    assert set(_protocol_functions()) == {
        *kinds.COMMON_FUNCTIONS,
        *kinds.CONTINUOUS_FUNCTIONS,
        *kinds.DISCRETE_FUNCTIONS,
    }


@pytest.mark.parametrize("module", KIND_MODULES, ids=lambda m: m.NAME)
def test_every_kind_module_exposes_the_same_functions_with_the_same_parameters(module):
    for attribute in kinds.ATTRIBUTES:
        assert hasattr(module, attribute), attribute
    assert isinstance(module.IS_CONTINUOUS, bool) and isinstance(module.NAME, str)
    for name, signature in _protocol_functions().items():
        function = getattr(module, name, None)
        assert callable(function), f"{module.NAME} lacks {name}"
        assert [(p.name, p.kind) for p in inspect.signature(function).parameters.values()] == _without_self(
            signature
        ), f"{module.NAME}.{name}"
    # the interface functions are defined in the module itself, not borrowed from another one
    public = {n for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__}
    shared = set(_protocol_functions())
    assert shared <= public


@pytest.mark.parametrize("module", KIND_MODULES, ids=lambda m: m.NAME)
def test_functions_of_the_other_group_say_they_do_not_apply(module):
    other = kinds.DISCRETE_FUNCTIONS if module.IS_CONTINUOUS else kinds.CONTINUOUS_FUNCTIONS
    for name in other:
        parameters = inspect.signature(getattr(module, name)).parameters
        with pytest.raises(NotApplicable, match=f"{module.NAME}.{name} does not apply"):
            getattr(module, name)(*[None] * len(parameters))
    assert issubclass(NotApplicable, TypeError)


# one column per kind module, with nulls
COLUMNS = {
    "numeric": (pl.Series("amount", [1.5, None, 3.25, 3.25, 10.0, None, 7.75] * 30), ColumnKind.FLOAT),
    "datetime": (
        pl.Series(
            "seen",
            [datetime(2024, 1, d, 10, tzinfo=UTC) for d in range(1, 8)] * 30,
            dtype=pl.Datetime("ms", "UTC"),
        ).scatter([3, 11], None),
        ColumnKind.DATETIME,
    ),
    "categorical": (pl.Series("ward", ["a", "b", None, "a", "c", "b", "a"] * 30), ColumnKind.CATEGORICAL),
    "boolean": (pl.Series("flag", [True, False, None, True, True, False, True] * 30), ColumnKind.BOOLEAN),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_every_kind_round_trips_a_column_through_the_one_interface(name):
    series, kind = COLUMNS[name]
    column = ColumnSchema(name=series.name, kind=kind, dtype=str(series.dtype), nullable=True)
    chosen, _ = choose_encoder(column, series)
    module = ENCODERS[chosen]
    assert module.NAME == name
    stats = module.analyze(series, column, AnalyzeOptions(rare_min_count=1))
    json.dumps(stats)
    assert stats["null_share"] == pytest.approx(series.null_count() / series.len())

    u = module.to_uniform(series, stats, np.random.default_rng(0))
    assert np.array_equal(np.isnan(u), series.is_null().to_numpy())
    assert module.from_uniform(u, stats, column).equals(series)

    if module.IS_CONTINUOUS:
        values = module.values_of(series)
        assert module.from_values(values, stats, column).equals(series)
        first = series.drop_nulls()[0]
        assert module.number_of(first, stats, column) == values[~np.isnan(values)][0]
        canonical = module.number_of(first, stats, column)
    else:
        indices = module.to_indices(series, stats)
        assert indices.min() == -1 and indices.max() < module.n_levels(stats)
        assert module.from_indices(indices, stats, column, np.random.default_rng(0)).equals(series)
        assert module.level_shares(stats).sum() == pytest.approx(1.0)
        first = series.drop_nulls()[0]
        index = module.index_of(first, stats)
        canonical = module.levels(stats)[index]
        assert module.index_of(canonical, stats) == index
    # the condition key of the decoded column compares equal to the canonical value where the value is
    matches = pl.DataFrame([series]).select(module.condition_key(pl.col(series.name)) == canonical).to_series()
    assert matches.fill_null(False).to_list() == (series == first).fill_null(False).to_list()


def test_text_is_categorical_and_only_long_free_text_is_skipped():
    few = pl.Series("note", ["ok", "call back", "vip"] * 50)
    column = ColumnSchema(name="note", kind=ColumnKind.TEXT, dtype="String", nullable=False)
    assert choose_encoder(column, few) == ("categorical", "")
    many = pl.Series("note", [f"text {i}" for i in range(5000)])  # high cardinality, short: generated
    assert choose_encoder(column, many) == ("categorical", "")
    notes = pl.Series("note", [f"note {i} says the customer called twice about the late delivery" for i in range(5000)])
    encoder, reason = choose_encoder(column, notes)
    assert encoder is None and "long free text" in reason
    assert choose_encoder(column, notes, AnalyzeOptions(long_text=True)) == ("categorical", "")
