"""The daily twin is published only after its blocking checks pass; a failed day keeps the last one."""

import dagster as dg
import polars as pl

from pipelines.batches import sync_batch_partitions
from pipelines.demo import materialization_metadata
from pipelines.factory import build_definitions, regenerate_job_name, retrain_job_name
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_spec
from twinforge.io.publish import LATEST, publish_table
from twinforge.io.state import StateLayout


def test_publishing_replaces_whole_files(tmp_path):
    first, second = pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3]})
    publish_table(first, tmp_path, "2026-01-01")
    publish_table(second, tmp_path, "2026-01-02")
    assert pl.read_parquet(tmp_path / LATEST).equals(second)
    assert pl.read_parquet(tmp_path / "2026-01-01.parquet").equals(first)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["2026-01-01.parquet", "2026-01-02.parquet", LATEST]
    assert (tmp_path / LATEST).stat().st_mode & 0o077 == 0
    # a backfill of an earlier day is published under its name; latest stays the newest day's
    publish_table(pl.DataFrame({"a": [9, 9, 9]}), tmp_path, "2025-12-31")
    assert pl.read_parquet(tmp_path / LATEST).equals(second)
    assert pl.read_parquet(tmp_path / "2025-12-31.parquet")["a"].to_list() == [9, 9, 9]


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
