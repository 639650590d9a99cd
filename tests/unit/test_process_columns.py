"""Process columns: declarations, distributions, fits, draws inside every sample, moments, expectations."""

import json
import math

import numpy as np
import polars as pl
import pytest

from tests.conftest import DEMO_CSV
from twinforge import Synthesizer
from twinforge.config.spec import SpecError, parse_spec
from twinforge.evaluation.expectations import build_expectation_profile, validate_table
from twinforge.evaluation.models import ProcessColumnReport
from twinforge.generators import GaussianCopulaGenerator, load_generator
from twinforge.io.schema import infer_schema
from twinforge.process import FittedProcessColumn, ProcessColumnSpec, ProcessModel, fit_process_model
from twinforge.process.distributions import canonical_params, draw, fit, moments
from twinforge.process.moments import process_moments_report

DECLARED = {  # distribution -> declared parameters, one per way of declaring them
    "exponential": {"rate": 1 / 250},
    "weibull": {"shape": 1.5, "mean": 10_000},
    "poisson": {"mean": 3.5},
    "normal": {"mean": 50.0, "sd": 8.0},
    "lognormal": {"mean": 120.0, "sd": 60.0},
}


def _spec(distribution, **fields):
    return ProcessColumnSpec.model_validate({"distribution": distribution, **fields})


def _model(columns: dict, order: tuple) -> ProcessModel:
    """A ProcessModel from declarations, fitted on a table with just the grouping columns."""
    frame = pl.DataFrame({name: [0.0] * 20 for name in order if name in columns} | {"g": ["a", "b"] * 10})
    return fit_process_model(columns, frame, infer_schema(frame), rare_min_count=5)


# --------------------------------------------------------------------------- parameters and moments


@pytest.mark.parametrize(
    ("distribution", "declared", "mean", "sd"),
    [
        ("exponential", {"rate": 0.004}, 250.0, 250.0),
        ("exponential", {"mean": 250.0}, 250.0, 250.0),
        ("weibull", {"shape": 1.0, "mean": 400.0}, 400.0, 400.0),  # shape 1: the exponential
        ("weibull", {"shape": 2.0, "scale": 1.0}, math.sqrt(math.pi) / 2, math.sqrt(1 - math.pi / 4)),
        ("poisson", {"rate": 4.0}, 4.0, 2.0),
        ("normal", {"mean": -3.0, "sd": 2.0}, -3.0, 2.0),
        ("lognormal", {"mean": 120.0, "sd": 60.0}, 120.0, 60.0),  # of the values
        ("lognormal", {"meanlog": 0.0, "sdlog": 1.0}, math.exp(0.5), math.sqrt((math.e - 1) * math.e)),  # of the log
    ],
)
def test_declared_parameters_give_the_declared_moments(distribution, declared, mean, sd):
    assert moments(distribution, canonical_params(distribution, declared)) == pytest.approx((mean, sd))


@pytest.mark.parametrize("distribution", sorted(DECLARED))
def test_draws_of_100k_rows_have_the_mean_within_2_percent_in_the_report(distribution):
    column = _spec(distribution, by="g", **DECLARED[distribution])
    model = _model({"x": column}, ("g", "x"))
    rows = pl.DataFrame({"g": ["a"] * 50_000 + ["b"] * 50_000})
    drawn = model.draw_into(rows, np.random.default_rng(1))
    report = process_moments_report(drawn, model)["x"]
    expected_mean, expected_sd = moments(distribution, canonical_params(distribution, DECLARED[distribution]))
    assert report["overall"]["expected_mean"] == pytest.approx(expected_mean)
    assert report["overall"]["mean_relative_error"] < 0.02
    assert report["overall"]["synthetic_sd"] == pytest.approx(expected_sd, rel=0.05)
    assert [g["group"] for g in report["groups"]] == ["a", "b"]
    assert all(g["rows"] == 50_000 and g["mean_relative_error"] < 0.02 for g in report["groups"])
    ProcessColumnReport.model_validate(report)  # the quality report's typed section reads it


@pytest.mark.parametrize("distribution", sorted(DECLARED))
def test_the_maximum_likelihood_fit_recovers_the_parameters(distribution):
    truth = canonical_params(distribution, DECLARED[distribution])
    column = _spec(distribution, **DECLARED[distribution])
    values = (
        _model({"x": column}, ("x",)).columns["x"].draw(pl.DataFrame({"x": [0.0] * 20_000}), np.random.default_rng(2))
    )
    fitted = fit(distribution, values.to_numpy())
    assert fitted.keys() == truth.keys()
    for name in truth:
        assert fitted[name] == pytest.approx(truth[name], rel=0.03, abs=0.02), name


# --------------------------------------------------------------------------- groups


def test_a_group_replaces_the_defaults_slot_by_slot():
    spec = _spec("weibull", shape=1.5, mean=10_000, by="engine", groups={"prop": {"mean": 6000}, "shaft": {"shape": 2}})
    assert moments("weibull", spec.declared_params("prop"))[0] == pytest.approx(6000)
    assert spec.declared_params("prop")["shape"] == 1.5  # the shape stays the default's
    assert spec.declared_params("shaft")["shape"] == 2 and moments("weibull", spec.declared_params("shaft"))[0] == (
        pytest.approx(10_000)
    )
    assert spec.declared_params("fan") == spec.declared_params()  # not listed: the defaults


def test_yaml_numbers_as_group_names_match_the_data():
    frame = pl.DataFrame({"line": ["1", "2"] * 30, "n": [1] * 60})
    spec = _spec("poisson", mean=1, by="line", groups={2: {"mean": 9}})
    model = fit_process_model({"n": spec}, frame, infer_schema(frame), rare_min_count=5)
    drawn = model.draw_into(frame, np.random.default_rng(0))
    assert drawn.filter(pl.col("line") == "2")["n"].mean() > 5 > drawn.filter(pl.col("line") == "1")["n"].mean()


def test_fit_per_group_uses_the_pooled_fit_for_rare_and_unseen_groups():
    rng = np.random.default_rng(3)
    frame = pl.DataFrame(
        {
            "shop": ["A"] * 2000 + ["B"] * 2000 + ["rare"] * 4,
            "defects": np.r_[rng.poisson(1.0, 2000), rng.poisson(4.0, 2000), [40, 41, 42, 43]],
        }
    )
    model = fit_process_model(
        {"defects": {"distribution": "poisson", "fit": True, "by": "shop"}},
        frame,
        infer_schema(frame),
        rare_min_count=10,
    )
    column = model.columns["defects"]
    assert set(column.groups) == {"A", "B"}  # no entry for the rare group: its value is not stored
    assert column.groups["A"]["mean"] == pytest.approx(frame.filter(pl.col("shop") == "A")["defects"].mean())
    assert column.default["mean"] == pytest.approx(frame["defects"].mean())  # pooled over every row
    rows = pl.DataFrame({"shop": ["A", "B", "rare", "unseen", None] * 20_000})
    drawn = model.draw_into(rows, np.random.default_rng(4))
    means = dict(drawn.group_by("shop").agg(pl.col("defects").mean()).iter_rows())
    assert means["A"] == pytest.approx(column.groups["A"]["mean"], rel=0.03)
    for other in ("rare", "unseen", None):
        assert means[other] == pytest.approx(column.default["mean"], rel=0.03)
    assert "40" not in json.dumps(model.to_dict()) and "rare" not in json.dumps(model.to_dict())


def _engines(labels, n=3000, seed=2):
    """Engine types from ``labels`` (type 1 or 2); type 2's hours have a mean of 3000, type 1's 10,000."""
    rng = np.random.default_rng(seed)
    kind = rng.choice([1, 2], n)
    return kind, pl.DataFrame({"engine_type": labels(kind), "hours": rng.exponential(np.where(kind == 1, 1e4, 3e3))})


WEIBULL_TYPE_2 = {"distribution": "weibull", "by": "engine_type", "shape": 1.5, "mean": 10_000}


@pytest.mark.parametrize("declared_key", [2, "2", 2.0])
def test_float_codes_from_pandas_are_the_declared_integer_groups(declared_key):
    # pandas reads integer codes with a gap as float64: 1.0/2.0 (and NaN, null in polars)
    kind, frame = _engines(lambda k: np.where(np.arange(k.size) % 100 == 0, np.nan, k.astype(float)))
    frame = pl.from_pandas(frame.to_pandas())
    schema = infer_schema(frame, overrides={"engine_type": "categorical"})
    declared = {"hours": {**WEIBULL_TYPE_2, "groups": {declared_key: {"shape": 1.2, "mean": 3000}}}}
    model = fit_process_model(declared, frame, schema, rare_min_count=10)
    rows = pl.DataFrame({"engine_type": [1.0, 2.0, None] * 20_000})
    drawn = model.draw_into(rows, np.random.default_rng(0))
    means = dict(drawn.group_by("engine_type").agg(pl.col("hours").mean()).iter_rows())
    assert means[2.0] == pytest.approx(3000, rel=0.05)
    assert means[1.0] == pytest.approx(10_000, rel=0.05) and means[None] == pytest.approx(10_000, rel=0.05)
    report = {g["group"]: g for g in process_moments_report(drawn, model)["hours"]["groups"]}
    assert report["2"]["expected_mean"] == pytest.approx(3000) and abs(report["2"]["mean_z"]) < 4
    assert report["1"]["expected_mean"] == pytest.approx(10_000)


def test_a_fitted_group_of_float_codes_is_found_again_in_a_saved_model_of_before():
    # models saved before codes were canonical keyed a float code's group "2.0"
    column = FittedProcessColumn("h", "poisson", "g", True, {"mean": 1.0}, {"2.0": {"mean": 9.0}}, "Float64")
    model = ProcessModel({"h": FittedProcessColumn.from_dict(column.to_dict())}, ("g", "h"))
    drawn = model.draw_into(pl.DataFrame({"g": [2.0] * 5000}), np.random.default_rng(0))
    assert drawn["h"].mean() == pytest.approx(9, rel=0.05)


def test_a_declared_group_the_data_lacks_is_an_error_that_suggests_the_case_variant():
    _, frame = _engines(lambda k: np.where(k == 1, "Turbofan", "Turboprop"))
    declared = {"hours": {**WEIBULL_TYPE_2, "groups": {"turboprop": {"mean": 3000}}}}
    with pytest.raises(ValueError) as error:
        fit_process_model(declared, frame, infer_schema(frame), rare_min_count=10)
    text = str(error.value)
    assert text.startswith("process_columns.hours.groups.turboprop:")
    assert "'engine_type'" in text and "'Turboprop' differs only in case" in text
    assert "'Turbofan'" in text  # the values there are (categories, not cells of a sensitive column)


def test_a_declared_group_error_lists_at_most_a_few_common_values_and_none_of_a_sensitive_column():
    frame = pl.DataFrame({"g": [f"v{i}" for i in range(20) for _ in range(30)] + ["rare"], "n": [1] * 601})
    declared = {"n": {"distribution": "poisson", "mean": 1, "by": "g", "groups": {"x": {"mean": 2}}}}
    with pytest.raises(ValueError, match=r"process_columns.n.groups.x: .*'g'") as error:
        fit_process_model(declared, frame, infer_schema(frame), rare_min_count=10)
    listed = [v for v in frame["g"].unique() if f"'{v}'" in str(error.value)]
    assert 0 < len(listed) <= 5 and "rare" not in listed and "21 values" in str(error.value)
    with pytest.raises(ValueError, match=r"process_columns.n.groups.x: .*'g'") as error:
        fit_process_model(declared, frame, infer_schema(frame), rare_min_count=10, sensitive=["g"])
    assert not [v for v in frame["g"].unique() if f"'{v}'" in str(error.value)]


# --------------------------------------------------------------------------- errors


def _base(**process):
    return {"name": "demo", "source": {"path": str(DEMO_CSV)}, "process_columns": process}


@pytest.mark.parametrize(
    ("declaration", "field", "fragment"),
    [
        ({"distribution": "gamma", "mean": 1}, "process_columns.h.distribution", "'exponential'"),
        ({"distribution": "weibull", "mean": 1}, "process_columns.h", "shape missing; weibull takes shape and one of"),
        ({"distribution": "exponential", "mean": 2, "rate": 0.5}, "process_columns.h", "both mean and rate given"),
        ({"distribution": "exponential", "sd": 2}, "process_columns.h", "sd: not a parameter here"),
        ({"distribution": "poisson", "mean": -2}, "process_columns.h", "mean must be positive"),
        ({"distribution": "lognormal", "meanlog": 1, "sd": 2}, "process_columns.h", "a mix of log and value"),
        (
            {"distribution": "normal", "mean": 1, "sd": 1, "groups": {"a": {}}},
            "process_columns.h",
            "'groups' needs 'by'",
        ),
        ({"distribution": "poisson", "fit": True, "mean": 1}, "process_columns.h", "fit: true fits every parameter"),
        (
            {"distribution": "weibull", "shape": 1, "mean": 9, "by": "g", "groups": {"x": {"rate": 1}}},
            "process_columns.h",
            "groups.x: rate: not a parameter here",
        ),
        ({"distribution": "normal", "mean": 1, "sd": 1, "spread": 2}, "process_columns.h.spread", "Extra inputs"),
    ],
)
def test_declaration_errors_name_the_file_and_field(declaration, field, fragment):
    with pytest.raises(SpecError) as error:
        parse_spec(_base(h=declaration), origin="specs/demo.yaml")
    text = str(error.value)
    assert "specs/demo.yaml" in text and f"field '{field}'" in text and fragment in text


@pytest.mark.parametrize(
    ("declaration", "fragment"),
    [
        ({"distribution": "poisson", "mean": 1e25}, "poisson mean above 1e+15"),
        ({"distribution": "poisson", "rate": 1e16}, "poisson mean above 1e+15"),
        ({"distribution": "exponential", "mean": 1e308}, "draws could overflow"),
        ({"distribution": "exponential", "rate": 1e-305}, "draws could overflow"),
        ({"distribution": "weibull", "shape": 0.01, "scale": 10}, "draws could overflow"),
        ({"distribution": "normal", "mean": 1e300, "sd": 1e300}, "draws could overflow"),
        ({"distribution": "lognormal", "meanlog": 700, "sdlog": 1}, "draws could overflow"),
        ({"distribution": "lognormal", "mean": 1, "sd": 1e300}, "draws could overflow"),
        (
            {"distribution": "exponential", "mean": 5, "by": "g", "groups": {"x": {"mean": 1e307}}},
            "groups.x: ",
        ),
    ],
)
def test_parameters_whose_draws_cannot_be_made_are_refused_when_the_spec_is_read(declaration, fragment):
    with pytest.raises(SpecError) as error:
        parse_spec(_base(h=declaration), origin="specs/demo.yaml")
    text = str(error.value)
    assert "specs/demo.yaml" in text and "field 'process_columns.h'" in text and fragment in text, text


@pytest.mark.parametrize(
    ("distribution", "params"),
    [
        ("poisson", {"mean": 1e15}),
        ("exponential", {"mean": 1e290}),
        ("weibull", {"shape": 0.5, "scale": 1e200}),
        ("normal", {"mean": -1e290, "sd": 1e290}),
        ("lognormal", {"meanlog": 300, "sdlog": 5}),
    ],
)
def test_the_largest_parameters_allowed_draw_finite_values(distribution, params):
    values = draw(distribution, canonical_params(distribution, params), 200_000, np.random.default_rng(0))
    assert np.isfinite(values).all()


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"process_columns": {"h": {"distribution": "poisson", "mean": 1, "by": "h"}}}, "grouped by itself"),
        (
            {
                "process_columns": {
                    "h": {"distribution": "poisson", "mean": 1, "by": "k"},
                    "k": {"distribution": "poisson", "mean": 1},
                }
            },
            "process_columns.h.by: 'k' is a process column too",
        ),
        (
            {"columns": {"h": {"anonymize": "drop"}}, "process_columns": {"h": {"distribution": "poisson", "mean": 1}}},
            "process_columns.h: column 'h' has the policy 'drop'",
        ),
        (
            {"sampling": {"conditions": {"h": 1}}, "process_columns": {"h": {"distribution": "poisson", "mean": 1}}},
            "conditions and rebalancing apply to learned columns",
        ),
    ],
)
def test_spec_level_errors_name_the_field(overrides, fragment):
    data = {"name": "demo", "source": {"path": str(DEMO_CSV)}, **overrides}
    with pytest.raises(SpecError, match="specs/demo.yaml") as error:
        parse_spec(data, origin="specs/demo.yaml")
    assert fragment in str(error.value)


def _table():
    rng = np.random.default_rng(5)
    n = 600
    return pl.DataFrame(
        {
            "kind": rng.choice(["fan", "prop", "shaft"], n),
            "age": rng.uniform(1, 20, n),
            "code": rng.integers(0, 1000, n),
            "hours": rng.weibull(1.5, n) * 1000,
            "label": rng.choice(["x", "y"], n),
        }
    )


@pytest.mark.parametrize(
    ("declaration", "fragment"),
    [
        ({"missing": {"distribution": "poisson", "mean": 1}}, "process_columns.missing: the training table has no"),
        ({"label": {"distribution": "poisson", "mean": 1}}, "process_columns.label: a process column holds numbers"),
        ({"hours": {"distribution": "weibull", "fit": True, "by": "nope"}}, "process_columns.hours.by: the training"),
        ({"hours": {"distribution": "weibull", "fit": True, "by": "code"}}, "set columns.code.kind: categorical"),
        ({"age": {"distribution": "poisson", "fit": True}}, "600 of 600 training values cannot come from a poisson"),
    ],
)
def test_fit_errors_name_the_field_and_count_but_never_quote_a_value(declaration, fragment):
    table = _table()
    with pytest.raises(ValueError) as error:
        fit_process_model(declaration, table, infer_schema(table), rare_min_count=10)
    assert fragment in str(error.value)
    assert f"{table['age'][0]}" not in str(error.value)


def test_a_group_column_the_generator_does_not_learn_is_refused():
    table = _table()
    schema = infer_schema(table, identifiers=["kind"])
    with pytest.raises(ValueError, match="process_columns.hours.by: column 'kind' is identifier"):
        GaussianCopulaGenerator(seed=0).fit(
            table, schema, process_columns={"hours": {"distribution": "weibull", "fit": True, "by": "kind"}}
        )


# --------------------------------------------------------------------------- inside a generator


PROCESS = {
    "hours": {"distribution": "weibull", "shape": 1.5, "mean": 1000, "by": "kind", "groups": {"prop": {"mean": 300}}},
    "code": {"distribution": "poisson", "fit": True},
}


def test_the_generator_learns_the_rest_and_draws_the_process_columns_in_place(tmp_path):
    table = _table()
    generator = GaussianCopulaGenerator(seed=0).fit(table, infer_schema(table), process_columns=PROCESS)
    assert generator.encoder.output_columns == ["kind", "age", "label"]  # not learned
    assert generator.fit_summary["process_columns"] == ["code", "hours"]
    sample = generator.sample(30_000, seed=9)
    assert sample.columns == table.columns and sample.schema["code"] == pl.Int64
    assert sample.null_count().row(0) == (0,) * 5
    prop = sample.filter(pl.col("kind") == "prop")["hours"]
    assert prop.mean() == pytest.approx(300, rel=0.05)
    assert sample.filter(pl.col("kind") != "prop")["hours"].mean() == pytest.approx(1000, rel=0.05)
    assert sample["code"].mean() == pytest.approx(table["code"].mean(), rel=0.02)  # fitted
    assert sample.equals(generator.sample(30_000, seed=9))
    assert not sample.equals(generator.sample(30_000, seed=10))

    generator.save(tmp_path / "model")
    description = json.loads((tmp_path / "model" / "model.json").read_text())
    assert description["process_columns"] == json.loads(json.dumps(generator.process.to_dict()))
    assert load_generator(tmp_path / "model").sample(30_000, seed=9).equals(sample)


def test_conditional_sampling_draws_given_the_fixed_group():
    table = _table()
    generator = GaussianCopulaGenerator(seed=0).fit(table, infer_schema(table), process_columns=PROCESS)
    sample = generator.sample(20_000, seed=1, conditions={"kind": "prop"})
    assert set(sample["kind"]) == {"prop"} and sample["hours"].mean() == pytest.approx(300, rel=0.05)
    rebalanced = generator.sample(20_000, seed=1, rebalance={"kind": {"prop": 0.5}})
    assert rebalanced.filter(pl.col("kind") == "prop").height == 10_000


def test_a_model_without_process_columns_saves_none(tmp_path):
    table = _table()
    GaussianCopulaGenerator(seed=0).fit(table, infer_schema(table)).save(tmp_path)
    assert "process_columns" not in json.loads((tmp_path / "model.json").read_text())
    assert not load_generator(tmp_path).process


def test_the_synthesizer_takes_process_columns_and_answers_in_pandas():
    table = _table().to_pandas()
    twin = Synthesizer(model="copula", seed=0).fit(table, process_columns=PROCESS).sample(500)
    assert list(twin.columns) == list(table.columns) and str(twin["code"].dtype) == str(table["code"].dtype)


# --------------------------------------------------------------------------- expectations and the report


def test_expectations_hold_a_process_column_to_its_support_not_the_samples_range():
    table = _table()
    profile = build_expectation_profile(table, infer_schema(table), process_columns={"hours": "weibull"})
    assert profile["columns"]["hours"]["min"] == 0.0 and profile["columns"]["hours"]["max"] is None
    beyond = table.with_columns(hours=pl.col("hours") * 100)  # far past the training maximum: fine
    assert validate_table(beyond, profile).success
    negative = table.with_columns(hours=-pl.col("hours"))
    assert validate_table(negative, profile).failed_groups == ["ranges"]


def test_training_from_a_spec_names_no_value_of_a_sensitive_group_column(tmp_path):
    from twinforge.generators.training import fitted_process, train_generator

    frame = pl.DataFrame({"diagnosis": [f"code{i}" for i in range(20) for _ in range(30)], "n": [1] * 600})
    spec = parse_spec(
        {
            "name": "visits",
            "source": {"path": str(tmp_path / "unused.parquet")},
            "columns": {"diagnosis": {"role": "sensitive"}},
            "process_columns": {"n": {"distribution": "poisson", "mean": 1, "by": "diagnosis", "groups": {"x": {}}}},
        }
    )
    for fit_from_spec in (
        lambda: train_generator(frame, spec, tmp_path / "model"),
        lambda: fitted_process(spec, frame),
    ):
        with pytest.raises(ValueError, match=r"process_columns.n.groups.x: .*'diagnosis'") as error:
            fit_from_spec()
        assert "code" not in str(error.value) and "not shown" in str(error.value)
