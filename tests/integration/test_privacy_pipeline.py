"""The pipeline's privacy: the Safe Harbor profile and enforced k through the ingest step, exact counts,
no planted value after anonymization, and owner-only files whatever the umask."""

import os
import re

import dagster as dg
import polars as pl

from pipelines.batches import sync_batch_partitions
from tests.conftest import file_mode
from tests.integration.test_ingest_assets import _materialize, _meta
from tests.planted import nested_table, planted_table
from twinforge.config.spec import parse_spec
from twinforge.io.state import StateLayout
from twinforge.io.tables import write_table

KEY = "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"


def _safe_harbor_spec(source):
    return parse_spec(
        {
            "name": "planted",
            "source": {"path": str(source)},
            "columns": {
                "category": {"role": "quasi_identifier"},
                "visit_date": {"role": "quasi_identifier", "kind": "datetime"},
                "visits": {"kind": "integer"},
                "date_of_birth": {"kind": "datetime"},
            },
            "ingest": {"on_bad_rows": "quarantine"},
            "privacy": {"profile": "hipaa_safe_harbor", "k": 10},
        }
    )


def test_safe_harbor_and_k_through_the_pipeline_owner_only(tmp_path, monkeypatch, umask_022):
    table, values = planted_table(n=300)
    source = tmp_path / "planted.csv"
    table.write_csv(source)
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", KEY)
    home = tmp_path / "state"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    spec = _safe_harbor_spec(source)
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, batch, instance)
        assert result.success
        anonymized = _meta(result, ["planted", "anonymized"])
        suppressed = anonymized["rows_suppressed_for_k"]
        assert anonymized["rows_in"] == 300
        assert anonymized["rows_out"] == 300 - suppressed and anonymized["rows_quarantined"] == suppressed
        rules = anonymized["privacy_profile"]["rules"]
        assert rules["3. dates (except year) and ages over 89"] == {
            "date_of_birth": "generalize {'date': 'year', 'oldest': 90}",
            "visit_date": "generalize {'date': 'year', 'oldest': 90}",
        }
        assert rules["2. geographic subdivisions smaller than a state"] == {"zip": "generalize {'zip3': True}"}
        assert rules["free text"] == {"notes": "mask {'safe_harbor': True, 'common_words': True}"}
        (check,) = result.get_asset_check_evaluations()
        assert check.check_name == "k_anonymity" and check.passed
        logged = str([e.event_specific_data for e in result.all_events])

    data = home / "data" / "planted"
    out = pl.read_parquet(data / "anonymized" / f"{batch}.parquet")
    quarantine = pl.read_parquet(data / "quarantine" / f"{batch}.parquet")
    train, holdout = pl.read_parquet(data / "train.parquet"), pl.read_parquet(data / "holdout.parquet")
    assert out.height + quarantine.height == 300 == train.height + holdout.height + quarantine.height
    assert quarantine["reason"].unique().to_list() == (["k-anonymity suppression"] if suppressed else [])
    assert quarantine["record"].null_count() == quarantine.height  # keep_raw is off: positions only
    assert out["visit_date"].dt.month().unique().to_list() == [1]

    text = "\n".join(str(v) for frame in (out, train, holdout) for c in frame.iter_columns() for v in c.to_list())
    for column, planted in values.items():
        if column == "zip":  # 5-digit ZIPs: their first 3 digits are kept by design
            continue
        # a birth date on 1 January says no more than its year, which the rule keeps
        planted = [v for v in planted if not (column == "date_of_birth" and v.endswith("-01-01"))]
        # whole values only: "Mark" may not appear as a word, but "MarkdownMetadataValue" is no leak
        words = [re.compile(rf"(?<![\w.@+-]){re.escape(v)}(?![\w@-])") for v in planted]
        assert not [w.pattern for w in words if w.search(text) or w.search(logged)], column

    # owner-only: every folder 0700 and every file 0600 (landed batch copies 0400) though the umask was 022
    assert file_mode(home) == 0o700
    for path in home.rglob("*"):
        assert file_mode(path) in ((0o700,) if path.is_dir() else (0o600, 0o400)), path


def test_definitions_make_dagster_and_mlflow_databases_owner_only(tmp_path, umask_022):
    import mlflow

    from pipelines.factory import build_definitions
    from resources import MlflowResource

    spec = _safe_harbor_spec(tmp_path / "none.csv")
    build_definitions([spec], home=str(tmp_path / "state"))  # what the code location and `make run` load
    assert os.umask(0o077) == 0o077
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster")) as instance:
        instance.get_runs()  # opens the run, event log and schedule databases
        instance.get_latest_materialization_event(dg.AssetKey("x"))
    databases = list((tmp_path / "dagster").rglob("*.db"))
    assert databases and all(file_mode(p) == 0o600 for p in databases)
    uri = MlflowResource(home=str(tmp_path / "state")).uri
    mlflow.set_tracking_uri(uri)
    mlflow.create_experiment("perm", artifact_location=(tmp_path / "state" / "mlartifacts").as_uri())
    assert file_mode(tmp_path / "state" / "mlflow.db") == 0o600
    assert file_mode(tmp_path / "state") == 0o700


# ------------------------------------------------------------------ planted values through the whole pipeline

# Distinctive values planted in the raw input: no name list holds the surname, and none of them
# occurs in what the stack writes without data (checked below against an empty run's files).
PLANTED_NAME = "Wilhelmina Zybrowskaya"
PLANTED_EMAIL = "w.zybrowskaya@quillfeather-planted.org"
PLANTED_SSN = "523-71-4896"
PLANTED_PHONE = "(607) 339-2741"


def _planted_forms() -> dict[str, list[bytes]]:
    """Each planted value as the byte strings that would give it away (lower-cased, as files are scanned)."""
    return {
        "name": [b"zybrowskaya"],
        "email": [PLANTED_EMAIL.encode(), b"quillfeather-planted"],
        "ssn": [PLANTED_SSN.encode(), b"523714896", b"523 71 4896"],
        "phone": [b"339-2741", b"6073392741", b"607.339.2741"],
    }


def _readable_bytes(path) -> list[bytes]:
    """What a file holds, lower-cased: Parquet as its values' text, zip and gzip members unpacked."""
    import gzip
    import zipfile

    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        return ["\n".join(str(v) for c in frame.iter_columns() for v in c.to_list()).lower().encode()]
    if zipfile.is_zipfile(path):  # torch weights, packed artifacts
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name).lower() for name in archive.namelist()]
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [data.lower()]


def _leaks(paths) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        hits = sorted(
            kind
            for kind, forms in _planted_forms().items()
            if any(f in b for b in _readable_bytes(path) for f in forms)
        )
        if hits:
            found[str(path)] = hits
    return found


def _with_planted_values(table: pl.DataFrame) -> pl.DataFrame:
    rows = [0, 1, 2]
    note = f"Spoke with {PLANTED_NAME} about the refund; reach them at {PLANTED_EMAIL} or {PLANTED_PHONE}, SSN {PLANTED_SSN}."
    planted = {"handle": PLANTED_NAME, "contact": PLANTED_EMAIL, "tax_ref": PLANTED_SSN, "reach_at": PLANTED_PHONE}
    return table.with_columns([table.get_column(c).scatter(rows, v) for c, v in {**planted, "notes": note}.items()])


def test_no_planted_value_anywhere_after_a_full_pipeline_run(tmp_path, monkeypatch):
    """Anonymize -> split -> train -> sample -> checks and reports -> MLflow: the state folder (data,
    model files, reports), MLflow's database and artifact store and Dagster's storage (event log,
    compute logs) hold none of the planted values."""
    from pipelines.factory import build_definitions, retrain_job_name
    from twinforge.tracking.registry import tracking

    table, _ = planted_table(n=300)
    source = tmp_path / "planted.csv"
    _with_planted_values(table).write_csv(source)
    control = tmp_path / "control.parquet"  # the scan finds every planted value where it is, in text and Parquet
    _with_planted_values(table).write_parquet(control)
    assert _leaks([source, control]) == {str(p): sorted(_planted_forms()) for p in (source, control)}
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", KEY)
    home = tmp_path / "state"
    spec = parse_spec(
        {
            "name": "planted_full",
            "source": {"path": str(source)},
            "columns": {
                "category": {"role": "target"},
                "visits": {"kind": "integer"},
                "date_of_birth": {"kind": "datetime"},
            },
            "ingest": {"on_bad_rows": "quarantine"},
        }
    )
    defs = build_definitions([spec], home=str(home))
    (home / "dagster").mkdir(parents=True)
    with dg.instance_for_test(temp_dir=str(home / "dagster")) as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = defs.resolve_job_def(retrain_job_name(spec)).execute_in_process(
            instance=instance, partition_key=batch, raise_on_error=False
        )
        materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    layout = StateLayout.at(home)
    with tracking(layout.mlflow_tracking_uri) as mlflow:
        versions = mlflow.MlflowClient().search_model_versions(f"name='{spec.registered_model_name}'")
    assert {"anonymized", "generator", "synthetic"} <= materialized, materialized
    assert versions  # the model reached the registry: its files are in the artifact store

    files = [p for p in home.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".db", ".parquet", ".json", ".html"} <= kinds, kinds
    assert any(layout.mlflow_artifacts in p.parents for p in files)
    assert any(home / "dagster" in p.parents for p in files)
    assert not _leaks(files)


def test_nested_json_lines_are_anonymized_leaf_by_leaf_through_the_pipeline(tmp_path, monkeypatch):
    """A JSON Lines source with PII inside objects and arrays: the ingest step opens the objects up,
    every leaf is detected and anonymized, counts are exact, and no planted value reaches the
    anonymized batch, the train and holdout tables or Dagster's events."""
    table, planted = nested_table(n=120)
    source = write_table(table, tmp_path / "nested.jsonl")
    with open(source, "a") as fh:
        fh.write("not json\n")  # one bad record: quarantined, counted
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", KEY)
    home = tmp_path / "state"
    spec = parse_spec({"name": "nested", "source": {"path": str(source)}, "ingest": {"on_bad_rows": "quarantine"}})
    with dg.instance_for_test() as instance:
        (batch,) = sync_batch_partitions(instance, spec, StateLayout.at(home))
        result = _materialize(spec, home, batch, instance)
        assert result.success
        raw = _meta(result, ["nested", "raw"])
        logged = str([e.event_specific_data for e in result.all_events])
    assert (raw["rows_in"], raw["rows_out"], raw["rows_quarantined"]) == (121, 120, 1)
    data = home / "data" / "nested"
    out = pl.read_parquet(data / "anonymized" / f"{batch}.parquet")
    assert set(out.columns) == {"subject.visits", "log.day", "log.note", "tags", "amount"}
    assert out["subject.visits"].to_list() == [i % 7 for i in range(120)]
    files = [data / "anonymized" / f"{batch}.parquet", data / "train.parquet", data / "holdout.parquet"]
    stored = b"".join(f.read_bytes() for f in files)
    text = "\n".join(str(v) for f in files for c in pl.read_parquet(f).iter_columns() for v in c.to_list())
    leaked = [v for v in planted if v.encode() in stored or v in text or v in logged or v.split()[-1] in text]
    assert not leaked
