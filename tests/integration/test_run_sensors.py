"""The drift sensor asks for at most one retrain per evaluation: the newest drift event wins."""

import json

import dagster as dg

from assets.monitoring import RETRAIN_RECOMMENDED
from pipelines.factory import build_definitions
from resources.mlflow import MlflowResource
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec


def _drift_event(instance, spec, batch: str, recommended: bool):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=dg.AssetKey([spec.name, "batch_drift"]),
            partition=batch,
            metadata={RETRAIN_RECOMMENDED: recommended, "champion_version": "1", "reasons": f"- drift in {batch}"},
        )
    )


def test_several_drifted_batches_in_one_evaluation_request_one_retrain(tmp_path):
    spec = load_spec(DEMO_SPEC)
    defs = build_definitions([spec], home=str(tmp_path))
    sensor = defs.resolve_sensor_def(f"{spec.name}_drift_retrain")
    resources = {"settings": TwinforgeSettings(home=str(tmp_path)), "mlflow": MlflowResource(home=str(tmp_path))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(batch_partitions(spec).name, ["b1", "b2", "b3", "b4"])
        for batch, recommended in (("b1", True), ("b2", False), ("b3", True)):
            _drift_event(instance, spec, batch, recommended)
        result = sensor(dg.build_sensor_context(instance=instance, definitions=defs, resources=resources))
        (request,) = result.run_requests
        assert request.partition_key == "b3"
        assert json.loads(request.tags["twinforge/superseded_batches"]) == ["b1"]
        assert request.tags["twinforge/trigger"] == "drift"

        # the cursor moved past all three: the next evaluation sees only what is new
        again = sensor(
            dg.build_sensor_context(instance=instance, definitions=defs, cursor=result.cursor, resources=resources)
        )
        assert isinstance(again, dg.SkipReason)
        _drift_event(instance, spec, "b4", False)
        quiet = sensor(
            dg.build_sensor_context(instance=instance, definitions=defs, cursor=result.cursor, resources=resources)
        )
        assert not quiet.run_requests


def test_retrain_runs_carry_the_tag_the_instance_queues_on():
    import yaml

    from pipelines.factory import RETRAIN_TAG, retrain_job_name
    from tests.conftest import REPO

    spec = load_spec(DEMO_SPEC)
    job = build_definitions([spec]).resolve_job_def(retrain_job_name(spec))
    assert job.tags[RETRAIN_TAG] == spec.name
    settings = yaml.safe_load((REPO / "pipelines" / "dagster.yaml").read_text())
    limits = settings["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": RETRAIN_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
    assert settings["run_monitoring"]["enabled"] is True
