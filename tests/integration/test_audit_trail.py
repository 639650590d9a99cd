"""The audit trail: one retrain started the way `make run` starts it, then every hop followed by link.

The run must be listed on its job's page in the `twinforge` code location, carry links (not ids to
copy) to the MLflow run, the model version and the reports, and the model version must carry the
whole lineage, every verdict and a signature.
"""

import json
import re
import sys

import dagster as dg
import pandas as pd
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.factory import EXECUTOR_ENV, retrain_job_name
from pipelines.launch import execute_in_code_location
from resources.metadata import materialized_in_run
from tests.conftest import DEMO_SPEC
from twinforge.cli import main
from twinforge.config.spec import load_spec
from twinforge.evaluation.gates import enabled_gates
from twinforge.io.state import HOME_ENV, StateLayout
from twinforge.tracking.links import DAGSTER_UI_ENV, MLFLOW_UI_ENV
from twinforge.tracking.registry import get_model_version, tracking

MLFLOW_UI = "http://mlflow.audit.test:5050"
DAGSTER_UI = "http://dagster.audit.test:3030"
# what the Dagster UI's job page filters runs on: the job name and this tag (repository@location)
REPOSITORY_TAG = ".dagster/repository"
TWINFORGE_LOCATION = "__repository__@twinforge"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    home = tmp_path_factory.mktemp("state")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-8-" + "0123456789abcdef" * 2)
    mp.setenv(HOME_ENV, str(home))
    mp.setenv(EXECUTOR_ENV, "in_process")
    mp.setenv(MLFLOW_UI_ENV, MLFLOW_UI)
    mp.setenv(DAGSTER_UI_ENV, DAGSTER_UI)
    mp.delenv("TWINFORGE_SPECS", raising=False)
    sys.modules.pop("pipelines.definitions", None)  # the code location is built from this environment
    spec = load_spec(DEMO_SPEC)
    (home / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        run = execute_in_code_location(instance, retrain_job_name(spec), partition_key=batch)
        yield {"instance": instance, "run": run, "spec": spec, "home": home, "uri": f"sqlite:///{home / 'mlflow.db'}"}
    mp.undo()
    sys.modules.pop("pipelines.definitions", None)


def _metadata(audited, asset: str) -> dict:
    instance, run, spec = audited["instance"], audited["run"], audited["spec"]
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    for record in reversed(records):
        materialization = record.event_log_entry.asset_materialization
        if materialization.asset_key == dg.AssetKey([spec.name, asset]):
            return dict(materialization.metadata)
    raise AssertionError(f"{asset} not materialized in run {run.run_id}")


def test_a_make_run_run_is_listed_on_its_job_page_in_the_code_location(audited):
    run, spec, instance = audited["run"], audited["spec"], audited["instance"]
    assert run.status == dg.DagsterRunStatus.SUCCESS
    listed = instance.get_runs(
        dg.RunsFilter(job_name=retrain_job_name(spec), tags={REPOSITORY_TAG: TWINFORGE_LOCATION})
    )
    assert [r.run_id for r in listed] == [run.run_id]
    assert run.tags["dagster/partition"] == "initial" and run.tags["twinforge/retrain"] == spec.name
    assert run.remote_job_origin.location_name == "twinforge"


def test_generator_metadata_links_to_the_mlflow_run_and_model_version(audited):
    generator = _metadata(audited, "generator")
    experiment, run_id = generator["mlflow_experiment_id"].value, generator["mlflow_run_id"].value
    assert isinstance(generator["mlflow_run"], dg.UrlMetadataValue)
    assert generator["mlflow_run"].value == f"{MLFLOW_UI}/#/experiments/{experiment}/runs/{run_id}"
    assert isinstance(generator["mlflow_model_version"], dg.UrlMetadataValue)
    assert generator["mlflow_model_version"].value == f"{MLFLOW_UI}/#/models/twinforge-covid_testing/versions/1"
    synthetic = _metadata(audited, "synthetic")
    assert synthetic["mlflow_model_version"].value == generator["mlflow_model_version"].value


def test_reports_are_linked_as_files_and_in_the_mlflow_ui(audited):
    quality, drift = _metadata(audited, "quality_report"), _metadata(audited, "synthetic_vs_train_drift")
    experiment, run_id = _metadata(audited, "generator")["mlflow_experiment_id"].value, quality["mlflow_run_id"].value
    for metadata, name in ((quality, "quality.html"), (drift, "synthetic_vs_train_drift.html")):
        assert isinstance(metadata["html"], dg.PathMetadataValue)
        assert isinstance(metadata["html_file"], dg.UrlMetadataValue)
        assert metadata["html_file"].value.startswith("file:///") and metadata["html_file"].value.endswith(name)
        assert metadata["html_in_mlflow"].value == (
            f"{MLFLOW_UI}/#/experiments/{experiment}/runs/{run_id}/artifactPath/reports/{name}"
        )
    assert quality["json_file"].value.endswith("quality.json")
    assert quality["mlflow_run"].value == f"{MLFLOW_UI}/#/experiments/{experiment}/runs/{run_id}"
    champion = _metadata(audited, "champion")
    assert isinstance(champion["quality_report_file"], dg.UrlMetadataValue)
    assert champion["mlflow_model_version"].value.endswith("/#/models/twinforge-covid_testing/versions/1")


def test_the_model_version_carries_the_whole_lineage_and_every_verdict(audited):
    spec, run = audited["spec"], audited["run"]
    version = get_model_version(audited["uri"], spec.registered_model_name, "1")
    tags = version.tags
    generator = materialized_in_run(audited["instance"], run.run_id, dg.AssetKey([spec.name, "generator"]))
    assert tags["dagster_run_id"] == run.run_id
    assert tags["dagster_run_url"] == f"{DAGSTER_UI}/runs/{run.run_id}"
    assert tags["mlflow_run_id"] == version.run_id
    assert json.loads(tags["training_batches"]) == ["initial"]
    assert tags["training_data_sha256"] == generator["training_data_sha256"]
    assert tags["twinforge.training_fingerprint"] == generator["training_fingerprint"]
    assert tags["code_version"] == generator["code_version"]
    assert tags["dataset"] == spec.name and tags["dagster_asset_key"] == f"{spec.name}/generator"
    for check in ("ge_schema", "ge_nulls", "ge_ranges", "ge_categories"):
        assert tags[f"check.{check}"] == "passed"
    gates = {g.name for g in enabled_gates(spec.quality.gates, has_target=True)}
    assert {k.removeprefix("gate.") for k in tags if k.startswith("gate.")} == gates
    # the demo table has no process columns: that gate does not apply
    assert all(tags[f"gate.{g}"] == "passed" for g in gates - {"process_distributions"})
    assert tags["gate.process_distributions"] in ("not applicable", "passed")
    assert tags["quality_gates_passed"] == "true" and tags["quality_report.dagster_run_id"] == run.run_id
    assert tags["promotion"] == "champion" and tags["promotion.dagster_run_id"] == run.run_id


def test_the_pyfunc_has_a_signature_without_values_and_no_input_example(audited, demo_table):
    spec = audited["spec"]
    with tracking(audited["uri"]) as mlflow:
        info = mlflow.models.get_model_info(f"models:/{spec.registered_model_name}/1")
        model = mlflow.pyfunc.load_model(f"models:/{spec.registered_model_name}/1")
        sample = model.predict(pd.DataFrame({"rows": [4]}))  # only `rows` is required
        rebalanced = model.predict(pd.DataFrame({"rows": [10], "rebalance": [{"result": {"positive": 0.5}}]}))
    assert info.saved_input_example_info is None
    signature = info.signature
    assert [c.name for c in signature.inputs.inputs] == ["rows", "seed", "conditions", "rebalance"]
    assert [c.required for c in signature.inputs.inputs] == [True, False, False, False]
    assert signature.outputs.input_names() == list(sample.columns)
    assert len(sample) == 4 and (rebalanced["result"] == "positive").sum() == 5
    text = json.dumps(signature.to_dict())
    values = {str(v) for c in ("clinic_name", "result", "demo_group") for v in demo_table[c].unique().to_list()}
    assert not [v for v in values if f'"{v}"' in text]  # names and types only


def test_status_shows_batches_versions_verdicts_and_champion(audited, capsys):
    home, spec = audited["home"], audited["spec"]
    assert main(["status", spec.name, "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert f"state folder: {home}" in out
    batch_line = next(line for line in out.splitlines() if line.strip().startswith("initial"))
    assert batch_line.split()[1:5] == ["active", "yes", "15,524", "0"]
    assert "1 active; 1 ingested; 0 rows quarantined" in out
    version_line = next(line for line in out.splitlines() if re.match(r"\s+1\s+\d{4}-\d\d-\d\d ", line))
    gates = len(enabled_gates(spec.quality.gates, has_target=True))
    assert "champion" in version_line and "checks 4/4 passed" in version_line
    assert f"gates {gates}/{gates} passed" in version_line
    assert "model versions (1); champion: version 1" in out
    assert "drift: no batch drift report yet" in out
