"""Differentially private training: budgets kept, accounting as Opacus computes it, no raw extremes stored."""

import json
import math
import re

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import parse_spec
from twinforge.evaluation.gates import GATES
from twinforge.generators import create_generator, load_generator
from twinforge.generators.training import generator_params
from twinforge.io.schema import infer_schema
from twinforge.privacy.dp import DPSettings, dp_statistics_table
from twinforge.rules import parse_rules

ROWS = 240
PLANTED = 9.9e9
# tiny fits: plumbing and guarantees, not quality
TINY = {"epochs": 2, "batch_size": 60}
MODEL_TINY = {"gan": {}, "vae": {"latent_dim": 16, "hidden": [32]}, "transformer": {"d_model": 16, "heads": 2}}


def small_table(rows: int = ROWS, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, rows),
            "income": np.round(rng.lognormal(10.5, 0.4, rows), 2),
            "segment": rng.choice(["retail", "corporate", "public"], rows, p=[0.6, 0.3, 0.1]),
            "fraud": (rng.random(rows) < 0.2).astype(np.int64),
        }
    )


def planted_table(rows: int = ROWS) -> pl.DataFrame:
    table = small_table(rows)
    return table.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(PLANTED).otherwise("income").alias("income"))


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return small_table()


@pytest.fixture(scope="module")
def private_fits(table) -> dict:
    dp = {"epsilon": 1.0, "bounds": {"age": [0, 120]}, "categories": {"segment": ["retail", "corporate", "public"]}}
    return {
        model: create_generator(model, seed=1, **TINY, **MODEL_TINY[model], dp=dp).fit(table, infer_schema(table))
        for model in ("gan", "vae", "transformer")
    }


@pytest.mark.parametrize("model", ["gan", "vae", "transformer"])
def test_private_fit_spends_at_most_its_budget_and_says_how(model, private_fits, tmp_path):
    generator = private_fits[model]
    spent = generator.fit_summary["dp"]
    assert 0 < spent["epsilon"] <= 1.0
    assert spent["epsilon"] == pytest.approx(spent["statistics_epsilon"] + spent["training_epsilon"])
    assert spent["statistics_epsilon"] == pytest.approx(0.1)
    assert spent["delta_spent"] <= 1 / ROWS**2 * (1 + 1e-9)  # delta auto = 1/n²
    assert spent["accountant"] == "rdp" and spent["noise_multiplier"] > 0 and spent["steps"] > 0
    assert spent["sample_rate"] == pytest.approx(60 / ROWS)
    assert spent["declared_columns"] == ["age", "segment"]
    # saved with its accounting; loads and samples within the declared public levels
    loaded = load_generator(generator.save(tmp_path / model))
    assert loaded.fit_summary["dp"] == spent and loaded.params["dp"]["epsilon"] == 1.0
    sample = loaded.sample(200, seed=2)
    assert set(sample["segment"].drop_nulls()) <= {"retail", "corporate", "public"}
    assert sample["age"].drop_nulls().is_between(0, 120).all()


def test_private_transformer_draws_no_last_column_from_trees(table):
    generator = create_generator(
        "transformer", seed=0, **TINY, **MODEL_TINY["transformer"], last_columns=["fraud"], dp={"epsilon": 2.0}
    )
    generator.fit(table, infer_schema(table))
    assert generator.last_column_boosters is None and "last_column_boosters" not in generator.fit_summary
    assert generator.text_state() == {}


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_training_epsilon_is_what_opacus_computes_for_the_same_mechanism(table, accountant):
    from opacus.accountants import create_accountant

    generator = create_generator(
        "vae", seed=0, **TINY, **MODEL_TINY["vae"], dp={"epsilon": 3.0, "accountant": accountant}
    )
    spent = generator.fit(table, infer_schema(table)).fit_summary["dp"]
    reference = create_accountant(accountant)
    reference.history = [(spent["noise_multiplier"], spent["sample_rate"], spent["steps"])]
    assert spent["training_epsilon"] == pytest.approx(reference.get_epsilon(delta=spent["training_delta"]), rel=1e-9)
    assert spent["training_epsilon"] <= 3.0 * 0.9 + 1e-6
    # the steps are the planned epochs of Poisson batches: about rows / batch_size each
    assert spent["steps"] == 2 * round(1 / spent["sample_rate"])


def _numbers(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from _numbers(v)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield float(node)


# the planted value as a number token in any spelling (not a digit run inside another number)
PLANTED_TEXT = re.compile(rb"(?<![0-9.])(9900000000(\.0*)?|9\.9[eE]\+?0?9)(?![0-9])")


def _planted_traces(directory) -> list[str]:
    """Files under ``directory`` that hold the planted value: as text in any spelling, or as a number >= 1e9
    in JSON."""
    traces = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if PLANTED_TEXT.search(data):
            traces.append(f"{path.name}: text")
        if path.suffix == ".json" and any(abs(v) >= 1e9 for v in _numbers(json.loads(data))):
            traces.append(f"{path.name}: number")
    return traces


@pytest.mark.parametrize("model", ["vae", "transformer", "gan"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared_bounds", "dp_grid"])
def test_a_planted_extreme_value_reaches_neither_the_model_files_nor_the_samples(model, declared, tmp_path):
    """With income's bounds declared, or found on the public log grid (whose bins need more rows than the
    planted one to survive the noise); the other columns' public facts are declared in both cases."""
    table = planted_table(rows=2000)
    public = {"bounds": {"age": [0, 120]}, "categories": {"segment": ["retail", "corporate", "public"]}}
    if declared:
        public["bounds"]["income"] = [0, 200_000]
    dp = {"epsilon": 4.0, **public}
    quick = {**TINY, "batch_size": 500}
    generator = create_generator(model, seed=0, **quick, **MODEL_TINY[model], dp=dp).fit(table, infer_schema(table))
    directory = generator.save(tmp_path / "model")
    assert _planted_traces(directory) == []
    assert generator.sample(2000, seed=1)["income"].drop_nulls().max() < 1e9


def test_without_dp_the_planted_value_is_in_the_model_file(tmp_path):
    """The control: the scan finds the value where the encoder reads raw minima and maxima."""
    table = planted_table()
    generator = create_generator("vae", seed=0, **TINY, **MODEL_TINY["vae"]).fit(table, infer_schema(table))
    assert _planted_traces(generator.save(tmp_path / "model"))


def test_dp_statistics_keep_declared_levels_and_drop_rare_undeclared_ones():
    rng = np.random.default_rng(0)
    rows = 5000
    levels = rng.choice(["a", "b"], rows)
    levels[0] = "only-once"
    table = pl.DataFrame({"level": levels, "amount": rng.normal(100, 10, rows)})
    schema = infer_schema(table)
    undeclared = dp_statistics_table(table, schema, DPSettings(epsilon=2.0), delta=1e-6, seed=0)
    assert set(undeclared.proxy["level"].drop_nulls()) == {"a", "b"}  # the single row's level never shows
    assert undeclared.delta == 1e-6 and undeclared.epsilon == pytest.approx(0.2)
    assert undeclared.proxy.height == rows and undeclared.proxy.schema == table.schema
    declared = dp_statistics_table(
        table, schema, DPSettings(epsilon=2.0, categories={"level": ["a", "b", "c"]}), delta=1e-6, seed=0
    )
    assert set(declared.proxy["level"].drop_nulls()) <= {"a", "b", "c"} and declared.delta == 0.0
    # the proxy's values come from the public grid's surviving bins, never from a row
    assert not set(undeclared.proxy["amount"].to_list()) & set(table["amount"].to_list())
    with pytest.raises(ValueError, match="bounds on a discrete column"):
        dp_statistics_table(table, schema, DPSettings(epsilon=1.0, bounds={"level": (0, 1)}), delta=1e-6, seed=0)
    with pytest.raises(ValueError, match="not modelled"):
        dp_statistics_table(table, schema, DPSettings(epsilon=1.0, bounds={"nope": (0, 1)}), delta=1e-6, seed=0)


def test_dp_statistics_of_dates_keep_their_dtype_and_stay_within_the_years_seen():
    import datetime as dt

    rng = np.random.default_rng(0)
    rows = 3000
    table = pl.DataFrame(
        {
            "born": [dt.date(1950, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 20_000, rows)],
            "seen_at": [dt.datetime(2020, 1, 1) + dt.timedelta(hours=int(h)) for h in rng.integers(0, 8000, rows)],
        }
    ).with_columns(pl.col("seen_at").dt.replace_time_zone("UTC"))
    proxy = dp_statistics_table(table, infer_schema(table), DPSettings(epsilon=10.0), delta=1e-6, seed=0).proxy
    assert proxy.schema == table.schema and proxy.null_count().sum_horizontal().item() == 0
    assert 1950 <= proxy["born"].min().year and proxy["born"].max().year <= 2004  # year-wide public bins
    utc = proxy["seen_at"].dt.convert_time_zone("UTC")
    assert utc.min() >= dt.datetime(2019, 12, 31, tzinfo=dt.UTC) and utc.max() <= dt.datetime(2021, 1, 2, tzinfo=dt.UTC)


def test_dp_settings_validate_and_resolve_delta():
    settings = DPSettings.from_params({"epsilon": 1.0})
    assert settings.resolved_delta(1000) == pytest.approx(1e-6)
    assert settings.training_epsilon == pytest.approx(0.9)
    assert DPSettings.from_params(settings.to_params()) == settings
    for bad, message in (
        ({"epsilon": 0}, "positive"),
        ({"epsilon": 1, "delta": 2}, "delta"),
        ({"delta": 1e-5}, "epsilon"),
        ({"epsilon": 1, "sigma": 3}, "unknown keys"),
        ({"epsilon": 1, "accountant": "gdp2"}, "accountant"),
    ):
        with pytest.raises(ValueError, match=message):
            DPSettings.from_params(bad)


def _spec(**generator_params) -> dict:
    return {
        "name": "loans",
        "source": {"path": "loans.csv"},
        "columns": {
            "age": {"bounds": [0, 120]},
            "segment": {"categories": ["retail", "corporate", "public"]},
            "fraud": {"role": "target"},
        },
        "generator": {"model": "vae", "params": generator_params},
    }


def test_spec_bounds_and_categories_reach_the_dp_params_and_the_budget_becomes_a_gate(table):
    spec = parse_spec(_spec(dp={"epsilon": 2.0}))
    assert spec.dp_epsilon == 2.0 and spec.quality.gates.max_dp_epsilon == 2.0
    params = generator_params(spec, spec.schema_for(table))
    assert params["dp"]["bounds"] == {"age": [0, 120]}
    assert params["dp"]["categories"] == {"segment": ["retail", "corporate", "public"]}
    plain = parse_spec(_spec())
    assert plain.dp_epsilon is None and plain.quality.gates.max_dp_epsilon is None
    assert "dp" not in generator_params(plain, plain.schema_for(table))
    with pytest.raises(ValueError, match="max_dp_epsilon"):
        parse_spec({**_spec(dp={"epsilon": 1.0}), "quality": {"gates": {"max_dp_epsilon": 3.0}}})
    with pytest.raises(ValueError, match="min < max"):
        parse_spec({**_spec(), "columns": {"age": {"bounds": [5, 1]}}})


def report_with(differential_privacy):
    """A measured report (gates not judged) with this DP accounting, or none."""
    from tests.unit.report_skeleton import skeleton
    from twinforge.evaluation.models import QualityReport

    report = skeleton()
    if differential_privacy is not None:
        report["privacy"]["differential_privacy"] = differential_privacy
    return QualityReport.model_validate(report)


def test_dp_gate_fails_closed_and_above_the_budget():
    gate = next(g for g in GATES if g.name == "privacy_dp_epsilon")
    accounting = {
        "epsilon": 1.2,
        "delta_spent": 1e-6,
        "epsilon_budget": 1.0,
        "delta": 1e-6,
        "statistics_epsilon": 0.1,
        "statistics_delta": 0.0,
        "training_epsilon": 1.1,
        "training_delta": 1e-6,
        "accountant": "rdp",
        "noise_multiplier": 1.0,
        "sample_rate": 0.1,
        "steps": 10,
        "max_grad_norm": 1.0,
    }
    missing = gate.judge(report_with(differential_privacy=None), 1.0)
    assert not missing.passed and "no differential-privacy accounting" in missing.reason
    above = gate.judge(report_with(differential_privacy=accounting), 1.0)
    assert not above.passed and above.margin == pytest.approx(-0.2)
    within = gate.judge(report_with(differential_privacy={**accounting, "epsilon": 0.9}), 1.0)
    assert within.passed and math.isclose(within.value, 0.9)


def test_cli_dp_epsilon_sets_the_dp_parameter():
    from twinforge.cli import build_parser

    args = build_parser().parse_args(
        ["synth", "t.csv", "--model", "vae", "--rows", "5", "--out", "o.csv", "--dp-epsilon", "0.5"]
    )
    from twinforge.cli import _model_params
    from twinforge.generators import generator_class

    assert _model_params(args, generator_class("vae"))["dp"] == {"epsilon": 0.5}
    with pytest.raises(ValueError, match="differentially private"):
        _model_params(args, generator_class("copula"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["synth", "t.csv", "--rows", "5", "--out", "o.csv", "--dp-epsilon", "-1"])


def dp_accounting(**changed) -> dict:
    """A DP fit's accounting as the report shows it (``differential_privacy``), with ``changed`` fields."""
    return {
        "epsilon": 0.97,
        "delta_spent": 1e-6,
        "epsilon_budget": 1.0,
        "delta": 1e-6,
        "statistics_epsilon": 0.1,
        "statistics_delta": 0.0,
        "training_epsilon": 0.87,
        "training_delta": 1e-6,
        "accountant": "rdp",
        "noise_multiplier": 1.7,
        "sample_rate": 0.1,
        "steps": 40,
        "max_grad_norm": 1.0,
        "declared_columns": ["age"],
        **changed,
    }


def test_the_report_page_shows_the_accounting(tmp_path):
    from twinforge.evaluation import write_report_html

    accounting = dp_accounting()
    page = write_report_html(report_with(differential_privacy=accounting), tmp_path / "q.html", title="t").read_text()
    assert "Differential privacy" in page and "0.97" in page and "RDP accountant" in page
    assert re.search(r"noise multiplier\s+1\.7", page)


def test_a_private_fit_refuses_what_would_read_real_rows_outside_its_budget():
    # reproduced: a process column with `fit: true` stored the exact per-group means of the raw rows (one pulled
    # up by a planted outlier) in model.json while the fit reported epsilon within budget; an integer `unique`
    # key continued from the real maximum and `fixed_combinations` kept the real frequent combinations
    rng = np.random.default_rng(5)
    table = pl.DataFrame({"shop": rng.choice(["north", "south"], 400), "line": rng.choice(["a", "b"], 400),
                          "hours": rng.exponential(100, 400), "order_id": np.arange(400)})  # fmt: skip
    schema = infer_schema(table)
    fitted = {"hours": {"distribution": "exponential", "fit": True, "by": "shop"}}
    private = {"epochs": 1, "dp": {"epsilon": 1.0}}
    with pytest.raises(ValueError, match=r"process_columns\.hours: fit: true .* differential privacy"):
        create_generator("vae", **private).fit(table, schema, process_columns=fitted)
    for rule, name in (
        ({"unique": ["order_id"]}, "unique"),
        ({"fixed_combinations": ["shop", "line"]}, "fixed_combinations"),
    ):
        with pytest.raises(ValueError, match=f"{name}.* differential privacy"):
            create_generator("vae", **private).fit(table, schema, rules=[rule])
    # declared parameters read no row: allowed
    declared = {"hours": {"distribution": "exponential", "mean": 100.0}}
    create_generator("vae", **private).fit(table, schema, process_columns=declared)
    # a text key is checked (and made unique), not continued from a real value: allowed, as a spec's parsed rules are
    tickets = table.with_columns(ticket=pl.format("T-{}", pl.col("order_id") * 7 + 1000))
    generator = create_generator("vae", **private)
    generator.fit(tickets, infer_schema(tickets), rules=parse_rules([{"unique": ["ticket"]}]))
    assert generator.sample(200, seed=1)["ticket"].drop_nulls().is_unique().all()
