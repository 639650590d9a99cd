"""Batches at the door: a file is checked against the dataset before anything is recorded;
withdrawn batches train no more; later batches are typed as the first one; the state
folder is found the same way from anywhere in the project."""

import gzip
import json

import polars as pl
import pytest

from tests.conftest import DEMO_CSV, DEMO_SPEC, REPO
from twinforge.cli import main
from twinforge.config.spec import load_spec
from twinforge.io.batches import ACTIVE, HELD, WITHDRAWN, BatchRejected, BatchStore
from twinforge.io.ingest import ingest
from twinforge.io.schema import ColumnKind
from twinforge.io.state import StateLayout, find_project_root, resolve_home, resolve_specs_dir


@pytest.fixture(scope="module")
def demo() -> pl.DataFrame:
    return pl.read_csv(DEMO_CSV).head(400)


@pytest.fixture
def store(tmp_path):
    return BatchStore(load_spec(DEMO_SPEC), StateLayout.at(tmp_path / "state"))


def _bad_files(folder, demo):
    files = {name: folder / file for name, file in [
        ("empty", "empty.csv"), ("header only", "header.csv"), ("binary", "binary.csv"),
        ("truncated gzip", "truncated.csv.gz"), ("missing column", "missing.csv"), ("extra column", "extra.csv"),
        ("renamed column", "renamed.csv"), ("text in a number column", "text.csv"), ("not a table", "notes.txt.bz2"),
    ]}  # fmt: skip
    files["empty"].write_text("")
    files["header only"].write_text(",".join(demo.columns) + "\n")
    files["binary"].write_bytes(bytes(range(256)) * 40)
    data = gzip.compress(demo.write_csv().encode())
    files["truncated gzip"].write_bytes(data[: len(data) // 2])
    demo.drop("pan_day").write_csv(files["missing column"])
    demo.with_columns(extra=pl.lit(1)).write_csv(files["extra column"])
    demo.rename({"pan_day": "day"}).write_csv(files["renamed column"])
    demo.with_columns(age=pl.lit("old")).write_csv(files["text in a number column"])
    files["not a table"].write_text("x")
    return files


def test_the_door_refuses_every_bad_file_naming_it_and_records_nothing(store, demo, tmp_path, capsys):
    store.ensure_initial()
    for what, file in _bad_files(tmp_path, demo).items():
        with pytest.raises(BatchRejected) as refused:
            store.add(file)
        assert str(file) in str(refused.value), what
        assert store.ids() == ["initial"], what
        assert not list(store.folder.glob("2*")), what  # no landing copy either
    # the column is named and its values are not quoted
    with pytest.raises(BatchRejected, match=r"columns whose values do not have the dataset's type: age") as refused:
        store.add(tmp_path / "text.csv")
    assert "old" not in str(refused.value)
    with pytest.raises(BatchRejected, match=r"missing: none; not in the dataset: \['extra'\]"):
        store.add(tmp_path / "extra.csv")
    # a new column named by a person's name (a pivoted export) is given by its position, never its name
    demo.with_columns(pl.lit(1).alias("Zebulon Quartermaine")).write_csv(tmp_path / "person.csv")
    with pytest.raises(BatchRejected, match=r"not in the dataset: \[column \d+ \(its name withheld") as refused:
        store.add(tmp_path / "person.csv")
    assert "Zebulon" not in str(refused.value) and "Quartermaine" not in str(refused.value)
    # the CLI: exit 1, the file named, nothing registered
    code = main(["ingest-batch", "covid_testing", str(tmp_path / "extra.csv"), "--home", str(store.layout.home),
                 "--specs", str(DEMO_SPEC.parent)])  # fmt: skip
    assert code == 1 and "extra.csv" in capsys.readouterr().err
    assert store.ids() == ["initial"]
    (tmp_path / "a_folder.csv").mkdir()
    with pytest.raises(BatchRejected, match="a_folder.csv is a folder"):
        store.add(tmp_path / "a_folder.csv")
    assert store.ids() == ["initial"]


def test_a_refused_batch_names_the_line_row_and_column_of_its_bad_values(store, demo, tmp_path):
    spec = load_spec(DEMO_SPEC)
    strict = BatchStore(spec.model_copy(update={"ingest": spec.ingest.model_copy(update={"on_bad_rows": "fail"})}),
                        store.layout)  # fmt: skip
    bad = demo.with_columns(age=pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("old")).otherwise(pl.col("age")))
    bad.write_csv(tmp_path / "bad.csv")
    with pytest.raises(BatchRejected) as refused:
        strict.add(tmp_path / "bad.csv")
    assert "line 7 (row 6), column 'age'" in str(refused.value) and "old" not in str(refused.value)


def test_a_good_file_is_added_once_and_said_where_it_went(store, demo, tmp_path, capsys):
    demo.write_csv(tmp_path / "good.csv")
    args = ["ingest-batch", "covid_testing", str(tmp_path / "good.csv"), "--home", str(store.layout.home),
            "--specs", str(DEMO_SPEC.parent)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"state folder: {store.layout.home}" in out and "new-batch sensor" in out
    assert main(args) == 0 and "nothing added" in capsys.readouterr().out
    assert len(store.ids()) == 2


def test_single_bad_cells_pass_the_door_under_quarantine_and_never_retype_the_column(tmp_path, demo):
    spec = load_spec(DEMO_SPEC)
    spec = spec.model_copy(update={"ingest": spec.ingest.model_copy(update={"on_bad_rows": "quarantine"})})
    store = BatchStore(spec, StateLayout.at(tmp_path / "state"))
    bad_cell = demo.with_columns(
        age=pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("N/K")).otherwise(pl.col("age").cast(pl.String))
    )
    bad_cell.write_csv(tmp_path / "one_bad_cell.csv")
    batch, added = store.add(tmp_path / "one_bad_cell.csv")
    assert added
    reference = store.reference_kinds()
    assert reference["age"] is ColumnKind.FLOAT
    typed = ingest(spec, path=batch.path, reference=reference)
    assert typed.table.schema["age"] == pl.Float64  # not retyped to text by one value
    assert (typed.rows_in, typed.rows_out, typed.rows_quarantined) == (400, 399, 1)
    assert typed.quarantine.row(0, named=True)["column"] == "age"
    # the first batch's kinds are recorded in the manifest, read once
    manifest = json.loads((store.folder / "batches.json").read_text())
    assert manifest["batches"][0]["columns"]["age"] == "float"


def test_a_withdrawn_batch_is_recorded_not_deleted_and_leaves_the_active_ones(store, demo, tmp_path, capsys):
    demo.write_csv(tmp_path / "b1.csv")
    batch, _ = store.add(tmp_path / "b1.csv")
    assert store.active_ids() == ["initial", batch.batch_id]
    home, specs = str(store.layout.home), str(DEMO_SPEC.parent)
    assert main(["batches", "covid_testing", "--withdraw", batch.batch_id, "--reason", "wrong feed",
                 "--home", home, "--specs", specs]) == 0  # fmt: skip
    listing = capsys.readouterr().out
    assert f"{batch.batch_id}" in listing and WITHDRAWN in listing
    assert store.active_ids() == ["initial"] and store.ids() == ["initial", batch.batch_id]
    withdrawn = store.get(batch.batch_id)
    assert withdrawn.status == WITHDRAWN and withdrawn.history[-1]["reason"] == "wrong feed"
    assert store.get("initial").status == ACTIVE
    assert main(["batches", "covid_testing", "--withdraw", "nope", "--home", home, "--specs", specs]) == 1
    capsys.readouterr()
    # withdrawn again (a feed's script run twice): refused, its first record (and reason) kept
    assert main(["batches", "covid_testing", "--withdraw", batch.batch_id, "--home", home, "--specs", specs]) == 1
    assert "is withdrawn already (since" in capsys.readouterr().err
    assert store.get(batch.batch_id).history == withdrawn.history

    # the feed sends the same file again: it is told the batch is withdrawn, and the exit code says so
    ingest_again = ["ingest-batch", "covid_testing", str(tmp_path / "b1.csv"), "--home", home, "--specs", specs]
    assert main(ingest_again) == 1
    said = capsys.readouterr().out
    assert "which is withdrawn (wrong feed): nothing added" in said and f"--reinstate {batch.batch_id}" in said
    # the withdrawal was a mistake: reinstated, recorded, active again
    assert main(["batches", "covid_testing", "--reinstate", batch.batch_id, "--reason", "right feed after all",
                 "--home", home, "--specs", specs]) == 0  # fmt: skip
    assert store.active_ids() == ["initial", batch.batch_id]
    assert store.get(batch.batch_id).history[-1] == {
        **store.get(batch.batch_id).history[-1],
        "status": ACTIVE,
        "reason": "right feed after all",
        "action": "reinstated",
    }
    assert main(["batches", "covid_testing", "--reinstate", batch.batch_id, "--home", home, "--specs", specs]) == 1
    assert "is active, not withdrawn" in capsys.readouterr().err


def test_state_and_specs_are_found_from_anywhere_in_the_project(tmp_path, monkeypatch):
    monkeypatch.delenv("TWINFORGE_HOME", raising=False)
    monkeypatch.delenv("TWINFORGE_SPECS", raising=False)
    monkeypatch.chdir(REPO / "twinforge" / "io")
    assert find_project_root() == REPO
    assert resolve_home() == REPO / ".twinforge"
    assert resolve_specs_dir() == REPO / "pipelines" / "datasets"
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "elsewhere"))
    assert resolve_home() == tmp_path / "elsewhere"
    monkeypatch.chdir(tmp_path)  # outside any project: no guess at specs, a clear error
    assert find_project_root() is None
    with pytest.raises(FileNotFoundError, match="TWINFORGE_SPECS"):
        resolve_specs_dir()
    # ingest-batch outside a project with specs named but no state folder: refused, nothing written
    monkeypatch.delenv("TWINFORGE_HOME")
    (tmp_path / "b.csv").write_text("a\n1\n")
    assert main(["ingest-batch", "covid_testing", str(tmp_path / "b.csv"), "--specs", str(DEMO_SPEC.parent)]) == 1
    assert not (tmp_path / ".twinforge").exists()


def test_a_held_batch_trains_only_after_approval_and_each_approval_is_recorded(store, demo, tmp_path, capsys):
    demo.write_csv(tmp_path / "b1.csv")
    batch, _ = store.add(tmp_path / "b1.csv")
    home, specs = str(store.layout.home), str(DEMO_SPEC.parent)
    # only a held batch can be approved
    assert main(["batches", "covid_testing", "--approve", batch.batch_id, "--home", home, "--specs", specs]) == 1
    assert "is active, not held" in capsys.readouterr().err
    store.hold(batch.batch_id, ["null share of age changed from 0.0% to 100.0%"])
    assert store.get(batch.batch_id).status == HELD and store.active_ids() == ["initial"]
    assert store.approvals() == [] and not store.was_approved(batch.batch_id)
    assert main(["batches", "covid_testing", "--home", home, "--specs", specs]) == 0
    assert "null share of age changed" in capsys.readouterr().out  # the listing says why it is held
    assert main(["batches", "covid_testing", "--approve", batch.batch_id, "--reason", "checked with the lab",
                 "--home", home, "--specs", specs]) == 0  # fmt: skip
    assert "approved batch" in capsys.readouterr().out
    assert store.active_ids() == ["initial", batch.batch_id] and store.was_approved(batch.batch_id)
    ((approved, at),) = store.approvals()
    assert approved == batch.batch_id and at == store.get(batch.batch_id).history[-1]["at"]
    assert [c["status"] for c in store.get(batch.batch_id).history] == [HELD, ACTIVE]
    # a hold never revives a withdrawn batch
    store.withdraw(batch.batch_id, "wrong feed")
    assert store.hold(batch.batch_id, ["x"]).status == WITHDRAWN and store.approvals() == []


def test_later_batches_get_the_first_batchs_dtypes_so_drift_compares_like_with_like(store, demo, tmp_path):
    spec = load_spec(DEMO_SPEC)
    first = ingest(spec)
    demo.write_csv(tmp_path / "later.csv")
    batch, _ = store.add(tmp_path / "later.csv")
    later = ingest(spec, path=batch.path, reference=store.reference_kinds())
    # 0/1 columns are boolean kinds; they stay integers in every batch, as in the first
    assert store.reference_kinds()["orderset"] is ColumnKind.BOOLEAN
    for column in ("orderset", "drive_thru_ind", "age", "pan_day", "result"):
        assert later.table.schema[column] == first.table.schema[column], column


def test_a_privacy_hold_is_released_only_by_an_ingest_that_passes(store, demo, tmp_path, capsys):
    demo.write_csv(tmp_path / "b1.csv")
    batch, _ = store.add(tmp_path / "b1.csv")
    assert store.record_privacy(batch.batch_id, []).status == ACTIVE  # passing: nothing changes
    held = store.record_privacy(batch.batch_id, ["l-diversity: rows in classes with fewer than l=2 ..."])
    assert held.status == HELD and store.active_ids() == ["initial"]
    home, specs = str(store.layout.home), str(DEMO_SPEC.parent)
    assert main(["batches", "covid_testing", "--approve", batch.batch_id, "--home", home, "--specs", specs]) == 1
    assert "no approval overrides" in capsys.readouterr().err
    assert store.record_privacy(batch.batch_id, []).status == ACTIVE
    assert store.get(batch.batch_id).history[-1]["reason"] == "privacy checks passed on a new ingest"
    # a batch held for drift stays held when its privacy checks pass...
    store.hold(batch.batch_id, ["null share of age changed"])
    assert store.record_privacy(batch.batch_id, []).status == HELD
    # ...and when they fail, the privacy hold is what an approval meets
    assert store.record_privacy(batch.batch_id, ["k-anonymity: 3 rows ..."]).status == HELD
    with pytest.raises(ValueError, match="no approval overrides"):
        store.approve(batch.batch_id)
    store.withdraw(batch.batch_id, "wrong feed")
    assert store.record_privacy(batch.batch_id, ["k-anonymity: 3 rows ..."]).status == WITHDRAWN


def test_a_reinstated_batch_returns_to_its_hold_and_a_privacy_hold_is_never_lifted_by_it(store, demo, tmp_path):
    demo.write_csv(tmp_path / "b1.csv")
    batch, _ = store.add(tmp_path / "b1.csv")
    store.record_privacy(batch.batch_id, ["k-anonymity: 3 < 5"])
    store.withdraw(batch.batch_id, "wrong feed")
    reinstated = store.reinstate(batch.batch_id, "right feed")
    assert reinstated.status == HELD and store.active_ids() == ["initial"]  # was active before: no shortcut
    with pytest.raises(ValueError, match="privacy checks failed"):
        store.approve(batch.batch_id)
    # a privacy failure found while the batch was withdrawn holds it once reinstated
    demo.head(300).write_csv(tmp_path / "b2.csv")
    other, _ = store.add(tmp_path / "b2.csv")
    store.withdraw(other.batch_id)
    store.record_privacy(other.batch_id, ["l-diversity: 1 < 2"])
    assert store.get(other.batch_id).status == WITHDRAWN
    assert store.reinstate(other.batch_id).status == HELD
    with pytest.raises(ValueError, match="privacy checks failed"):
        store.approve(other.batch_id)
    # a drift hold comes back as a drift hold, which an approval releases
    demo.head(200).write_csv(tmp_path / "b3.csv")
    third, _ = store.add(tmp_path / "b3.csv")
    store.hold(third.batch_id, ["null share of age changed"])
    store.withdraw(third.batch_id)
    assert store.reinstate(third.batch_id).status == HELD
    assert store.approve(third.batch_id).status == ACTIVE


def test_the_first_batchs_k_scheme_is_recorded_for_later_batches(store, demo, tmp_path):
    assert store.reference_k_scheme() is None  # nothing anonymized yet: a later batch chooses, stacking refuses
    scheme = {"levels": {"age": 2}, "steps": {"age": {"band": 4}}}
    store.record_k_scheme("initial", scheme)
    source = tmp_path / "b2.csv"
    demo.write_csv(source)
    batch, _ = store.add(source)
    assert store.reference_k_scheme() == scheme and store.get(batch.batch_id).k_scheme is None
    store.record_k_scheme(batch.batch_id, scheme)
    again = BatchStore(store.spec, StateLayout.at(tmp_path / "state"))  # read back from batches.json
    assert again.get(batch.batch_id).k_scheme == scheme and again.reference_k_scheme() == scheme


def test_a_file_whose_name_holds_personal_data_is_refused_without_repeating_it(store, demo, tmp_path, capsys):
    store.ensure_initial()
    for name in ("referral_ann.lee@example.org.csv", "ann.lee@example.org.csv.gz", "referral_078-05-1120.csv"):
        file = tmp_path / name
        file.write_text(demo.write_csv())  # the door refuses the name before it reads the file
        with pytest.raises(
            BatchRejected, match=r"the file's name holds personal data \((EMAIL_ADDRESS|PHONE_NUMBER)\)"
        ):
            store.add(file)
        assert store.ids() == ["initial"] and not list(store.folder.glob("2*"))
        home, specs = str(store.layout.home), str(DEMO_SPEC.parent)
        code = main(["ingest-batch", "covid_testing", str(file), "--home", home, "--specs", specs])
        assert code == 1 and store.ids() == ["initial"]
        printed = capsys.readouterr()
        assert "holds personal data" in printed.err
        assert "ann.lee" not in printed.out + printed.err and "1120" not in printed.out + printed.err


def test_a_landed_copy_is_named_by_its_batch_id_and_run_metadata_calls_it_so(store, demo, tmp_path):
    file = tmp_path / "feed_2024-01-05.csv.gz"
    file.write_bytes(gzip.compress(demo.write_csv().encode()))
    batch, added = store.add(file)
    assert added and batch.original_name == file.name
    assert batch.path == str(store.folder / batch.batch_id / f"{batch.batch_id}.csv.gz")
    assert ingest(store.spec, path=batch.path).rows_in == demo.height  # read as gzip-compressed CSV still
    assert batch.source_label(batch.path) == f"landing copy of batch {batch.batch_id}"
    assert store.get("initial").source_label("data/covid.csv") == "data/covid.csv"  # the spec's own, as it names it


def test_the_same_records_in_another_encoding_or_order_are_not_a_new_batch(store, demo, tmp_path):
    plain = tmp_path / "plain.csv"
    demo.write_csv(plain)
    first, added = store.add(plain)
    assert added
    text = plain.read_text()
    header, *lines = text.splitlines()
    variants = {
        "bom_crlf.csv": ("\ufeff" + text.replace("\n", "\r\n")).encode(),  # a Windows re-export
        "utf16.csv": text.encode("utf-16"),
        "reordered.csv": "\n".join([header, *reversed(lines)]).encode() + b"\n",
    }
    for name, content in variants.items():
        (tmp_path / name).write_bytes(content)
        again, added = store.add(tmp_path / name)
        assert not added and again.batch_id == first.batch_id, name
    demo.write_parquet(tmp_path / "same.parquet")  # another format, the same records
    assert store.add(tmp_path / "same.parquet") == (first, False)
    demo.head(399).write_csv(tmp_path / "fewer.csv")  # one record fewer is other content
    assert store.add(tmp_path / "fewer.csv")[1]
    assert len(store.ids()) == 3  # the initial batch, plain.csv and fewer.csv


def test_a_state_folder_or_manifest_that_is_something_else_is_an_error_naming_it_never_an_empty_record(
    tmp_path, demo, capsys
):
    """A state folder path that is a file, a landing folder that is a file, a manifest that is a folder or is
    damaged: one error line naming the path, from every command (a listing, status, a write), never "nothing has
    run yet" or "no batch recorded", which would hide the batches there."""
    specs = str(DEMO_SPEC.parent)
    (tmp_path / "a_file").write_text("")
    for command in (["status"], ["batches", "covid_testing"], ["ingest-batch", "covid_testing", str(DEMO_CSV)]):
        assert main([*command, "--home", str(tmp_path / "a_file"), "--specs", specs]) == 1
        assert capsys.readouterr().err.strip().endswith(f"the state folder {tmp_path / 'a_file'} is not a folder "
                                                        "(check TWINFORGE_HOME or --home)")  # fmt: skip
    store = BatchStore(load_spec(DEMO_SPEC), StateLayout.at(tmp_path / "state").ensure())
    demo.write_csv(tmp_path / "b.csv")
    store.add(tmp_path / "b.csv")
    manifest = store.folder / "batches.json"
    good = manifest.read_text()
    home = ["--home", str(tmp_path / "state"), "--specs", specs]
    damaged = ['{"batches": [{"idx": "b1"}]}', '{"batches": [{"id": "b1', "{}", "[]"]
    for content in damaged:
        manifest.write_text(content)
        for command in (["batches", "covid_testing"], ["status", "covid_testing"]):
            assert main([*command, *home]) == 1
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and f"the batch manifest {manifest} is damaged or not twinforge's" in err
    manifest.unlink()
    manifest.mkdir()
    assert main(["batches", "covid_testing", *home]) == 1
    assert f"the batch manifest {manifest} is not a file" in capsys.readouterr().err
    manifest.rmdir()
    manifest.write_text(good)
    landing = store.folder.parent
    moved = landing.rename(tmp_path / "landing_aside")
    landing.write_text("")
    assert main(["batches", "covid_testing", *home]) == 1
    assert f"{landing} is not a folder" in capsys.readouterr().err
    landing.unlink()
    moved.rename(landing)
    assert main(["batches", "covid_testing", *home]) == 0


def test_the_landed_copy_is_the_content_that_was_hashed_and_checked(store, demo, tmp_path, monkeypatch):
    """Reproduced: ``add`` hashed the file, checked it, then copied it: rows a feed appended in between were
    landed unchecked, and the pipeline then refused the batch as "changed since it was recorded" forever."""
    from twinforge.io.ingest import file_sha256

    file = tmp_path / "feed.csv"
    demo.head(200).write_csv(file)
    checked = BatchStore.check

    def check_while_the_feed_appends(self, path, shown_as=None):
        counted = checked(self, path, shown_as)
        with open(file, "a") as feed:  # the writer goes on after the door has looked
            feed.write(demo.slice(200, 50).write_csv(include_header=False))
        return counted

    monkeypatch.setattr(BatchStore, "check", check_while_the_feed_appends)
    batch, added = store.add(file)
    assert added and file_sha256(batch.path) == batch.sha256
    assert ingest(store.spec, path=batch.path).rows_in == 200  # the rows checked, no more
    batch.check_unchanged(file_sha256(batch.path))  # the pipeline's check passes
    assert not any((store.folder / ".incoming").glob("*"))  # the staged copy was moved into place


def test_a_file_that_changes_while_it_is_copied_is_refused_as_still_being_written(store, demo, tmp_path, monkeypatch):
    import shutil

    file = tmp_path / "feed.csv"
    demo.head(200).write_csv(file)
    copy = shutil.copyfile

    def copy_while_the_feed_appends(source, target, **kwargs):
        done = copy(source, target, **kwargs)
        with open(file, "a") as feed:
            feed.write(demo.slice(200, 50).write_csv(include_header=False))
        return done

    monkeypatch.setattr(shutil, "copyfile", copy_while_the_feed_appends)
    with pytest.raises(
        BatchRejected, match=r"feed\.csv: not accepted as a batch of 'covid_testing': it changed while "
    ):
        store.add(file)
    assert store.ids() == ["initial"]
    assert not any((store.folder / ".incoming").glob("*"))


def test_a_reason_without_an_action_is_refused_not_dropped(store, capsys):
    """Reproduced: ``batches DATASET --reason ...`` without --withdraw/--approve/--reinstate listed and exited 0."""
    store.ensure_initial()
    args = ["batches", "covid_testing", "--reason", "consent withdrawn", "--home", str(store.layout.home),
            "--specs", str(DEMO_SPEC.parent)]  # fmt: skip
    with pytest.raises(SystemExit, match=r"--reason is recorded with --withdraw, --approve or --reinstate"):
        main(args)
    assert store.get("initial").status == ACTIVE and not store.get("initial").history


def test_a_copy_left_by_a_killed_add_is_removed_and_one_an_add_holds_is_kept(store, demo, tmp_path):
    """Reproduced: leftovers were told apart by the process id in their name, and in a container every add is
    process 1, always alive: the raw copy of a killed add stayed for good."""
    import fcntl
    import os

    incoming = store.folder / ".incoming"
    incoming.mkdir(parents=True)
    left = incoming / "1.killed.csv"  # an add killed after staging: no lock on it any more
    left.write_text("raw,rows\n")
    held = incoming / "1.working.csv"  # another add at work: it holds the lock
    held.write_text("raw,rows\n")
    handle = os.open(held, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        demo.head(200).write_csv(tmp_path / "feed.csv")
        assert store.add(tmp_path / "feed.csv")[1]
        assert not left.exists() and held.exists()
    finally:
        os.close(handle)
    assert sorted(p.name for p in incoming.iterdir()) == ["1.working.csv"]


def test_a_batch_held_because_its_columns_differ_is_not_released_by_an_approval(store, demo, tmp_path):
    # its columns differ from the other batches' after anonymization: an approved batch would make every retrain
    # fail at the split (batches of different columns), so only withdrawing it ends the hold
    from twinforge.monitoring.holds import column_set_changes

    demo.write_csv(tmp_path / "b1.csv")
    batch, _ = store.add(tmp_path / "b1.csv")
    reasons = column_set_changes(demo, demo.drop("age"))
    assert store.hold(batch.batch_id, reasons).status == HELD
    with pytest.raises(ValueError, match="columns differ from the other batches'.*no approval overrides"):
        store.approve(batch.batch_id)
    assert store.withdraw(batch.batch_id, "wrong columns").status == WITHDRAWN
