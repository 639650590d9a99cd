"""The ingest step in Dagster: batches as partitions, quarantine in metadata, privacy checks, training window."""

import dagster as dg
import polars as pl
import pytest

from assets.ingest import build_ingest_assets
from assets.split import build_split_assets
from pipelines.batches import sync_batch_partitions
from resources import ParquetIOManager, TwinforgeSettings
from tests.planted import planted_table
from twinforge.config.spec import parse_spec
from twinforge.io.batches import add_batch
from twinforge.io.state import StateLayout


def _spec(source, **privacy):
    amount_qi = privacy.pop("amount_qi", False)
    sensitive = privacy.pop("sensitive", None)
    columns = {
        "category": {"role": "quasi_identifier"},
        "member": {"role": "quasi_identifier"},
        "amount": {"role": "quasi_identifier", "kind": "float"} if amount_qi else {"role": "feature"},
        "visits": {"kind": "integer"},
        "date_of_birth": {"kind": "datetime"},
    }
    if sensitive:
        columns[sensitive] = {**columns.get(sensitive, {}), "role": "sensitive"}
    return parse_spec(
        {
            "name": "planted",
            "source": {"path": str(source)},
            "columns": columns,
            "ingest": {"on_bad_rows": "quarantine"},
            "privacy": privacy,
        }
    )


def _materialize(spec, home, partition, instance):
    resources = {
        "io_manager": ParquetIOManager(home=str(home)),
        "raw_io_manager": ParquetIOManager(home=str(home), private=True),
        "settings": TwinforgeSettings(home=str(home)),
    }
    return dg.materialize(
        [build_ingest_assets(spec), build_split_assets(spec)],
        partition_key=partition,
        instance=instance,
        resources=resources,
        raise_on_error=False,
    )


def _meta(result, key):
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(key)]
    return {k: getattr(v, "value", v) for k, v in events[-1].materialization.metadata.items()} if events else None


@pytest.fixture
def planted_csv(tmp_path):
    table, values = planted_table(n=200)
    path = tmp_path / "planted.csv"
    table.write_csv(path)
    with open(path, "a") as fh:  # one row whose visits and birth date do not parse: quarantined, not lost
        fh.write(",".join(["x"] * (table.width - 4)) + ",1.0,grocery,lots,true\n")
    return path, values


def test_batches_quarantine_privacy_and_window(tmp_path, planted_csv, monkeypatch):
    source, values = planted_csv
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    home = tmp_path / "state"
    spec = _spec(source, k=2)
    with dg.instance_for_test() as instance:
        (first,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, first, instance)
        assert result.success
        raw = _meta(result, ["planted", "raw"])
        assert (raw["rows_in"], raw["rows_out"], raw["rows_quarantined"]) == (201, 200, 1)
        assert raw["raw_copy_kept"] is False and raw["source"] == str(source)  # the spec's own, as it names it
        quarantine = pl.read_parquet(home / "data" / "planted" / "quarantine" / f"{first}.parquet")
        assert quarantine.select("row", "column", "record").to_dicts() == [
            {"row": 201, "column": "date_of_birth", "record": None}
        ]
        anonymized = _meta(result, ["planted", "anonymized"])
        assert anonymized["rows_in"] == anonymized["rows_out"] + anonymized["rows_quarantined"]
        assert "| contact | EMAIL_ADDRESS | column |" in anonymized["pii_findings"]
        assert {"email", "contact", "handle"} <= set(anonymized["dropped_columns"])
        assert anonymized["masked_columns"] == ["notes"]
        (check,) = result.get_asset_check_evaluations()
        assert check.check_name == "k_anonymity" and check.passed

        # a second batch joins the training window
        extra = tmp_path / "more.csv"
        planted_table(n=200, seed=9)[0].write_csv(extra)
        second = add_batch(spec, extra, home=home).batch_id
        assert sync_batch_partitions(instance, spec, StateLayout.at(home)) == [first, second]
        result = _materialize(spec, home, second, instance)
        # a landed file is its batch id in Dagster's event log, never the name it arrived under
        assert _meta(result, ["planted", "raw"])["source"] == f"landing copy of batch {second}"
        records = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION))
        assert records and not [r for r in records if "more.csv" in str(r.event_log_entry)]
        train = _meta(result, ["planted", "train"])
        assert train["training_batches"] == [first, second]
        assert train["rows"] + _meta(result, ["planted", "holdout"])["rows"] == 400

    # nothing written after anonymization holds a planted value (raw-grade folders excepted)
    raw_grade = {home / "data" / "planted" / s for s in ("raw", "quarantine")} | {home / "landing"}
    written = [p for p in home.rglob("*") if p.is_file() and not any(d in p.parents for d in raw_grade)]
    assert any(p.suffix == ".parquet" for p in written)
    blob = b"\n".join(p.read_bytes() for p in written if p.suffix != ".parquet")
    text = "\n".join(
        str(v)
        for p in written
        if p.suffix == ".parquet"
        for c in pl.read_parquet(p).iter_columns()
        for v in c.to_list()
    )
    for column, planted in values.items():
        if column in ("date_of_birth", "zip"):
            continue
        assert not [v for v in planted if v in text or v.encode() in blob], column


def test_k_is_enforced_so_the_check_passes_and_the_split_runs(tmp_path, planted_csv, monkeypatch):
    source, _ = planted_csv
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    spec = _spec(source, k=5, amount_qi=True)  # amounts are nearly unique: classes of one until generalized
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(tmp_path / "state"))
        result = _materialize(spec, tmp_path / "state", batch, instance)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["k_min"].value >= 5
    anonymized = _meta(result, ["planted", "anonymized"])
    suppressed = anonymized["rows_suppressed_for_k"]
    assert anonymized["k_enforcement"]["levels"]["amount"] >= 1
    assert (anonymized["rows_in"], anonymized["rows_out"], anonymized["rows_quarantined"]) == (
        201,
        200 - suppressed,
        1 + suppressed,
    )
    train, holdout = _meta(result, ["planted", "train"]), _meta(result, ["planted", "holdout"])
    assert train["rows"] + holdout["rows"] == 200 - suppressed


def test_records_sent_again_in_a_new_batch_stay_on_one_side_of_the_split(tmp_path, monkeypatch):
    table, _ = planted_table(n=400)
    source = tmp_path / "first.csv"
    table.write_csv(source)
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    home = tmp_path / "state"
    spec = _spec(source)
    with dg.instance_for_test() as instance:
        (first,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        assert _materialize(spec, home, first, instance).success
        table.sample(150, seed=1).write_csv(tmp_path / "resent.csv")  # the same records, in a new file
        add_batch(spec, tmp_path / "resent.csv", home=home)
        second = sync_batch_partitions(instance, spec, StateLayout.at(home))[-1]
        result = _materialize(spec, home, second, instance)
        assert result.success
        repeated = _meta(result, ["planted", "train"])["repeated_rows"]
        assert repeated[second] == {"rows": 150, "repeated_within": 0, "repeated_earlier": 150}
        train = pl.read_parquet(home / "data" / "planted" / "train.parquet")
        holdout = pl.read_parquet(home / "data" / "planted" / "holdout.parquet")
        assert train.height + holdout.height == 550  # nothing lost
        assert train.join(holdout, on=train.columns, how="semi", nulls_equal=True).height == 0


SENTINEL = "Zyxwv-Sentinel"


def _with_stray_quote(tmp_path):
    """The planted table as CSV with one record broken by a stray quote (and a planted value) at line 11."""
    table, _ = planted_table(n=200)
    path = tmp_path / "quote.csv"
    table.write_csv(path)
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(10, f'"{SENTINEL},' + ",".join(["x"] * (table.width - 1)) + "\n")
    path.write_text("".join(lines))
    return path


def test_a_stray_quote_costs_one_record_in_the_raw_asset(tmp_path, monkeypatch):
    source = _with_stray_quote(tmp_path)
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    home = tmp_path / "state"
    spec = _spec(source)
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, batch, instance)
        assert result.success
        raw = _meta(result, ["planted", "raw"])
        assert (raw["rows_in"], raw["rows_out"], raw["rows_quarantined"]) == (201, 200, 1)
        assert raw["lines_in"] >= 202 and raw["non_finite_values"] == {}
        quarantine = pl.read_parquet(home / "data" / "planted" / "quarantine" / f"{batch}.parquet")
        assert quarantine.select("row", "line").to_dicts() == [{"row": 10, "line": 11}]
        logged = "\n".join(dg.serialize_value(e) for e in instance.all_logs(result.run_id))
        assert SENTINEL not in logged


def test_a_failing_ingest_logs_positions_never_values(tmp_path, monkeypatch):
    source = _with_stray_quote(tmp_path)
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    home = tmp_path / "state"
    spec = _spec(source).model_copy(update={"ingest": parse_spec({"name": "x", "source": {"path": "a.csv"}}).ingest})
    assert spec.ingest.on_bad_rows == "fail"
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, batch, instance)
        assert not result.success
        logged = "\n".join(dg.serialize_value(e) for e in instance.all_logs(result.run_id))
        assert "quote.csv: 1 bad row" in logged and "line 11 (row 10)" in logged
        assert SENTINEL not in logged


def test_a_batch_failing_l_diversity_is_held_and_never_trained_on(tmp_path, planted_csv, monkeypatch):
    """A blocking privacy check stops its own run; the batch must not reach a later run's training window."""
    from twinforge.io.batches import ACTIVE, HELD, BatchStore

    source, _ = planted_csv
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    home = tmp_path / "state"
    spec = _spec(source, l=2, sensitive="visits")
    uniform, later = tmp_path / "uniform.csv", tmp_path / "later.csv"
    planted_table(n=200, seed=9)[0].with_columns(pl.lit(7).alias("visits")).write_csv(uniform)  # l = 1 in every class
    planted_table(n=200, seed=11)[0].write_csv(later)
    with dg.instance_for_test() as instance:
        (first,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        assert _materialize(spec, home, first, instance).success
        failing = add_batch(spec, uniform, home=home).batch_id
        sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, failing, instance)
        assert not result.success
        assert [c.passed for c in result.get_asset_check_evaluations()] == [False]
        store = BatchStore(spec, StateLayout.at(home))
        held = store.get(failing)
        assert held.status == HELD and held.history[-1]["reason"].startswith("privacy checks failed: l-diversity")
        with pytest.raises(ValueError, match="held because its privacy checks failed, which no approval overrides"):
            store.approve(failing, "looks fine")
        third = add_batch(spec, later, home=home).batch_id
        sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, third, instance)
        assert result.success
        assert _meta(result, ["planted", "train"])["training_batches"] == [first, third]
        assert store.get(first).status == store.get(third).status == ACTIVE


def test_a_batch_whose_file_changed_since_it_was_recorded_is_refused(tmp_path, planted_csv, monkeypatch):
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    source, _ = planted_csv
    home = tmp_path / "state"
    spec = _spec(source)
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        assert _materialize(spec, home, batch, instance).success
        # the spec's source, read in place as batch `initial`, is overwritten with other rows
        pl.read_csv(source, infer_schema_length=0).head(120).write_csv(source)
        again = _materialize(spec, home, batch, instance)
        assert not again.success
        failure = next(e for e in again.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
        message = str(failure.event_specific_data.error)
        assert f"batch {batch} of planted: its file {source} changed since the batch was recorded" in message
        # the batch's stored rows are still those it was recorded with
        assert pl.read_parquet(home / "data" / "planted" / "anonymized" / f"{batch}.parquet").height == 200
