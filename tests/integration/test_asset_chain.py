"""End to end: the demo group materialized in-process in a temporary state folder."""

import datetime
import json
import re
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
import pytest
import torch

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.evaluation.gates import enabled_gates
from twinforge.evaluation.models import QualityReport
from twinforge.generators import GaussianCopulaGenerator, Generator, available_generators, register_generator
from twinforge.tracking.registry import CHAMPION_ALIAS, get_alias_version, tracking

SCHEDULED = datetime.datetime(2026, 11, 21, 6, 0, tzinfo=datetime.UTC)
GE_CHECKS = {"ge_schema", "ge_nulls", "ge_ranges", "ge_categories"}
# the demo spec's gates: every gate that is on by default (the DP budget gate is on only for a private spec)
DEMO_GATES = enabled_gates(load_spec(DEMO_SPEC).quality.gates)
GATE_CHECKS = {g.name for g in DEMO_GATES}
PRIVACY_GATES = {g.name for g in DEMO_GATES if g.section == "privacy"}
EXPECTED_CHECKS = GE_CHECKS | GATE_CHECKS


class OutOfRangeCopula(GaussianCopulaGenerator):
    """A deliberately bad generator: ages far beyond anything in the training data."""

    name = "test_out_of_range_copula"

    def _generate(self, n, seed, chunk_rows):
        for chunk in super()._generate(n, seed, chunk_rows):
            yield chunk.with_columns(age=pl.col("age") + 1000)


class ReplayTrainingRows(Generator):
    """A deliberately leaky generator: it stores its (encoded) training rows and plays them back."""

    name = "test_replay_training_rows"

    def _fit(self, df):
        self.rows = torch.from_numpy(self.encoder.to_uniform(df, np.random.default_rng(self.seed)))
        return {}

    def _generate(self, n, seed, chunk_rows):
        for start in range(0, n, chunk_rows):
            index = torch.arange(start, min(n, start + chunk_rows)) % len(self.rows)
            yield self.encoder.from_uniform(self.rows[index].numpy())

    def state_dict(self):
        return {"rows": self.rows}

    def load_state_dict(self, state):
        self.rows = state["rows"]


for test_generator in (OutOfRangeCopula, ReplayTrainingRows):
    if test_generator.name not in available_generators():
        register_generator(test_generator)


def _retrain_with(spec, model, home, instance, batch):
    # the demo's generator params (the transformer's epochs) mean nothing to these test models
    generator = spec.generator.model_copy(update={"model": model, "params": {}})
    other = spec.model_copy(update={"generator": generator})
    job = build_definitions([other], home=str(home)).resolve_job_def(retrain_job_name(spec))
    return job.execute_in_process(instance=instance, partition_key=batch, raise_on_error=False)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, demo_table):
    home = tmp_path_factory.mktemp("state")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-0-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    defs = build_definitions([spec], home=str(home))
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        from twinforge.io.state import StateLayout

        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        retrain = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(
            instance=instance, partition_key=batch
        )
        schedule = defs.resolve_schedule_def(f"{spec.name}_regenerate_schedule")
        (tick,) = schedule.evaluate_tick(
            dg.build_schedule_context(
                instance=instance, scheduled_execution_time=SCHEDULED, repository_def=defs.get_repository_def()
            )
        ).run_requests
        regenerate = defs.resolve_job_def(regenerate_job_name(spec)).execute_in_process(
            instance=instance, partition_key=tick.partition_key
        )
        bad = _retrain_with(spec, OutOfRangeCopula.name, home, instance, batch)
        leaky = _retrain_with(spec, ReplayTrainingRows.name, home, instance, batch)
        yield {
            "home": home,
            "instance": instance,
            "spec": spec,
            "retrain": retrain,
            "regenerate": regenerate,
            "bad_retrain": bad,
            "leaky_retrain": leaky,
        }
    mp.undo()


def _meta(result, key):
    meta = materialization_metadata(result, key)
    assert meta is not None, f"{key} was not materialized"
    return meta


def test_retrain_materializes_every_asset_and_passes_every_check(demo_run):
    result, name = demo_run["retrain"], demo_run["spec"].name
    assert result.success
    for stage in (
        "raw",
        "quarantine",
        "anonymized",
        "train",
        "holdout",
        "generator",
        "synthetic",
        "champion",
        "quality_report",
        "synthetic_vs_train_drift",
    ):
        _meta(result, [name, stage])
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == EXPECTED_CHECKS
    failed = {e.check_name: e.metadata for e in evaluations if not e.passed}
    assert not failed
    for e in evaluations:
        if e.check_name in GE_CHECKS:
            assert e.metadata["evaluated_expectations"].value > 0
        elif e.check_name == "process_distributions":  # the demo table has no process columns
            assert e.metadata["applicable"].value is False and e.metadata["reason"].value == "no process columns"
        else:  # a gate: its threshold, value and margin, on the good side
            assert e.metadata["applicable"].value is True and e.metadata["margin"].value >= 0


def test_rows_are_accounted_for(demo_run, demo_table):
    result, name = demo_run["retrain"], demo_run["spec"].name
    raw = _meta(result, [name, "raw"])
    assert raw["rows_in"] == demo_table.height == raw["rows_out"] + raw["rows_quarantined"]
    assert raw["batch_id"] == "initial" and len(raw["content_sha256"]) == 64
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
    for metric in (
        "fidelity_overall",
        "pairwise_dependence",
        "discriminator_auc",
        "utility_tstr",
        "dcr_share_closer_to_train",
        "membership_advantage",
        "inference_risk",
        "gates_failed",
    ):
        assert metric in run.data.metrics, metric
    assert run.data.metrics["gates_failed"] == 0 and run.data.tags["quality_gates_passed"] == "true"
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
    drift_html = Path(_meta(result, [name, "synthetic_vs_train_drift"])["html"])
    quality = _meta(result, [name, "quality_report"])
    quality_html, quality_json = Path(quality["html"]), Path(quality["json"])
    assert drift_html.is_file() and drift_html.stat().st_size > 100_000  # Evidently embeds plotly
    drift_text = drift_html.read_text(errors="ignore")
    assert "Dataset Drift" in drift_text and "pan_day" in drift_text
    page = quality_html.read_text()
    assert "PASSED all" in page and all(f'<section id="{s}">' in page for s in ("gates", "utility", "privacy"))
    report = json.loads(quality_json.read_text())
    assert report["passed"] is True and set(report["gates"]) == GATE_CHECKS
    typed = QualityReport.from_json(quality_json)  # the JSON reads back as the typed report
    measured = {name: g for name, g in typed.gates.items() if name != "process_distributions"}  # none in the demo
    assert typed.passed and all(g.applicable and g.value is not None for g in measured.values())
    assert not typed.gates["process_distributions"].applicable
    assert quality["gates_all_passed"] is True and quality["model_version"] == "1"
    assert 0.9 < quality["fidelity_overall"] <= 1 and 0.3 < quality["dcr_share_closer_to_train"] < 0.6
    logged = list((demo_run["home"] / "mlartifacts").rglob("reports/*"))
    assert {p.name for p in logged} >= {"synthetic_vs_train_drift.html", "quality.html", "quality.json"}


def test_scheduled_regeneration_samples_the_day_from_champion(demo_run):
    result, name = demo_run["regenerate"], demo_run["spec"].name
    assert result.success
    day = result.dagster_run.tags["dagster/partition"]
    assert day == "2026-11-21"  # the scheduled tick's day
    meta = _meta(result, [name, "synthetic_daily"])
    assert meta["model_source"] == CHAMPION_ALIAS and meta["model_version"] == "1"
    assert meta["rows_out"] == _meta(demo_run["retrain"], [name, "train"])["rows"]
    folder = demo_run["home"] / "data" / name / "synthetic_daily" / day  # the day's dataset: one part here
    assert sorted(p.name for p in folder.iterdir()) == ["part-00000.parquet"]
    assert pl.scan_parquet(folder).collect().height == meta["rows_out"]
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == GE_CHECKS and all(e.passed for e in evaluations)
    assert materialization_metadata(result, [name, "champion"]) is None
    assert materialization_metadata(result, [name, "synthetic"]) is None


def test_version_failing_quality_gates_is_not_promoted(demo_run):
    result, spec = demo_run["leaky_retrain"], demo_run["spec"]
    assert not result.success
    assert _meta(result, [spec.name, "generator"])["model_version"] == "3"
    outcomes = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert all(outcomes[c].passed for c in GE_CHECKS)  # the copies look like the training data...
    failed = {c for c in GATE_CHECKS if not outcomes[c].passed}
    assert failed == PRIVACY_GATES  # ...but every privacy gate sees them for what they are
    dcr = outcomes["privacy_dcr"]
    assert dcr.metadata["value"].value > 0.9 and dcr.metadata["margin"].value < -0.3  # failed, and by how much
    assert dcr.metadata["threshold"].value == spec.quality.gates.max_dcr_share_closer_to_train
    assert "FAILED by" in dcr.description
    report = _meta(result, [spec.name, "quality_report"])
    assert report["gates_all_passed"] is False and "privacy_exact_matches" in report["gates_failed_names"]
    assert materialization_metadata(result, [spec.name, "champion"]) is None
    uri = f"sqlite:///{demo_run['home'] / 'mlflow.db'}"
    assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) == "1"


def test_version_failing_a_gate_does_not_take_the_alias(demo_run):
    result, spec = demo_run["bad_retrain"], demo_run["spec"]
    assert not result.success
    assert _meta(result, [spec.name, "generator"])["model_version"] == "2"  # registered, not promoted
    outcomes = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not outcomes["ge_ranges"].passed
    assert outcomes["ge_schema"].passed and outcomes["ge_categories"].passed
    failed = outcomes["ge_ranges"].metadata["failed_expectations"].value
    assert [f["column"] for f in failed] == ["age"]
    assert materialization_metadata(result, [spec.name, "quality_report"]) is None  # blocked upstream
    assert materialization_metadata(result, [spec.name, "champion"]) is None
    uri = f"sqlite:///{demo_run['home'] / 'mlflow.db'}"
    assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) == "1"
    with tracking(uri) as mlflow:  # the rejection is visible in MLflow too
        tags = mlflow.MlflowClient().get_model_version(spec.registered_model_name, "2").tags
    assert tags["check.ge_ranges"] == "failed" and tags["check.ge_schema"] == "passed"


def _written_after_anonymization(home: Path) -> list[Path]:
    # raw-grade folders (raw copies and quarantined rows) are the only exceptions; the demo keeps no raw copy
    raw_grade = [home / "data" / "covid_testing" / stage for stage in ("raw", "quarantine")]
    assert not (raw_grade[0]).exists()
    return [p for p in home.rglob("*") if p.is_file() and not any(d in p.parents for d in raw_grade)]


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


def test_the_run_summary_says_where_the_synthetic_table_is(demo_run):
    """Reproduced: ``make run``'s summary gave every report's path and link but not the twin's."""
    from pipelines.demo import summarize
    from twinforge.io.state import StateLayout

    spec, instance, result = demo_run["spec"], demo_run["instance"], demo_run["retrain"]
    layout = StateLayout.at(demo_run["home"])
    lines = summarize(
        instance, instance.get_run_by_id(result.run_id), spec.name, layout.tracking_uri(), spec.registered_model_name
    )
    (table,) = [line for line in lines if line.startswith("  synthetic table: ")]
    assert table == f"  synthetic table: {layout.data_dir / spec.name / 'synthetic'} (Parquet)"
    assert any(line.startswith("  asset checks: ") and " 0 failed" in line for line in lines)
