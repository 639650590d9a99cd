"""End to end: the demo group materialized in-process in a temporary state folder."""

import re
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.spec import load_spec
from twinforge.tracking import CHAMPION_ALIAS, get_alias_version, tracking

EXPECTED_CHECKS = {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, demo_table):
    home = tmp_path_factory.mktemp("state")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-" + "0" * 32)
    spec = load_spec(DEMO_SPEC)
    defs = build_definitions([spec], home=str(home))
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        retrain = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(instance=instance)
        regenerate = defs.resolve_job_def(regenerate_job_name(spec)).execute_in_process(instance=instance)
        yield {"home": home, "spec": spec, "retrain": retrain, "regenerate": regenerate, "instance": instance}
    mp.undo()


def _meta(result, key):
    events = result.asset_materializations_for_node("__".join(key))
    assert events, f"{key} was not materialized"
    return {k: getattr(v, "value", v) for k, v in events[-1].metadata.items()}


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


def test_reports_exist_and_are_logged(demo_run):
    result, name = demo_run["retrain"], demo_run["spec"].name
    drift_html = Path(_meta(result, [name, "drift_report"])["html"])
    quality_html = Path(_meta(result, [name, "quality_report"])["html"])
    assert drift_html.is_file() and drift_html.stat().st_size > 100_000  # Evidently embeds plotly
    assert "evidently" in drift_html.read_text(errors="ignore").lower()
    assert quality_html.is_file() and "age" in quality_html.read_text()
    logged = list((demo_run["home"] / "mlartifacts").rglob("reports/*.html"))
    assert {p.name for p in logged} >= {"drift.html", "quality.html"}


def test_regenerate_samples_from_champion(demo_run):
    result, name = demo_run["regenerate"], demo_run["spec"].name
    assert result.success
    meta = _meta(result, [name, "synthetic"])
    assert meta["model_source"] == CHAMPION_ALIAS and meta["model_version"] == "1"
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert not result.asset_materializations_for_node(f"{name}__champion")


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

    # Every other file, text or binary (SQLite stores, HTML, JSON, model files, logs): no name as
    # a whole word. Common English words among the fake names could appear in bundled JS.
    pattern = re.compile(rb"(?<![a-z])(" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")(?![a-z])")
    hits = {}
    for p in files:
        if p.suffix == ".parquet":
            continue
        found = {m.group(1).decode() for m in pattern.finditer(p.read_bytes().lower())}
        if found:
            hits[str(p.relative_to(home))] = sorted(found)
    assert not hits
