import os

import numpy as np
import polars as pl
import pytest

from twinforge import Synthesizer
from twinforge.cli import main
from twinforge.io.tables import read_table, table_format, write_table


@pytest.fixture
def small_table() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
            "channel": rng.choice(["web", "shop", "phone"], n),
            "fraud": rng.integers(0, 2, n),
        }
    )


@pytest.mark.parametrize(("source", "target"), [("in.csv", "out.parquet"), ("in.parquet", "out.csv.gz")])
def test_synth_end_to_end(small_table, tmp_path, capsys, source, target):
    write_table(small_table, tmp_path / source)
    status = main(
        [
            "synth",
            str(tmp_path / source),
            "--rows",
            "250",
            "--out",
            str(tmp_path / target),
            "--seed",
            "4",
            "--identifier",
            "id",
        ]
    )
    assert status == 0
    synthetic = read_table(tmp_path / target)
    assert synthetic.height == 250
    assert synthetic.schema == small_table.drop("id").schema
    progress = capsys.readouterr().err
    for line in ("reading", "400 rows x 4 columns", "fitting copula", f"sampling 250 rows into {tmp_path / target}"):
        assert line in progress


def test_synth_writes_large_samples_chunk_by_chunk(small_table, tmp_path):
    """The rows go to Parquet a chunk (a row group) at a time as they are made, and are exactly the rows the
    saved model samples in one piece."""
    import pyarrow.parquet as pq

    from twinforge.generators.base import SAMPLE_CHUNK_ROWS
    from twinforge.synthesizer import Synthesizer

    write_table(small_table, tmp_path / "in.csv")
    rows = 2 * SAMPLE_CHUNK_ROWS + 123
    out, model = tmp_path / "out.parquet", tmp_path / "model"
    args = ["synth", str(tmp_path / "in.csv"), "--rows", str(rows), "--out", str(out), "--identifier", "id"]
    assert main([*args, "--save-model", str(model), "--no-progress"]) == 0
    assert pq.ParquetFile(out).metadata.num_row_groups == 3
    assert read_table(out).equals(Synthesizer.load(model).sample(rows))


def test_synth_saves_a_loadable_model(small_table, tmp_path):
    write_table(small_table, tmp_path / "in.csv")
    out, model = tmp_path / "out.csv", tmp_path / "model"
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "50", "--out", str(out), "--save-model", str(model)]) == 0
    # Same default seed: the saved model reproduces the written sample.
    assert Synthesizer.load(model).sample(50).equals(read_table(out))


def test_synth_errors_name_the_file(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.csv")
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "out.xlsx")]) == 1
    assert "out.xlsx" in capsys.readouterr().err
    assert main(["synth", str(tmp_path / "missing.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv")]) == 1
    assert "missing.csv" in capsys.readouterr().err
    (tmp_path / "in.json").write_text("{}")
    assert main(["synth", str(tmp_path / "in.json"), "--rows", "5", "--out", str(tmp_path / "o.csv")]) == 1
    assert "in.json" in capsys.readouterr().err
    unknown_model = ["--model", "wavelet", "--out", str(tmp_path / "o.csv")]
    assert main(["synth", str(tmp_path / "in.csv"), "--rows", "5", *unknown_model]) == 1
    assert "'wavelet'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["synth", str(tmp_path / "in.csv"), "--rows", "0", "--out", str(tmp_path / "o.csv")])
    # a folder given as the table is called a folder, for synth and anonymize alike
    (tmp_path / "a_folder").mkdir()
    assert main(["synth", str(tmp_path / "a_folder"), "--rows", "5", "--out", str(tmp_path / "o.csv")]) == 1
    assert "a_folder is a folder" in capsys.readouterr().err
    assert main(["anonymize", str(tmp_path / "a_folder"), "--out", str(tmp_path / "o.csv")]) == 1
    assert "a_folder is a folder" in capsys.readouterr().err


def test_table_formats_by_extension(small_table, tmp_path):
    names = ("a.csv", "A.CSV.GZ", "b.parquet", "c.pq")
    assert [table_format(n) for n in names] == ["csv", "csv.gz", "parquet", "parquet"]
    with pytest.raises(ValueError, match="data.txt"):
        table_format("data.txt")
    for name in ("t.csv", "t.csv.gz", "t.parquet", "nested/dir/t.pq"):
        write_table(small_table, tmp_path / name)
        assert read_table(tmp_path / name).equals(small_table), name
    with pytest.raises(FileNotFoundError, match="absent.parquet"):
        read_table(tmp_path / "absent.parquet")


def test_csv_dates_are_read_as_dates(tmp_path):
    dated = pl.DataFrame({"day": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, 5), eager=True), "n": range(5)})
    write_table(dated, tmp_path / "dated.csv.gz")
    assert read_table(tmp_path / "dated.csv.gz").equals(dated)


def test_anonymize_command_detects_applies_and_reports(tmp_path, capsys, monkeypatch):
    import json

    from tests.planted import planted_table

    table, values = planted_table(n=120)
    table.write_csv(tmp_path / "in.csv")
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out, report = tmp_path / "out.parquet", tmp_path / "report.json"
    assert main(["anonymize", str(tmp_path / "in.csv"), "--out", str(out), "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "contact                  EMAIL_ADDRESS   column" in printed
    assert "notes                    mask" in printed
    anonymized = read_table(out)
    assert anonymized.height == 120 and "email" not in anonymized.columns
    written = report.read_text()
    assert json.loads(written)["rows"] == {"in": 120, "out": 120, "quarantined": 0}
    assert not [v for v in values["email"] + values["notes"] if v in written + printed]


def test_anonymize_sets_bad_rows_aside_from_the_command_line(tmp_path, capsys, monkeypatch):
    import json

    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    rows = [f"{i},{20 + i % 50},{'x9Q' if i == 7 else 1000 + i}" for i in range(60)]
    (tmp_path / "in.csv").write_text("id,age,income\n" + "\n".join(rows) + "\n")
    out, report = tmp_path / "out.parquet", tmp_path / "report.json"
    # by default a bad row stops the run, and the message says how to set it aside
    assert main(["anonymize", str(tmp_path / "in.csv"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "line 9 (row 8), column 'income'" in err and "--on-bad-rows quarantine" in err and "x9Q" not in err
    assert not out.exists()
    for switch in (["--on-bad-rows", "quarantine"], ["--quarantine", str(tmp_path / "q.parquet")]):
        args = ["anonymize", str(tmp_path / "in.csv"), "--out", str(out), "--report", str(report), *switch]
        assert main(args) == 0, switch
        assert json.loads(report.read_text())["rows"] == {"in": 60, "out": 59, "quarantined": 1}
        assert read_table(out).height == 59
    assert read_table(tmp_path / "q.parquet").height == 1  # --quarantine FILE also writes the row there


def test_a_tsv_file_is_read_as_tab_separated(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    rows = [f"{i}\t{20 + i % 50}\tplan {i % 3}" for i in range(60)]
    (tmp_path / "in.tsv").write_text("id\tage\tplan\n" + "\n".join(rows) + "\n")
    assert main(["anonymize", str(tmp_path / "in.tsv"), "--out", str(tmp_path / "out.parquet")]) == 0
    out = read_table(tmp_path / "out.parquet")
    assert out.height == 60 and {"age", "plan"} <= set(out.columns)


def test_anonymize_command_with_a_spec(tmp_path, capsys, monkeypatch):
    from tests.conftest import DEMO_CSV, DEMO_SPEC

    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "out.csv"
    assert main(["anonymize", str(DEMO_CSV), "--out", str(out), "--spec", str(DEMO_SPEC)]) == 1
    assert "TWINFORGE_PSEUDONYM_KEY is not set" in capsys.readouterr().err  # the spec pseudonymizes subject_id
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    assert main(["anonymize", str(DEMO_CSV), "--out", str(out), "--spec", str(DEMO_SPEC)]) == 0
    printed = capsys.readouterr().out
    assert "k-anonymity over ['age', 'gender']: smallest class 1" in printed
    written = read_table(out)
    assert "k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs" not in out.read_text() and "fake_last_name" not in written.columns
    assert written["subject_id"].str.len_chars().min() == 64


def population(n: int, seed: int) -> pl.DataFrame:
    """More rows like ``small_table``'s, drawn afresh: what an ideal generator would produce."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
            "channel": rng.choice(["web", "shop", "phone"], n),
            "fraud": rng.integers(0, 2, n),
        }
    )


@pytest.fixture
def evaluation_inputs(small_table, tmp_path, one_thread):
    paths = {name: tmp_path / f"{name}.parquet" for name in ("train", "holdout", "copy", "fresh")}
    write_table(small_table, paths["train"])
    write_table(population(400, 1), paths["holdout"])
    write_table(small_table.drop("id"), paths["copy"])
    write_table(population(400, 2).drop("id"), paths["fresh"])
    return paths


def _evaluate_args(paths, synthetic, tmp_path, *extra):
    return [
        "evaluate",
        "--train",
        str(paths["train"]),
        "--holdout",
        str(paths["holdout"]),
        "--synthetic",
        str(paths[synthetic]),
        "--identifier",
        "id",
        "--html",
        str(tmp_path / "out.html"),
        "--json",
        str(tmp_path / "out.json"),
        *extra,
    ]


def test_evaluate_writes_html_and_json_and_exits_zero_on_either_verdict(evaluation_inputs, tmp_path, capsys):
    import json

    for synthetic, verdict in (("fresh", True), ("copy", False)):
        assert main(_evaluate_args(evaluation_inputs, synthetic, tmp_path, "--target", "fraud")) == 0
        report = json.loads((tmp_path / "out.json").read_text())
        assert report["passed"] is verdict, [n for n, g in report["gates"].items() if not g["passed"]]
        assert {"threshold", "value", "passed", "margin"} <= set(report["gates"]["privacy_dcr"])
        assert report["utility"]["target"] == "fraud" and "utility_tstr" in report["gates"]
        out = capsys.readouterr().out
        assert f"gates: {'PASSED' if verdict else 'FAILED'}" in out and "privacy_dcr" in out
        assert '<section id="privacy">' in (tmp_path / "out.html").read_text()
    assert not report["gates"]["privacy_exact_matches"]["passed"]  # the copy


def test_the_shareable_report_withholds_a_path_whose_name_holds_personal_data(evaluation_inputs, tmp_path):
    """A training file named by an e-mail address: the HTML report (meant for sharing) names no such path, as
    ``ingest-batch`` refuses such names; other paths are shown."""
    named = tmp_path / "ann.lee@example.com"
    named.mkdir()
    paths = {**evaluation_inputs, "train": named / "train.parquet"}
    evaluation_inputs["train"].rename(paths["train"])
    assert main(_evaluate_args(paths, "fresh", tmp_path)) == 0
    page = (tmp_path / "out.html").read_text()
    assert "ann.lee" not in page and "a path withheld: its name holds personal data" in page
    assert str(paths["holdout"]) in page


def test_evaluate_without_target_has_no_utility_gate(evaluation_inputs, tmp_path):
    import json

    assert main(_evaluate_args(evaluation_inputs, "fresh", tmp_path)) == 0
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["utility"] is None and "utility_tstr" not in report["gates"]


def test_evaluate_bad_input_exits_one_naming_the_problem(evaluation_inputs, tmp_path, capsys):
    paths = dict(evaluation_inputs, missing=tmp_path / "nope.parquet")
    assert main(_evaluate_args(paths, "missing", tmp_path)) == 1
    assert "nope.parquet" in capsys.readouterr().err
    assert main(_evaluate_args(paths, "fresh", tmp_path, "--target", "colour")) == 1
    assert "'colour'" in capsys.readouterr().err
    text_amounts = pl.read_parquet(paths["fresh"]).with_columns(pl.col("amount").cast(pl.String))
    text_amounts.write_parquet(paths["fresh"])
    assert main(_evaluate_args(paths, "fresh", tmp_path)) == 1
    assert "synthetic column 'amount'" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_synth_with_conditions_rebalance_and_model_params(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.parquet")
    base = ["synth", str(tmp_path / "in.parquet"), "--identifier", "id", "--no-progress"]
    assert main([*base, "--rows", "120", "--out", str(tmp_path / "web.csv"), "--condition", "channel=web"]) == 0
    assert (read_table(tmp_path / "web.csv")["channel"] == "web").all()

    out = tmp_path / "balanced.parquet"
    args = ["--model", "transformer", "--epochs", "2", "--param", "d_model=32", "--rebalance", "fraud=1:0.8"]
    assert main([*base, "--rows", "500", "--out", str(out), *args]) == 0
    assert (read_table(out)["fraud"] == 1).sum() == 400
    assert "fitting transformer" in capsys.readouterr().err


def test_synth_time_budget_ends_training_and_is_saved_with_the_model(small_table, tmp_path):
    write_table(small_table, tmp_path / "in.parquet")
    out, model = tmp_path / "out.parquet", tmp_path / "model"
    args = ["synth", str(tmp_path / "in.parquet"), "--identifier", "id", "--no-progress", "--rows", "50"]
    args += ["--model", "vae", "--epochs", "40", "--max-fit-seconds", "0.000001", "--out", str(out)]
    assert main([*args, "--save-model", str(model)]) == 0
    generator = Synthesizer.load(model).generator
    assert generator.params["max_fit_seconds"] == 1e-6
    assert generator.fit_summary["stopped_by"] == "time budget" and generator.fit_summary["epochs_run"] == 1
    assert read_table(out).height == 50
    with pytest.raises(SystemExit):  # not a positive number of seconds
        main([*args[:-2], "--max-fit-seconds", "0", "--out", str(out)])


def test_synth_reports_bad_params_and_conditions(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.csv")
    base = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    assert main([*base, "--model", "vae", "--param", "wings=2"]) == 1
    assert "model 'vae' has no parameter wings" in capsys.readouterr().err
    assert main([*base, "--condition", "channel=fax"]) == 1
    assert "condition channel='fax' cannot be met" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--rebalance", "fraud=1"])


@pytest.mark.parametrize(
    ("option", "values", "message"),
    [
        ("--condition", ["channel=web", "channel=branch"], "--condition names column 'channel' twice"),
        ("--condition", ["channel=web", "channel="], "--condition names column 'channel' twice"),
        ("--param", ["batch_size=64", "batch_size=128"], "--param names parameter 'batch_size' twice"),
    ],
    ids=["condition-two-values", "condition-value-and-null", "param-twice"],
)
def test_synth_refuses_an_option_naming_one_column_or_parameter_twice(
    small_table, tmp_path, capsys, option, values, message
):
    """Reproduced: ``--condition group=a --condition group=b`` sampled only group b, without a word."""
    write_table(small_table, tmp_path / "in.csv")
    base = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    with pytest.raises(SystemExit) as stop:
        main([*base, *[a for v in values for a in (option, v)]])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in err, err
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        (["fraud=1:0.3", "channel=web:0.5"], "--rebalance is given twice ('fraud', then 'channel')"),
        (["fraud=1:0.3", "fraud=0:0.5"], "--rebalance is given twice ('fraud', then 'fraud')"),
        (["fraud=1:0.2,1:0.4"], "level '1' is given twice"),
        (["channel=:0.5"], "an empty level in 'channel=:0.5'"),
    ],
    ids=["two-columns", "one-column-twice", "level-twice", "empty-level"],
)
def test_synth_refuses_a_rebalance_request_it_would_drop(small_table, tmp_path, capsys, requests, message):
    write_table(small_table, tmp_path / "in.csv")
    base = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    with pytest.raises(SystemExit) as stop:
        main([*base, *[a for r in requests for a in ("--rebalance", r)]])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in err, err
    assert not (tmp_path / "o.csv").exists()


def test_evaluate_strict_exits_two_when_a_gate_fails_and_zero_when_all_pass(evaluation_inputs, tmp_path, capsys):
    # the copy of the training rows fails the exact-match gate; fresh rows from the population pass
    assert main(_evaluate_args(evaluation_inputs, "copy", tmp_path, "--strict")) == 2
    err = capsys.readouterr().err
    assert "gates failed:" in err and "privacy_exact_matches" in err and "--strict" in err
    assert (tmp_path / "out.json").is_file()  # the report is still written for the CI log
    assert main(_evaluate_args(evaluation_inputs, "fresh", tmp_path, "--strict")) == 0


def test_anonymize_command_inspects_nested_columns(tmp_path, capsys, monkeypatch):
    from tests.unit.test_anonymize import nested_table

    table, planted = nested_table()
    table.write_parquet(tmp_path / "in.parquet")
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "out.parquet"
    assert main(["anonymize", str(tmp_path / "in.parquet"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "subject.email            EMAIL_ADDRESS   column" in printed
    assert "relatives                PERSON          column" in printed
    raw = out.read_bytes()
    assert not [v for v in planted if v.encode() in raw]
    assert read_table(out).height == table.height


@pytest.mark.parametrize(
    "command", [["-m", "twinforge.cli"], ["-c", "import sys; from twinforge.cli import main; sys.exit(main())"]]
)
def test_the_cli_starts_as_a_module_and_as_the_entry_point(command):
    # `python -m twinforge.cli` runs the module top to bottom: every helper the parser uses must be defined
    # before the __main__ guard, which the console script (an import) never notices
    import subprocess
    import sys

    done = subprocess.run([sys.executable, *command, "synth", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--dp-epsilon" in done.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["anonymize", "{real}", "--out", "{real}"],
        ["anonymize", "{real}", "--out", "{dir}/x.csv", "--quarantine", "{real}"],
        ["anonymize", "{real}", "--out", "{dir}/x.csv", "--report", "{dir}/./real.csv"],
        ["anonymize", "{real}", "--out", "{dir}/x.csv", "--quarantine", "{dir}/x.csv"],
        ["synth", "{real}", "--rows", "50", "--out", "{link}"],
        ["evaluate", "--train", "{real}", "--holdout", "{real}", "--synthetic", "{real}", "--json", "{real}"],
    ],
)
def test_an_output_never_replaces_an_input_or_another_output(small_table, tmp_path, capsys, command):
    real = tmp_path / "real.csv"
    write_table(small_table, real)
    (tmp_path / "link.csv").symlink_to(real)  # the same file by another name
    before = real.read_bytes()
    argv = [part.format(real=real, dir=tmp_path, link=tmp_path / "link.csv") for part in command]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "is also" in err and "nothing was written" in err
    assert real.read_bytes() == before
    assert not (tmp_path / "x.csv").exists()


def test_synth_refuses_a_condition_or_rebalance_on_a_missing_column_before_fitting(small_table, tmp_path, capsys):
    write_table(small_table, tmp_path / "in.csv")
    base = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    assert main([*base, "--rebalance", "nosuch=a:0.5", "--condition", "other=x"]) == 1
    err = capsys.readouterr().err
    assert "--condition other=, --rebalance nosuch=: no such column in" in err and "fitting" not in err


@pytest.mark.parametrize(
    ("command", "output"),
    [
        (["evaluate", "--train", "{d}/train.csv", "--holdout", "{d}/hold.csv", "--synthetic", "{d}/syn.csv",
          "--html"], "ro/r.html"),
        (["evaluate", "--train", "{d}/train.csv", "--holdout", "{d}/hold.csv", "--synthetic", "{d}/syn.csv",
          "--html", "{d}/ok.html", "--json"], "ro/r.json"),  # a writable output first: it is not written either
        (["anonymize", "{d}/train.csv", "--out", "{d}/ok.csv", "--report"], "ro/r.json"),
        (["synth", "{d}/train.csv", "--rows", "10", "--out", "{d}/ok.csv", "--no-progress", "--save-model"],
         "ro/model"),
        (["synth", "{d}/train.csv", "--rows", "10", "--out", "{d}/ok.csv", "--no-progress", "--save-model"],
         "ro/new/model"),  # a folder to make in one the user may not write
    ],
)  # fmt: skip
def test_an_output_the_user_may_not_write_stops_the_command_before_any_work(small_table, tmp_path, command, output):
    from tests.conftest import run_cli_as_a_user

    for name, rows in (("train", small_table[:200]), ("hold", small_table[200:300]), ("syn", small_table[300:])):
        write_table(rows, tmp_path / f"{name}.csv")
    (tmp_path / "ro").mkdir(mode=0o555)
    try:
        done = run_cli_as_a_user([*(part.format(d=tmp_path) for part in command), str(tmp_path / output)])
    finally:
        (tmp_path / "ro").chmod(0o700)
    name = command[0]
    # one line, before reading or fitting anything, and no output written (the --out twin without its model)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.splitlines() == [
        f"twinforge {name}: error: could not write {tmp_path / output} (permission denied): nothing was written"
    ]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("ok")]
    assert list((tmp_path / "ro").iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="making another user's files needs root (chown)")
def test_another_users_file_in_a_sticky_folder_stops_the_command_before_any_work(small_table, tmp_path):
    """In a sticky folder (``/tmp``) only a file's owner may replace it, whatever the folder's write bits: the
    check that a temporary file can be made there passes, the replace after the fit would not."""
    from tests.conftest import run_cli_as_a_user

    write_table(small_table, tmp_path / "in.csv")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    other = 4242  # a user id that is neither this process's nor the folder's owner
    (shared / "twin.csv").write_text("theirs\n")
    (shared / "model").mkdir()
    (shared / "model" / "model.json").write_text("{}")
    (shared / "model").chmod(0o1777)
    for path in (shared / "twin.csv", shared / "model" / "model.json"):
        os.chown(path, other, other)
    os.chown(shared, other, other)
    os.chown(shared / "model", other, other)
    # a model folder of one's own whose description is a link to another user's file in the sticky folder
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "synthesizer.json").symlink_to(shared / "twin.csv")
    synth = ["synth", str(tmp_path / "in.csv"), "--rows", "10", "--no-progress"]
    for argv, refused in (
        ([*synth, "--out", str(shared / "twin.csv")], shared / "twin.csv"),
        (
            [*synth, "--out", str(tmp_path / "ok.csv"), "--save-model", str(shared / "model")],
            shared / "model" / "model.json",
        ),
        (
            [*synth, "--out", str(tmp_path / "ok.csv"), "--save-model", str(tmp_path / "linked")],
            shared / "twin.csv",
        ),
    ):
        done = run_cli_as_a_user(argv)
        assert done.returncode == 1, done.stderr[-2000:]
        assert done.stderr.splitlines() == [
            f"twinforge synth: error: could not write {refused} (operation not permitted: another user's file in a "
            "sticky folder): nothing was written"
        ]
    assert (shared / "twin.csv").read_text() == "theirs\n" and not (tmp_path / "ok.csv").exists()
    # another user's leftover temporary file of the same output (its writer gone) is left there, in no one's way
    leftover = shared / ".mine.csv.999999.abcdefgh.partial"
    leftover.write_text("")
    os.chown(leftover, other, other)
    done = run_cli_as_a_user([*synth, "--out", str(shared / "mine.csv")])
    assert done.returncode == 0, done.stderr[-2000:]
    assert (shared / "mine.csv").is_file() and leftover.exists()
    # the owner of the folder may replace what is in it: no refusal for the folder's own files
    os.chown(shared, os.geteuid(), os.getegid())
    done = run_cli_as_a_user([*synth, "--out", str(shared / "twin.csv")])
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_output_where_a_folder_or_a_file_is_in_the_way_stops_the_command_before_any_work(
    small_table, tmp_path, capsys
):
    write_table(small_table, tmp_path / "in.csv")
    (tmp_path / "a_folder.json").mkdir()
    (tmp_path / "a_file").write_text("")
    base = ["anonymize", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.csv")]
    assert main([*base, "--report", str(tmp_path / "a_folder.json")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"twinforge anonymize: error: could not write {tmp_path / 'a_folder.json'} (a folder is there): nothing was written"
    ]
    synth = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "out.csv"), "--save-model"]
    (tmp_path / "m" / "weights.pt").mkdir(parents=True)  # a folder where the model's weights go
    assert main([*synth, str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"twinforge synth: error: could not write {tmp_path / 'm' / 'weights.pt'} (a folder is there): nothing was written"
    ]
    for model in (tmp_path / "a_file", tmp_path / "a_file" / "model"):
        assert main([*synth, str(model)]) == 1
        err = capsys.readouterr().err
        assert f"error: could not write {model} (" in err and "nothing was written" in err and "reading" not in err
    # links that point at each other, as the output and as a model file
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    (tmp_path / "looped").mkdir()
    (tmp_path / "looped" / "model.json").symlink_to(tmp_path / "looped" / "model.json")
    for argv, looped in (
        ([*base[:3], str(tmp_path / "loop_a")], tmp_path / "loop_a"),
        ([*synth, str(tmp_path / "looped")], tmp_path / "looped" / "model.json"),
    ):
        assert main(argv) == 1
        assert (
            capsys.readouterr()
            .err.splitlines()[-1]
            .endswith(f"error: could not write {looped} (too many levels of symbolic links): nothing was written")
        )
    assert not (tmp_path / "out.csv").exists()


def test_a_file_error_met_while_working_is_one_line_naming_the_path(small_table, tmp_path, capsys, monkeypatch):
    import twinforge.cli

    write_table(small_table, tmp_path / "in.csv")

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "model" / "model.json"))

    # the model's folder made unwritable after the start: said, with what was written (the twin) and what not
    monkeypatch.setattr(Synthesizer, "save", denied)
    out = tmp_path / "out.csv"
    synth = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(out), "--save-model", str(tmp_path / "m")]
    assert main([*synth, "--no-progress"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"twinforge synth: error: could not write {tmp_path / 'm'} (permission denied); {out} was written, the model "
        "was not saved"
    )
    # any other: the path and the system's reason, never a traceback
    monkeypatch.setattr(twinforge.cli, "_cmd_rules_suggest", denied)
    assert main(["rules", "suggest", str(tmp_path / "in.csv")]) == 1
    assert (
        capsys.readouterr().err == f"twinforge rules suggest: error: {tmp_path}/model/model.json: permission denied\n"
    )


def test_synth_says_how_many_epochs_ran_and_what_stopped_them(small_table, tmp_path, capsys):
    """Reproduced: the bar counted toward 200 epochs with hours to go, then early stopping ended the fit at epoch
    12 without a word."""
    write_table(small_table, tmp_path / "in.csv")
    args = ["synth", str(tmp_path / "in.csv"), "--rows", "5", "--out", str(tmp_path / "o.csv"), "--no-progress"]
    assert main([*args, "--model", "vae", "--epochs", "2"]) == 0
    assert "2 epochs (stopped by epochs)" in capsys.readouterr().err
    assert main([*args, "--model", "vae", "--epochs", "400", "--param", "patience=1"]) == 0
    assert "epochs (stopped by early stopping)" in capsys.readouterr().err


def test_evaluate_leaves_out_the_columns_synth_dropped_by_its_policy(tmp_path, capsys):
    """Reproduced: ``evaluate`` on a twin made by ``synth`` scored the columns synth's default policy dropped
    (an id, names, e-mails) as missing and failed the worst-column gate, with nothing saying why."""
    rng = np.random.default_rng(0)
    n = 600
    amount = rng.lognormal(3, 1, n).round(2)
    table = pl.DataFrame(
        {
            "customer_id": np.arange(10_000, 10_000 + n),
            "full_name": [f"{a} {b}" for a, b in zip(rng.choice(FIRST, n), rng.choice(LAST, n))],
            "email": [f"user{i}@mail.test" for i in range(n)],
            "amount": amount,
            "segment": rng.choice(["retail", "corporate", "public"], n, p=[0.6, 0.3, 0.1]),
            "churned": (amount > np.quantile(amount, 0.7)) | (rng.random(n) < 0.1),
        }
    )
    table.head(450).write_csv(tmp_path / "train.csv")
    table.tail(150).write_csv(tmp_path / "holdout.csv")
    assert main(["synth", str(tmp_path / "train.csv"), "--rows", "450", "--out", str(tmp_path / "twin.csv"),
                 "--no-progress"]) == 0  # fmt: skip
    capsys.readouterr()
    main(["evaluate", "--train", str(tmp_path / "train.csv"), "--holdout", str(tmp_path / "holdout.csv"),
          "--synthetic", str(tmp_path / "twin.csv")])  # fmt: skip
    out = capsys.readouterr().out
    assert "left out of the comparison: customer_id, full_name, email (the privacy policy drops them" in out
    assert "missing from the synthetic table" not in out and "not in the synthetic table" not in out
    assert "ok   fidelity_worst_column" in out, out


FIRST = ["Ana", "Bob", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Karin", "Liam"]
LAST = ["Smith", "Jones", "Garcia", "Muller", "Rossi", "Dubois", "Novak", "Kowalski", "Silva", "Berg", "Costa"]


@pytest.mark.parametrize("command", ["ingest-batch", "batches"])
def test_a_state_folder_that_cannot_be_made_is_one_line_naming_it(command, tmp_path, capsys):
    """Reproduced: ``ingest-batch`` with TWINFORGE_HOME under a folder that cannot hold one (/proc) printed the
    system's raw message, ``[Errno 2] No such file or directory: '/proc/home'``."""
    from tests.conftest import DEMO_CSV

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = blocker / "state"  # under a file: no folder can be made there, whoever runs it
    args = [command, "covid_testing", *([str(DEMO_CSV)] if command == "ingest-batch" else []), "--home", str(home)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Errno" not in err
    assert str(home) in err and ("TWINFORGE_HOME" in err or "does not exist" in err)
    assert not home.exists()
