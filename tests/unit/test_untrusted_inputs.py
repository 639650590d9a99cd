"""Inputs a red team tried (2026-12-05): PII in integer, Enum and binary columns and in column names,
UTF-16 without a byte-order mark, nulls in one-column CSVs, durations, two writers of one file, and
reports written over files that were readable by others."""

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from tests.conftest import REPO, file_mode
from twinforge.cli import main
from twinforge.config.spec import SourceSpec
from twinforge.io.ingest import IngestError, ingest_source
from twinforge.io.permissions import write_private_text
from twinforge.io.tables import read_table, write_table_chunks
from twinforge.privacy.pii import detect_pii
from twinforge.privacy.pii.detect import PersonalDataInColumnName

N = 200
PHONES = [4155550100 + 37 * i for i in range(N)]  # valid North American numbers, written as integers
SSNS = [123_45_6789 + 1_00_0000 * (i % 90) + 13 * i for i in range(N)]
EMAILS = [f"person{i:03d}.doe@example.com" for i in range(N)]


def _entities(table: pl.DataFrame) -> dict[str, set[str]]:
    report = detect_pii(table)
    return {name: {f.entity for f in c.findings} for name, c in report.columns.items()}


def _all_text(folder) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".pt")


def test_phone_ssn_and_card_numbers_as_integers_are_found_by_content():
    cards = [int(c) for c in ("4111111111111111", "5500005555555559", "340000000000009", "6011000990139424")] * 50
    found = _entities(
        pl.DataFrame({"contact": PHONES, "ref": SSNS, "account": cards, "age": [30 + i % 40 for i in range(N)]})
    )
    assert found == {"contact": {"PHONE_NUMBER"}, "ref": {"US_SSN"}, "account": {"CREDIT_CARD"}, "age": set()}


def test_integers_that_only_look_long_are_not_personal_data():
    rng = np.random.default_rng(7)
    table = pl.DataFrame(
        {
            "epoch_seconds": rng.integers(1_500_000_000, 1_750_000_000, 2000),
            "epoch_millis": rng.integers(1_500_000_000_000, 1_750_000_000_000, 2000),
            "random_10_digit_id": rng.integers(1_000_000_000, 9_999_999_999, 2000),
            "random_9_digit_id": rng.integers(100_000_000, 999_999_999, 2000),
            "sequential_id": np.arange(100_000_000, 100_002_000),
            "cents": rng.integers(100_000, 99_999_999_999, 2000),
            "card_length_random": rng.integers(10**15, 10**16, 2000),
            "consecutive_9_digit_id": np.arange(500_000_000, 500_050_000, 25),
            "hour_key": [int(f"2024{1 + h // 744:02d}{1 + h // 24 % 31:02d}{h % 24:02d}") for h in range(2000)],
        }
    )
    assert all(not entities for entities in _entities(table).values())


def test_integer_phone_and_ssn_columns_never_reach_the_synthetic_data_or_model(tmp_path, capsys):
    source = tmp_path / "people.csv"
    pl.DataFrame({"contact": PHONES, "ref": SSNS, "age": [20 + i % 50 for i in range(N)]}).write_csv(source)
    out, model = tmp_path / "synthetic.csv", tmp_path / "model"
    args = ["synth", str(source), "--model", "copula", "--rows", "300", "--out", str(out), "--save-model", str(model)]
    assert main([*args, "--no-progress"]) == 0
    printed = capsys.readouterr()
    assert "contact                  drop" in printed.out and "ref                      drop" in printed.out
    assert read_table(out).columns == ["age"]
    written = _all_text(model) + out.read_text() + printed.out + printed.err
    assert not [v for v in PHONES + SSNS if str(v) in written]


def test_enum_and_binary_columns_are_read_as_text_and_inspected(tmp_path, capsys):
    source = tmp_path / "people.parquet"
    pl.DataFrame(
        {
            "contact": pl.Series(EMAILS).cast(pl.Enum(sorted(EMAILS))),
            "contact_bytes": [e.encode() for e in EMAILS],
            "plan": pl.Series(["basic", "pro"] * (N // 2)).cast(pl.Categorical),
            "age": [18 + i % 70 for i in range(N)],
        }
    ).write_parquet(source)
    read = ingest_source(SourceSpec(path=source))
    assert read.table.select("contact", "contact_bytes", "plan").dtypes == [pl.String] * 3
    out, model = tmp_path / "anon.parquet", tmp_path / "model"
    assert main(["anonymize", str(source), "--out", str(out)]) == 0
    assert read_table(out).columns == ["plan", "age"]
    args = ["synth", str(source), "--model", "copula", "--rows", "100", "--out", str(tmp_path / "s.csv")]
    assert main([*args, "--save-model", str(model), "--no-progress"]) == 0
    written = _all_text(model) + capsys.readouterr().out
    assert not [e for e in EMAILS if e in written]


def test_a_json_extension_column_is_read_as_its_text_and_inspected(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "contacts.parquet"
    contacts = [json.dumps({"mail": e}) for e in EMAILS]
    pq.write_table(pa.table({"contact": pa.array(contacts, type=pa.json_()), "n": list(range(N))}), source)
    assert ingest_source(SourceSpec(path=source)).table.schema["contact"] == pl.String
    out = tmp_path / "anon.parquet"
    assert main(["anonymize", str(source), "--out", str(out)]) == 0
    written = out.read_bytes().decode("latin-1")
    assert not [e for e in EMAILS if e in written]


def test_a_parquet_type_polars_cannot_read_is_refused_naming_the_file_and_column(tmp_path, capfd):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "views.parquet"
    contacts = pa.array([["Zebulon Quartermaine"], ["a", "b"]], type=pa.list_view(pa.string()))
    pq.write_table(pa.table({"amount": [1.0, 2.0], "contacts": contacts}), source)
    assert main(["anonymize", str(source), "--out", str(tmp_path / "out.parquet")]) == 1
    err = capfd.readouterr().err
    assert "views.parquet: column 2 ('contacts')" in err and "list_view" in err
    assert "panicked" not in err and "Zebulon" not in err


def test_a_struct_field_opening_up_to_another_columns_name_is_refused_naming_both(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "clash.parquet"
    table = pa.table({"address": [{"city": "Lyon"}, {"city": "Paris"}], "address.city": ["x", "y"], "n": [1, 2]})
    pq.write_table(table, source)
    with pytest.raises(
        IngestError, match=r"clash\.parquet: column 1 \('address'\) opens up to 'address\.city', the name of column 2"
    ):
        ingest_source(SourceSpec(path=source))


def test_values_of_a_type_detection_cannot_read_are_dropped_by_default():
    from twinforge.privacy.anonymize import resolve_policy

    table = pl.DataFrame({"blob": pl.Series([object()] * 3, dtype=pl.Object), "n": [1, 2, 3]})
    policy = resolve_policy(table, detection=detect_pii(table.select("n")))
    assert policy["blob"].action == "drop" and "cannot be inspected" in policy["blob"].reason
    assert policy["n"].action == "keep"


def test_binary_and_enum_leaves_inside_structs_and_lists_are_text_and_inspected(tmp_path):
    source = tmp_path / "nested.parquet"
    pl.DataFrame(
        {
            "who": [{"contact": e.encode(), "tier": "a"} for e in EMAILS],
            "aliases": [[e.encode()] for e in EMAILS],
            "visits": list(range(N)),
        }
    ).write_parquet(source)
    read = ingest_source(SourceSpec(path=source))
    assert read.table.schema["who"] == pl.Struct({"contact": pl.String, "tier": pl.String})
    assert read.table.schema["aliases"] == pl.List(pl.String)
    found = _entities(read.table.drop("_twinforge_row", strict=False))
    assert found["who.contact"] == {"EMAIL_ADDRESS"} and found["aliases"] == {"EMAIL_ADDRESS"}


def test_binary_that_is_not_text_is_refused_by_position_and_name_without_its_bytes(tmp_path):
    source = tmp_path / "blobs.parquet"
    pl.DataFrame({"age": [1, 2], "photo": [b"\xff\xd8\xff\xe0Zyxwv", b"\x89PNG"]}).write_parquet(source)
    with pytest.raises(IngestError, match=r"column 2 \('photo'\) holds binary data that is not UTF-8 text") as error:
        ingest_source(SourceSpec(path=source))
    assert "Zyxwv" not in str(error.value)


@pytest.mark.parametrize("codec, mark", [("utf-16-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe")])
def test_utf16_text_is_read_as_such_and_its_personal_data_found(tmp_path, codec, mark):
    text = "email,phone,age\n" + "".join(
        f"user{i}.smith@example.com,+1 415 555 {i:04d},{20 + i % 50}\n" for i in range(100)
    )
    utf8, utf16 = tmp_path / "utf8.csv", tmp_path / "utf16.csv"
    utf8.write_text(text)
    utf16.write_bytes(mark + text.encode(codec))
    read, control = ingest_source(SourceSpec(path=utf16)), ingest_source(SourceSpec(path=utf8))
    assert read.table.drop("_twinforge_row", "_twinforge_line", strict=False).equals(
        control.table.drop("_twinforge_row", "_twinforge_line", strict=False)
    )
    assert (read.rows_in, read.rows_quarantined) == (100, 0)
    assert _entities(read.table.select("email", "phone")) == {"email": {"EMAIL_ADDRESS"}, "phone": {"PHONE_NUMBER"}}


def test_utf16_and_utf32_that_do_not_decode_are_refused_naming_the_byte(tmp_path):
    damaged = tmp_path / "damaged.csv"
    damaged.write_bytes("name,age\nann,3\n".encode("utf-16-le") + b"x")
    with pytest.raises(IngestError, match=r"damaged.csv: not valid UTF-16-LE at byte 30"):
        ingest_source(SourceSpec(path=damaged))
    wide = tmp_path / "wide.csv"
    wide.write_bytes("name,age\nПривет,3\n".encode("utf-32"))
    assert ingest_source(SourceSpec(path=wide)).table["name"].to_list() == ["Привет"]
    cyrillic = tmp_path / "cyrillic.csv"
    cyrillic.write_bytes("name,age\nПривет,3\nМир,4\n".encode("utf-16-le"))
    assert ingest_source(SourceSpec(path=cyrillic)).table["name"].to_list() == ["Привет", "Мир"]


def test_a_stray_nul_in_utf8_is_a_bad_row_not_a_reason_to_read_utf16(tmp_path):
    source = tmp_path / "nul.csv"
    source.write_bytes(b"a,b\n1,2\n3,\x00\n5,6\n")
    read = ingest_source(SourceSpec(path=source))
    assert read.rows_in == 3 and read.table["a"].to_list()[0] == 1


def test_personal_data_in_a_column_name_stops_the_run_without_printing_it(tmp_path, capsys):
    source = tmp_path / "consents.jsonl"
    with source.open("w") as out:
        for i in range(60):
            out.write(json.dumps({"age": 20 + i % 40, "consent": {f"user{i}.doe@example.com": "opt_in"}}) + "\n")
    anonymized, synthetic = tmp_path / "anon.csv", tmp_path / "syn.csv"
    assert main(["anonymize", str(source), "--out", str(anonymized)]) != 0
    args = ["synth", str(source), "--model", "copula", "--rows", "60", "--out", str(synthetic)]
    assert main([*args, "--no-progress"]) != 0
    printed = capsys.readouterr()
    assert "column 2 of 61 has personal data in its name (EMAIL_ADDRESS)" in printed.err
    assert "@example.com" not in printed.out + printed.err
    assert not anonymized.exists() and not synthetic.exists()


def test_personal_data_in_a_name_is_refused_on_reading_even_without_anonymizing(tmp_path, capsys):
    header = tmp_path / "header.csv"
    header.write_text("age,ann.lee@example.com\n3,x\n")
    args = ["synth", str(header), "--model", "copula", "--rows", "10", "--out", str(tmp_path / "s.csv")]
    assert main([*args, "--no-anonymize", "--no-progress"]) != 0
    struct_field = tmp_path / "struct.parquet"
    pl.DataFrame({"age": [3], "consent": [{"bob@example.org": "yes"}]}).write_parquet(struct_field)
    with pytest.raises(IngestError, match=r"struct.parquet: column 2 of 2 has personal data in its name") as error:
        ingest_source(SourceSpec(path=struct_field))
    duplicated = tmp_path / "dupes.jsonl"  # a bad row's reason names no key
    duplicated.write_text('{"a": 1}\n{"carl@example.net": 1, "carl@example.net": 2}\n')
    with pytest.raises(IngestError, match=r"line 2 \(row 2\): has a key that appears twice") as dupe_error:
        ingest_source(SourceSpec(path=duplicated))
    printed = capsys.readouterr()
    assert "@example" not in printed.out + printed.err + str(error.value) + str(dupe_error.value)


def test_personal_data_in_a_key_inside_a_list_of_objects_is_refused_naming_the_file(tmp_path, capsys):
    feed = tmp_path / "feed.jsonl"  # keys inside an array's objects become columns only once opened up
    with feed.open("w") as out:
        for i in range(60):
            log = [{"dana.fox@example.com": "x"}] if i == 17 else [{"note": "ok"}]
            out.write(json.dumps({"age": 20 + i % 40, "result": "pos", "log": log}) + "\n")
    assert main(["anonymize", str(feed), "--out", str(tmp_path / "anon.parquet")]) == 1
    printed = capsys.readouterr()
    assert f"error: {feed}: column 4 of 4 has personal data in its name (EMAIL_ADDRESS)" in printed.err
    assert "@example" not in printed.out + printed.err
    duckdb = pytest.importorskip("duckdb")
    database = tmp_path / "structs.duckdb"
    with duckdb.connect(str(database)) as conn:  # a database's struct column, opened up the same way
        conn.execute("""CREATE TABLE t AS SELECT 3 AS age, [{'eve.ray@example.org': 1}] AS log""")
    with pytest.raises(IngestError, match=r"structs.duckdb: column 2 of 2 has personal data in its name") as error:
        ingest_source(SourceSpec(path=database, table="t"))
    assert "@example" not in str(error.value)


def test_column_names_without_personal_data_pass():
    with pytest.raises(PersonalDataInColumnName, match="column 3 of 3"):
        detect_pii(pl.DataFrame({"Q1_2021": [1], "phone_number": ["x"], "+44 20 7946 0958": [2]}))
    names = ["Q1_2021", "phone_number", "2021-01-05", "var_12345", "10.0.0.0/8 traffic", "host 192.168.100.200"]
    detect_pii(pl.DataFrame({name: [1] for name in names}))
    # a public address without three digits in a row is one too (8.8.8.8 names a host on the internet)
    with pytest.raises(PersonalDataInColumnName, match="column 2 of 2"):
        detect_pii(pl.DataFrame({"visits": [1], "from 8.8.4.4": [2]}))


def test_a_blank_line_in_a_one_column_csv_is_a_null_record(tmp_path):
    written = tmp_path / "written.csv"
    pl.DataFrame({"score": [1, None, 3, None, None]}).write_csv(written)  # polars writes the nulls as blank lines
    read = ingest_source(SourceSpec(path=written))
    assert (read.rows_in, read.rows_out, read.rows_quarantined) == (5, 5, 0)
    assert read.table["score"].to_list() == [1, None, 3, None, None]
    two_columns = tmp_path / "two.csv"
    two_columns.write_text("a,b\n1,2\n\n3,4\n")  # there a blank line is not a record
    assert ingest_source(SourceSpec(path=two_columns)).rows_in == 2


def test_anonymize_output_of_one_column_with_nulls_reads_back_whole(tmp_path, capsys):
    source = tmp_path / "in.csv"
    pl.DataFrame({"email": EMAILS[:100], "score": [None if i % 5 == 0 else i for i in range(100)]}).write_csv(source)
    first, second = tmp_path / "once.csv", tmp_path / "twice.csv"
    assert main(["anonymize", str(source), "--out", str(first)]) == 0
    assert main(["anonymize", str(first), "--out", str(second)]) == 0
    printed = capsys.readouterr()
    assert "100 rows in (101 lines), 100 out, 0 quarantined" in printed.out + printed.err
    assert read_table(second).height == 100


def test_a_duration_column_is_anonymized_and_synthesized(tmp_path):
    source = tmp_path / "waits.parquet"
    pl.DataFrame(
        {"wait": [timedelta(minutes=5 * (i % 50)) for i in range(N)], "age": [18 + i % 70 for i in range(N)]}
    ).write_parquet(source)
    assert main(["anonymize", str(source), "--out", str(tmp_path / "anon.parquet")]) == 0
    args = ["synth", str(source), "--model", "copula", "--rows", "50", "--out", str(tmp_path / "s.parquet")]
    assert main([*args, "--no-progress"]) == 0
    assert read_table(tmp_path / "anon.parquet").height == N


def test_control_characters_in_names_reach_the_terminal_escaped(tmp_path, capsys):
    # a column name can retitle the terminal (OSC), clear it (CSI), or write the clipboard (OSC 52)
    name = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202ecolour"
    source = tmp_path / "in.csv"
    pl.DataFrame({"x": list(range(100)), name: [f"a{i % 3}" for i in range(100)]}).write_csv(source)
    assert main(["synth", str(source), "--rows", "10", "--out", str(tmp_path / "s.csv"), "--no-progress"]) == 0
    assert main(["anonymize", str(source), "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["synth", str(tmp_path / "m\x1b[2Jissing.csv"), "--rows", "1", "--out", str(tmp_path / "t.csv")]) == 1
    shown = capsys.readouterr()
    for text in (shown.out, shown.err):
        assert not any(c in text for c in "\x1b\x07\x9b\u202e")
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202ecolour" in shown.out
    assert "m\\x1b[2Jissing.csv" in shown.err


def test_two_writers_of_one_path_each_write_a_whole_file_and_the_last_wins(tmp_path):
    path = tmp_path / "out.csv"
    frame = pl.DataFrame({"a": list(range(1000))})

    def first_writer():
        yield frame
        # the second writer starts, writes and finishes while the first is half done
        write_table_chunks(iter([frame.with_columns(pl.col("a") + 10_000)] * 3), path)
        assert pl.read_csv(path).height == 3000
        yield frame

    assert write_table_chunks(first_writer(), path) == 2000
    assert pl.read_csv(path)["a"].to_list() == list(range(1000)) * 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_writers_at_once_on_threads_never_tear_a_file(tmp_path):
    path = tmp_path / "out.parquet"
    start = threading.Barrier(4)
    errors = []

    def write(k):
        try:
            start.wait()
            write_table_chunks((pl.DataFrame({"writer": [k] * 500, "i": list(range(500))}) for _ in range(20)), path)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    table = pl.read_parquet(path)
    assert table.height == 10_000 and table["writer"].n_unique() == 1


def test_a_table_written_over_a_readable_file_or_through_a_link_is_owner_only(tmp_path, umask_022):
    target, link = tmp_path / "real.parquet", tmp_path / "link.parquet"
    target.write_text("old")
    os.chmod(target, 0o644)
    link.symlink_to(target)
    assert write_table_chunks([pl.DataFrame({"a": [1, 2]})] * 2, link) == 4
    assert link.is_symlink() and read_table(target).height == 4 and file_mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.parquet", "real.parquet"]


def test_a_write_killed_midway_leaves_a_partial_file_that_the_next_write_of_that_file_removes(tmp_path):
    # a writer killed mid-write (SIGKILL runs no cleanup) leaves its temporary file; only the writer's
    # process id, in the name, tells a dead writer's file from that of a writer still at work
    path = tmp_path / "out.parquet"
    script = (
        "import os, sys, polars as pl\n"
        "from twinforge.io.tables import write_table_chunks\n"
        "def chunks():\n"
        "    yield pl.DataFrame({'a': [1]})\n"
        "    os.kill(os.getpid(), 9)\n"
        "    yield pl.DataFrame({'a': [2]})\n"
        f"write_table_chunks(chunks(), {str(path)!r})\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(REPO)})
    assert killed.returncode == -9
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".out.parquet.") and left.name.endswith(".partial")
    alive = tmp_path / f".out.parquet.{os.getpid()}.busy.partial"  # a writer of this process, still at work
    alive.write_bytes(b"half")
    # another file's (its name starts with this one's), and a name no writer gives
    others = [
        tmp_path / ".out.parquet.999999999.csv.1.x.partial",
        tmp_path / ".out.parquet.notes.partial",
        tmp_path / f".out.parquet.{'9' * 30}.x.partial",
    ]
    for other in others:
        other.write_bytes(b"half")
    write_table_chunks([pl.DataFrame({"a": [3]})], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, *(o.name for o in others), path.name])


@pytest.mark.parametrize(("signal_name", "status"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_synth_stopped_by_a_signal_removes_its_partial_output_and_says_so(tmp_path, signal_name, status):
    # timeout, docker stop, CI cancellation send SIGTERM; Ctrl-C sends SIGINT
    import signal
    import time

    source, out = tmp_path / "in.csv", tmp_path / "out" / "twin.parquet"
    out.parent.mkdir()
    pl.DataFrame({"region": ["a", "b", "c", "d"] * 100, "qty": list(range(400))}).write_csv(source)
    args = ["synth", str(source), "--model", "copula", "--rows", "100000000", "--out", str(out), "--no-progress"]
    command = [sys.executable, "-c", "import sys; from twinforge.cli import main; sys.exit(main(sys.argv[1:]))", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TWINFORGE_HOME": str(tmp_path / "state")}
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.parent.glob(".*.partial")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert list(out.parent.glob(".*.partial")), "sampling never started writing"
    run.send_signal(getattr(signal, signal_name))
    _, err = run.communicate(timeout=60)
    assert run.returncode == status
    assert list(out.parent.iterdir()) == []
    assert "Traceback" not in err and "stopped" in err


def test_a_table_too_large_for_the_free_disk_space_stops_after_its_first_chunk(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    written_chunks = []

    def chunks():
        for k in range(1000):
            written_chunks.append(k)
            yield pl.DataFrame({"a": list(range(k * 1000, (k + 1) * 1000)), "b": ["x" * 20] * 1000})

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10**9, 10**9 - 2_000_000, 2_000_000))  # 2 MB
    path = tmp_path / "twin.parquet"
    with pytest.raises(ValueError, match=r"twin\.parquet: 1,000,000 rows would take about .* MB .* 2\.0 MB are free"):
        write_table_chunks(chunks(), path, expected_rows=1_000_000)
    assert len(written_chunks) <= 2 and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert write_table_chunks(chunks(), path, expected_rows=1_000_000) == 1_000_000


def test_a_private_write_follows_a_link_and_writes_a_device_in_place(tmp_path, umask_022):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    write_private_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new" and file_mode(target) == 0o600
    write_private_text("/dev/null", "nothing")  # not a regular file: written in place, never replaced
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_saved_model_files_replace_older_ones_readable_by_others(tmp_path, umask_022):
    from tests.planted import mixed_table
    from twinforge.generators import create_generator
    from twinforge.io.schema import infer_schema

    mixed = mixed_table()
    model = create_generator("copula").fit(mixed, infer_schema(mixed))
    model.save(tmp_path / "m")
    for path in (tmp_path / "m").iterdir():
        os.chmod(path, 0o644)
    model.save(tmp_path / "m")
    assert {p.name: file_mode(p) for p in (tmp_path / "m").iterdir()} == {
        p.name: 0o600 for p in (tmp_path / "m").iterdir()
    }


def test_a_report_written_over_a_file_others_could_read_becomes_owner_only(tmp_path, umask_022):
    old = tmp_path / "report.json"
    old.write_text("{}")
    os.chmod(old, 0o644)
    write_private_text(old, '{"rows": 1}')
    assert file_mode(old) == 0o600 and old.read_text() == '{"rows": 1}'
    source = tmp_path / "in.csv"
    pl.DataFrame({"email": EMAILS[:60], "visits": [i % 7 for i in range(60)]}).write_csv(source)
    os.chmod(old, 0o644)
    assert main(["anonymize", str(source), "--out", str(tmp_path / "o.csv"), "--report", str(old)]) == 0
    assert file_mode(old) == 0o600 and json.loads(old.read_text())["rows"]["in"] == 60
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_anonymize_says_so_when_the_policy_drops_every_column(tmp_path, capsys):
    source = tmp_path / "in.csv"
    pl.DataFrame({"email": EMAILS[:60], "phone": [f"+1 415 555 {i:04d}" for i in range(60)]}).write_csv(source)
    assert main(["anonymize", str(source), "--out", str(tmp_path / "o.csv")]) == 1
    assert "the policy dropped every column (see above)" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_a_reader_that_goes_away_stops_the_command_without_a_traceback(tmp_path):
    import subprocess
    import sys

    source = tmp_path / "in.csv"
    pl.DataFrame({"email": EMAILS, "visits": [i % 7 for i in range(N)]}).write_csv(source)
    command = [sys.executable, "-m", "twinforge.cli", "anonymize", str(source), "--out", str(tmp_path / "o.csv")]
    unbuffered = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each print reaches the pipe at once
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=unbuffered)
    proc.stdout.close()  # the reader is gone before the first line, as after `| head -0`
    _, errors = proc.communicate(timeout=120)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors and proc.returncode == 141
