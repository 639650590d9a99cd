"""End to end: the demo group materialized in-process in a temporary state folder."""

import re
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.generators import GaussianCopulaGenerator, available_generators, register_generator
from twinforge.spec import load_spec
from twinforge.tracking import CHAMPION_ALIAS, get_alias_version, tracking

EXPECTED_CHECKS = {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"}


class OutOfRangeCopula(GaussianCopulaGenerator):
    """A deliberately bad generator: ages far beyond anything in the training data."""

    name = "test_out_of_range_copula"

    def _generate(self, n, seed, chunk_rows):
        for chunk in super()._generate(n, seed, chunk_rows):
            yield chunk.with_columns(age=pl.col("age") + 1000)


if OutOfRangeCopula.name not in available_generators():
    register_generator(OutOfRangeCopula)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, demo_table):
    home = tmp_path_factory.mktemp("state")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-" + "0" * 32)
    spec = load_spec(DEMO_SPEC)
    defs = build_definitions([spec], home=str(home))
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        retrain = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(instance=instance)
        regenerate = defs.resolve_job_def(regenerate_job_name(spec)).execute_in_process(instance=instance)
        bad_spec = spec.model_copy(update={"generator": spec.generator.model_copy(update={"model": OutOfRangeCopula.name})})
        bad_retrain = build_definitions([bad_spec], home=str(home)).resolve_job_def(retrain_job_name(spec))
        bad = bad_retrain.execute_in_process(instance=instance, raise_on_error=False)
        yield {"home": home, "spec": spec, "retrain": retrain, "regenerate": regenerate, "bad_retrain": bad}
    mp.undo()


def _meta(result, key):
    meta = materialization_metadata(result, key)
    assert meta is not None, f"{key} was not materialized"
    return meta


def test_retrain_materializes_every_asset_and_passes_every_check(demo_run):
    result, name = demo_run["retrain"], demo_run["spec"].name
    assert result.success
    for stage in ("raw", "anonymized", "train", "holdout", "generator", "synthetic", "champion", "quality_report", "drift_report"):
        _meta(result, [name, stage])
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == EXPECTED_CHECKS
    failed = {e.check_name: e.metadata for e in evaluations if not e.passed}
    assert not failed
    for e in evaluations:
        assert e.metadata["evaluated_expectations"].value > 0


def test_rows_are_accounted_for(demo_run, demo_table):
    result, name = demo_run["retrain"], demo_run["spec"].name
    assert _meta(result, [name, "raw"])["rows_in"] == demo_table.height
    assert _meta(result, [name, "anonymized"])["rows_out"] == demo_table.height
    train_rows = _meta(result, [name, "train"])["rows"]
    assert train_rows + _meta(result, [name, "holdout"])["rows"] == demo_table.height
    assert _meta(result, [name, "synthetic"])["rows_out"] == train_rows


def test_model_version_registered_with_champion_alias_and_lineage(demo_run):
    result, spec = demo_run["retrain"], demo_run["spec"]
    home = demo_run["home"]
    uri = f"sqlite:///{home / 'mlflow.db'}"
    generator = _meta(result, [spec.name, "generator"])
    assert generator["model_name"] == "twinforge-covid_testing"
    assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) == generator["model_version"] == "1"
    with tracking(uri) as mlflow:
        run = mlflow.MlflowClient().get_run(generator["mlflow_run_id"])
    assert run.data.tags["dagster_run_id"] == result.run_id
    assert run.data.tags["dagster_asset_key"] == "covid_testing/generator"
    assert run.data.tags["training_data_sha256"] == generator["training_data_sha256"]
    assert float(run.data.metrics["fit_seconds"]) > 0
    assert "fidelity_overall" in run.data.metrics
    assert _meta(result, [spec.name, "champion"])["champion_version"] == "1"


def test_champion_samples_through_the_mlflow_pyfunc(demo_run):
    import pandas as pd

    uri = f"sqlite:///{demo_run['home'] / 'mlflow.db'}"
    with tracking(uri) as mlflow:
        model = mlflow.pyfunc.load_model(f"models:/{demo_run['spec'].registered_model_name}@{CHAMPION_ALIAS}")
        sample = model.predict(pd.DataFrame({"rows": [5, 3], "seed": [1, 2]}))
        again = model.predict(pd.DataFrame({"rows": [5], "seed": [1]}))
        positive = model.predict(pd.DataFrame({"rows": [20], "seed": [3], "conditions": ['{"result": "positive"}']}))
        rebalanced = model.predict(pd.DataFrame({"rows": [200], "rebalance": [{"result": {"positive": 0.5}}]}))
    assert len(positive) == 20 and (positive["result"] == "positive").all()
    assert (rebalanced["result"] == "positive").sum() == 100
    assert len(sample) == 8 and {"age", "result", "clinic_name"} <= set(sample.columns)
    assert "fake_last_name" not in sample.columns and "subject_id" not in sample.columns
    pd.testing.assert_frame_equal(sample.head(5), again)


def test_reports_exist_and_are_logged(demo_run):
    result, name = demo_run["retrain"], demo_run["spec"].name
    drift_html = Path(_meta(result, [name, "drift_report"])["html"])
    quality_html = Path(_meta(result, [name, "quality_report"])["html"])
    assert drift_html.is_file() and drift_html.stat().st_size > 100_000  # Evidently embeds plotly
    drift_text = drift_html.read_text(errors="ignore")
    assert "Dataset Drift" in drift_text and "pan_day" in drift_text
    assert quality_html.is_file() and "age" in quality_html.read_text()
    logged = list((demo_run["home"] / "mlartifacts").rglob("reports/*.html"))
    assert {p.name for p in logged} >= {"drift.html", "quality.html"}


def test_regenerate_samples_from_champion(demo_run):
    result, name = demo_run["regenerate"], demo_run["spec"].name
    assert result.success
    meta = _meta(result, [name, "synthetic"])
    assert meta["model_source"] == CHAMPION_ALIAS and meta["model_version"] == "1"
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert materialization_metadata(result, [name, "champion"]) is None


def test_version_failing_a_gate_does_not_take_the_alias(demo_run):
    result, spec = demo_run["bad_retrain"], demo_run["spec"]
    assert not result.success
    assert _meta(result, [spec.name, "generator"])["model_version"] == "2"  # registered, not promoted
    outcomes = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not outcomes["ge_ranges"].passed
    assert outcomes["ge_schema"].passed and outcomes["ge_categories"].passed
    failed = outcomes["ge_ranges"].metadata["failed_expectations"].value
    assert [f["column"] for f in failed] == ["age"]
    assert materialization_metadata(result, [spec.name, "champion"]) is None
    uri = f"sqlite:///{demo_run['home'] / 'mlflow.db'}"
    assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) == "1"


def _written_after_anonymization(home: Path) -> list[Path]:
    raw = home / "data" / "covid_testing" / "raw.parquet"
    return [p for p in home.rglob("*") if p.is_file() and p != raw]


def test_no_name_or_identifier_value_after_anonymization(demo_run, demo_table):
    home = demo_run["home"]
    files = _written_after_anonymization(home)
    assert any(p.suffix == ".db" for p in files)  # MLflow and Dagster stores are scanned too
    names = set(demo_table["fake_first_name"].drop_nulls().to_list()) | set(demo_table["fake_last_name"].to_list())
    raw_ids = set(demo_table["subject_id"].cast(pl.String).to_list())

    for p in (p for p in files if p.suffix == ".parquet"):
        df = pl.read_parquet(p)
        assert not {"fake_first_name", "fake_last_name", "rownames"} & set(df.columns), p
        for col in df.columns:
            if df[col].dtype == pl.String:
                assert not names & set(df[col].drop_nulls().to_list()), (p, col)
        if "subject_id" in df.columns:
            assert not raw_ids & set(df["subject_id"].cast(pl.String).to_list()), p

    # Every other file, text or binary (SQLite stores, HTML, JSON, model files, logs): no name as a
    # whole word. Names shorter than 6 letters turn up by chance in base64 and minified JS, and a
    # few fake names are ordinary words ("daemon", "yellow"): those that occur in what the stack
    # writes with no data at all (an empty Dagster instance, the plotly JS Evidently embeds)
    # cannot tell a leak apart. The other names (over half of them) are checked.
    distinctive = {n for n in names if len(n) >= 6}
    pattern = _whole_word_pattern(distinctive)
    background = _found_in(pattern, _empty_stack_files(home.parent / "empty-stack"))
    assert len(distinctive - background) > 0.5 * len(names)
    control = home.parent / "raw-control.csv"  # the scan must find names where they are
    demo_table.write_csv(control)
    assert len(_found_in(pattern, [control]) - background) > 0.5 * len(names)
    hits = {}
    for p in files:
        if p.suffix == ".parquet":
            continue
        found = _found_in(pattern, [p]) - background
        if found:
            hits[str(p.relative_to(home))] = sorted(found)
    assert not hits


def _whole_word_pattern(words):
    return re.compile(rb"(?<![a-z])(" + b"|".join(re.escape(w.encode()) for w in sorted(words)) + rb")(?![a-z])")


def _found_in(pattern, paths) -> set[str]:
    return {m.group(1).decode() for p in paths for m in pattern.finditer(p.read_bytes().lower())}


def _empty_stack_files(folder: Path) -> list[Path]:
    import plotly

    folder.mkdir(exist_ok=True)
    with dg.instance_for_test(temp_dir=str(folder)):
        pass
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return [p for p in folder.rglob("*") if p.is_file()] + [plotly_js]
