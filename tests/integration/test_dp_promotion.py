"""A private generator's accounting travels to MLflow and the quality report; above its ε budget it is not promoted."""

import json

import dagster as dg
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.factory import build_definitions, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import (
    CHAMPION_ALIAS,
    get_alias_version,
    get_model_version,
    get_run_params,
    tracking,
)


def test_a_private_version_that_spent_more_than_the_promotion_budget_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-4-" + "0123456789abcdef" * 2)
    demo = load_spec(DEMO_SPEC)
    data = demo.model_dump(mode="json", exclude_none=True)
    data["source"]["path"] = str(demo.source.path)
    data["columns"]["age"]["bounds"] = [0, 120]
    data["generator"] = {
        "model": "vae",
        "seed": 1,
        "params": {"epochs": 1, "batch_size": 1000, "latent_dim": 16, "hidden": [32], "dp": {"epsilon": 2.0}},
    }
    # every other gate off: the ε gate alone decides; it allows less than the fit spends
    data["quality"] = {
        "gates": {field: None for field in data["quality"]["gates"]} | {"max_dp_epsilon": 0.5},
        "attacks": 10,
        "privacy_rows": 200,
        "privacy_queries": 100,
        "discriminator_rows": 200,
        "utility_rows": 200,
    }
    from twinforge.config.spec import parse_spec

    spec = parse_spec(data)
    assert spec.quality.gates.max_dp_epsilon == 0.5
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path))
        defs = build_definitions([spec], home=str(tmp_path))
        retrain = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(
            instance=instance, partition_key=batch, raise_on_error=False
        )
        assert not retrain.success
        gate = [e for e in retrain.get_asset_check_evaluations() if e.check_name == "privacy_dp_epsilon"]
        assert gate and not gate[0].passed
        assert get_alias_version(uri, spec.registered_model_name, CHAMPION_ALIAS) is None

    version = get_model_version(uri, spec.registered_model_name, "1")
    accounting = json.loads(version.tags["dp_accounting"])
    assert 0.5 < accounting["epsilon"] <= 2.0
    assert float(version.tags["dp_epsilon"]) == pytest.approx(accounting["epsilon"], rel=1e-5)
    assert version.tags["dp_accountant"] == "rdp"
    assert json.loads(version.tags["dp_epsilon_split"])["statistics"] == pytest.approx(0.2)
    run_id = version.tags["mlflow_run_id"]
    params = get_run_params(uri, run_id)
    assert float(params["dp_noise_multiplier"]) == pytest.approx(accounting["noise_multiplier"], rel=1e-5)
    assert params["dp_accountant"] == "rdp"
    with tracking(uri) as mlflow:
        metrics = mlflow.MlflowClient().get_run(run_id).data.metrics
    assert metrics["dp_epsilon"] == pytest.approx(accounting["epsilon"])
    assert metrics["dp_training_epsilon"] == pytest.approx(accounting["training_epsilon"])
