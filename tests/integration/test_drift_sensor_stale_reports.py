"""`make run` ingests a new batch (its drift report recommends a retrain) and then trains on it itself. A daemon
started afterwards must not act on that report again: the champion was already trained on the batch.

Reproduced: after `make run`, `make ui`'s daemon launched a `<dataset>_retrain` of partition `initial` tagged
`twinforge/trigger=drift`, `twinforge/champion_before=none`, reasons "no champion yet: first training", while
version 1, trained on that batch, was champion."""

import dagster as dg
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.factory import ingest_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from tests.integration.test_drift_retraining import Production
from twinforge.config.spec import load_spec
from twinforge.io.state import StateLayout
from twinforge.tracking.registry import champion_training_batches


@pytest.fixture
def after_make_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-2-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    # a fast generator: what is judged is the sensor, not the model
    # (the copula misses some of the demo's fidelity gates: those are off here)
    gates = spec.quality.gates.model_copy(
        update={"min_dependence_score": None, "min_utility_lift_retained": None, "max_discriminator_auc": None}
    )
    spec = spec.model_copy(
        update={
            "generator": spec.generator.model_copy(update={"model": "copula", "params": {}}),
            "quality": spec.quality.model_copy(update={"gates": gates}),
        }
    )
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        prod = Production(tmp_path, instance, spec)
        (initial,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path))
        # as `make run` does: the ingest job assesses the new batch first, then the retrain job trains on it
        request = dg.RunRequest(partition_key=initial)
        assert prod.run(ingest_job_name(spec), request).success
        assert prod.run(retrain_job_name(spec), request).success
        yield prod, initial


def test_a_drift_report_the_champion_was_trained_on_since_requests_no_retrain(after_make_run):
    prod, initial = after_make_run
    version, batches = champion_training_batches(prod.uri, prod.spec.registered_model_name)
    assert version == "1" and initial in batches
    assert prod.tick(f"{prod.spec.name}_drift_retrain") == []
