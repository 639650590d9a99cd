"""The spec's rules measured on each ingested batch: a rule the real data breaks is reported as soon as the
batch arrives (WARN, with its rate), a rule that cannot apply to the batch blocks training on it (ERROR)."""

import dagster as dg
import pytest

from checks.real_rules import RULES_CHECK
from pipelines.batches import sync_batch_partitions
from pipelines.factory import build_definitions, ingest_job_name
from tests.rules_tables import orders_table
from twinforge.config.spec import parse_spec
from twinforge.io.state import StateLayout


def _ingest(tmp_path, rules, columns=None):
    table = orders_table(300, seed=3)
    table.write_csv(tmp_path / "orders.csv")
    spec = parse_spec(
        {
            "name": "orders",
            "source": {"path": str(tmp_path / "orders.csv")},
            "columns": {"order_id": {"role": "identifier"}, **(columns or {})},
            "rules": rules,
        }
    )
    home = tmp_path / "state"
    defs = build_definitions([spec], home=str(home))
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = defs.resolve_job_def(ingest_job_name(spec)).execute_in_process(
            instance=instance, partition_key=batch, raise_on_error=False
        )
        [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == RULES_CHECK]
    return table, result, evaluation


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-r-" + "0123456789abcdef" * 2)


def test_a_rule_the_batch_breaks_is_a_warning_with_its_rate(tmp_path):
    table, result, evaluation = _ingest(
        tmp_path, ["checkout >= checkin", {"range": {"column": "age", "min": 30, "max": 90}}]
    )
    assert result.success  # a warning: the batch is ingested and may be trained on
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    rates = evaluation.metadata["violation_rates"].value
    assert rates == {
        "rules[0] checkout >= checkin": 0.0,
        "rules[1] range: 30 <= age <= 90": pytest.approx(float((table["age"] < 30).mean())),
    }
    assert "rules[1] range: 30 <= age <= 90 is broken by" in evaluation.description


def test_rules_the_batch_meets_pass(tmp_path):
    _, result, evaluation = _ingest(tmp_path, ["checkout >= checkin", "total == price * quantity"])
    assert result.success and evaluation.passed
    assert evaluation.metadata["rules_broken"].value == 0


def test_a_rule_on_a_column_the_anonymization_drops_fails_and_names_it(tmp_path):
    _, result, evaluation = _ingest(
        tmp_path, ["checkout >= checkin", "age >= 18"], columns={"age": {"anonymize": "drop"}}
    )
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "age" in evaluation.description
