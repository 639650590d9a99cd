"""The daily twin is published only after its blocking checks pass; a failed day keeps the last one."""

import dagster as dg
import polars as pl
import pytest

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.publish import (
    LATEST,
    MANIFEST,
    Unpublished,
    WithdrawnSourceError,
    publish_table,
    unpublish_withdrawn,
)
from twinforge.io.state import StateLayout


def publish(table, folder, day, version="1", batches=("initial",), withdrawn=()):
    return publish_table(
        table, folder, day, model_version=version, training_batches=list(batches),
        withdrawn_among=lambda ids: [b for b in ids if b in withdrawn],
    )  # fmt: skip


def test_publishing_replaces_whole_files(tmp_path):
    first, second = pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3]})
    publish(first, tmp_path, "2026-01-01")
    publish(second, tmp_path, "2026-01-02")
    assert pl.read_parquet(tmp_path / LATEST).equals(second)
    assert pl.read_parquet(tmp_path / "2026-01-01.parquet").equals(first)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["2026-01-01.parquet", "2026-01-02.parquet", LATEST]
    assert (tmp_path / LATEST).stat().st_mode & 0o077 == 0
    # a backfill of an earlier day is published under its name; latest stays the newest day's
    publish(pl.DataFrame({"a": [9, 9, 9]}), tmp_path, "2025-12-31")
    assert pl.read_parquet(tmp_path / LATEST).equals(second)
    assert pl.read_parquet(tmp_path / "2025-12-31.parquet")["a"].to_list() == [9, 9, 9]


def test_a_twin_of_a_model_trained_on_a_withdrawn_batch_is_not_published(tmp_path):
    publish(pl.DataFrame({"a": [1]}), tmp_path, "2026-01-01")
    with pytest.raises(WithdrawnSourceError, match="model version 2 was trained on withdrawn batch week2"):
        publish(pl.DataFrame({"a": [2]}), tmp_path, "2026-01-02", "2", ["initial", "week2"], withdrawn={"week2"})
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "2026-01-01.parquet", LATEST, MANIFEST,
    ]  # fmt: skip
    assert not list(tmp_path.glob(".*.pending"))
    assert pl.read_parquet(tmp_path / LATEST)["a"].to_list() == [1]


def test_withdrawing_a_batch_unpublishes_the_twins_derived_from_it(tmp_path):
    folder, away = tmp_path / "published", tmp_path / "unpublished"
    publish(pl.DataFrame({"a": [1]}), folder, "2026-01-01", "1", ["initial"])
    publish(pl.DataFrame({"a": [2]}), folder, "2026-01-02", "2", ["initial", "week2"])
    publish(pl.DataFrame({"a": [3]}), folder, "2026-01-03", "2", ["initial", "week2"])
    withdrawn: set[str] = set()

    def withdrawn_among(ids):
        return [b for b in ids if b in withdrawn]

    assert unpublish_withdrawn(folder, away, withdrawn_among) == Unpublished([], [], "2026-01-03")
    withdrawn.add("week2")
    gone = unpublish_withdrawn(folder, away, withdrawn_among)
    assert gone == Unpublished(["2026-01-02", "2026-01-03"], [], "2026-01-01")
    assert pl.read_parquet(folder / LATEST)["a"].to_list() == [1]  # the newest twin left
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["2026-01-01.parquet", LATEST]
    assert pl.read_parquet(away / "2026-01-03.parquet")["a"].to_list() == [3]  # kept, not served
    assert away.stat().st_mode & 0o077 == 0
    assert unpublish_withdrawn(folder, away, withdrawn_among).days == []  # nothing left to do

    # once the first batch goes too, no twin is left and neither is latest.parquet
    withdrawn.add("initial")
    assert unpublish_withdrawn(folder, away, withdrawn_among) == Unpublished(["2026-01-01"], [], None)
    assert not list(folder.glob("*.parquet"))

    # a day published again and unpublished again does not overwrite its earlier unpublished twin
    publish(pl.DataFrame({"a": [33]}), folder, "2026-01-03", "3", ["week2"])
    assert unpublish_withdrawn(folder, away, withdrawn_among).days == ["2026-01-03"]
    assert pl.read_parquet(away / "2026-01-03.parquet")["a"].to_list() == [3]
    assert pl.read_parquet(away / "2026-01-03.1.parquet")["a"].to_list() == [33]


def test_a_twin_with_no_record_of_its_model_is_unpublished_on_a_withdrawal(tmp_path):
    folder, away = tmp_path / "published", tmp_path / "unpublished"
    publish(pl.DataFrame({"a": [1]}), folder, "2026-01-02")
    pl.DataFrame({"a": [0]}).write_parquet(folder / "2026-01-01.parquet")  # published before the record was kept
    gone = unpublish_withdrawn(folder, away, lambda ids: [])
    assert gone == Unpublished(["2026-01-01"], ["2026-01-01"], "2026-01-02")
    assert pl.read_parquet(folder / LATEST)["a"].to_list() == [1]


def test_a_day_failing_its_checks_is_not_published(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-5-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    (tmp_path / "dagster").mkdir()
    published = tmp_path / "published" / spec.name
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path))
        defs = build_definitions([spec], home=str(tmp_path))
        assert (
            defs.resolve_job_def(retrain_job_name(spec))
            .execute_in_process(instance=instance, partition_key=batch)
            .success
        )
        # day one's twin is sampled in parts of 1,000 rows (one step, a chunk at a time) and published whole
        in_parts = spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"partition_rows": 1000})})
        day_one = (
            build_definitions([in_parts], home=str(tmp_path))
            .resolve_job_def(regenerate_job_name(in_parts))
            .execute_in_process(instance=instance, partition_key="2026-03-01")
        )
        assert day_one.success
        daily = StateLayout.at(tmp_path).data_dir / spec.name / "synthetic_daily" / "2026-03-01"
        rows = materialization_metadata(day_one, [spec.name, "synthetic_daily"])["rows_out"]
        assert len(list(daily.iterdir())) == -(-rows // 1000) > 1
        assert pl.read_parquet(published / "2026-03-01.parquet").equals(pl.scan_parquet(daily).collect())
        assert not list((StateLayout.at(tmp_path).staging_dir / day_one.run_id).rglob("*.parquet"))
        assert pl.read_parquet(published / LATEST).equals(pl.read_parquet(published / "2026-03-01.parquet"))
        before = pl.read_parquet(published / LATEST)

        # the next day the spec tolerates no extra nulls: the daily twin fails ge_nulls
        strict = spec.model_copy(update={"expectations": spec.expectations.model_copy(update={"null_tolerance": 0.0})})
        day_two = (
            build_definitions([strict], home=str(tmp_path))
            .resolve_job_def(regenerate_job_name(strict))
            .execute_in_process(instance=instance, partition_key="2026-03-02", raise_on_error=False)
        )
        assert not day_two.success
        assert any(not e.passed for e in day_two.get_asset_check_evaluations())
        assert not (published / "2026-03-02.parquet").exists()
        assert pl.read_parquet(published / LATEST).equals(before)  # yesterday's twin stays published
        assert day_two.asset_materializations_for_node(f"{spec.name}__published_daily") == []


def test_with_schedule_quality_gates_a_day_failing_a_gate_is_not_published(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "test-key-7-" + "0123456789abcdef" * 2)
    spec = load_spec(DEMO_SPEC)
    judged = spec.model_copy(update={"schedule": spec.schedule.model_copy(update={"quality_gates": True})})
    (tmp_path / "dagster").mkdir()
    published = tmp_path / "published" / spec.name
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, judged, StateLayout.at(tmp_path))
        defs = build_definitions([judged], home=str(tmp_path))
        assert (
            defs.resolve_job_def(retrain_job_name(judged))
            .execute_in_process(instance=instance, partition_key=batch)
            .success
        )
        day_one = defs.resolve_job_def(regenerate_job_name(judged)).execute_in_process(
            instance=instance, partition_key="2026-03-01"
        )
        assert day_one.success and (published / "2026-03-01.parquet").exists()
        gate_checks = [
            e for e in day_one.get_asset_check_evaluations() if e.asset_key.path[-1] == "quality_report_daily"
        ]
        assert gate_checks and all(e.passed for e in gate_checks)

        # a gate the day's twin cannot meet: its report is written, the gate fails, nothing is published
        gates = judged.quality.gates.model_copy(update={"min_column_shape_score": 0.9999})
        strict = judged.model_copy(update={"quality": judged.quality.model_copy(update={"gates": gates})})
        day_two = (
            build_definitions([strict], home=str(tmp_path))
            .resolve_job_def(regenerate_job_name(strict))
            .execute_in_process(instance=instance, partition_key="2026-03-02", raise_on_error=False)
        )
        assert not day_two.success
        failed = [e for e in day_two.get_asset_check_evaluations() if not e.passed]
        assert [e.check_name for e in failed] == ["fidelity_column_shapes"]
        assert not (published / "2026-03-02.parquet").exists()
        assert pl.read_parquet(published / LATEST).equals(pl.read_parquet(published / "2026-03-01.parquet"))

        # an operator then materializes published_daily on its own for that day: the rejected twin is still in
        # storage, but its checks did not pass in this run, so nothing is written
        publish_only = dg.define_asset_job("publish_only", selection=[dg.AssetKey([spec.name, "published_daily"])])
        alone = (
            dg.Definitions.merge(build_definitions([strict], home=str(tmp_path)), dg.Definitions(jobs=[publish_only]))
            .resolve_job_def("publish_only")
            .execute_in_process(instance=instance, partition_key="2026-03-02", raise_on_error=False)
        )
        assert not alone.success
        assert not (published / "2026-03-02.parquet").exists()
        assert pl.read_parquet(published / LATEST).equals(pl.read_parquet(published / "2026-03-01.parquet"))
