"""The CLI is as safe as the pipeline: synth anonymizes first, and what it writes is owner-only."""

import polars as pl

from tests.conftest import DEMO_CSV, file_mode
from twinforge.cli import main
from twinforge.io.tables import read_table

PII_COLUMNS = ["rownames", "subject_id", "fake_first_name", "fake_last_name"]


def test_synth_anonymizes_by_default_and_says_how(tmp_path, capsys, umask_022, monkeypatch):
    monkeypatch.delenv("TWINFORGE_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "synthetic.csv"
    args = ["synth", str(DEMO_CSV), "--rows", "2000", "--out", str(out), "--no-progress", "--seed", "3"]
    assert main(args) == 0
    printed = capsys.readouterr()
    for column in PII_COLUMNS:
        assert f"  {column:<24} drop" in printed.out
    real = pl.read_csv(DEMO_CSV)
    synthetic = read_table(out)
    assert synthetic.height == 2000
    assert not set(PII_COLUMNS) & set(synthetic.columns)
    names = set(real["fake_first_name"].to_list()) | set(real["fake_last_name"].to_list())
    cells = {str(v) for c in synthetic.columns for v in synthetic[c].to_list()}
    assert not names & cells
    # nor in the policy it printed (words: a name like "the" may well appear in progress messages)
    assert not [n for n in names if f" {n} " in printed.out]
    assert file_mode(out) == 0o600


def test_synth_no_anonymize_opts_out_with_a_warning(tmp_path, capsys, umask_022):
    small = pl.read_csv(DEMO_CSV, n_rows=300)
    source = tmp_path / "small.csv"
    small.write_csv(source)
    out = tmp_path / "synthetic.parquet"
    assert main(["synth", str(source), "--rows", "50", "--out", str(out), "--no-progress", "--no-anonymize"]) == 0
    printed = capsys.readouterr()
    assert "warning: --no-anonymize" in printed.err and "policy:" not in printed.out
    assert "fake_first_name" in read_table(out).columns  # the opt-out is real: nothing was dropped
    assert file_mode(out) == 0o600


def test_anonymize_outputs_and_quarantine_are_owner_only(tmp_path, umask_022):
    source = tmp_path / "in.csv"
    rows = ["patient_email,visits,group"] + [f"p{i}@example.org,{i},g{i % 3}" for i in range(60)]
    rows += [f"r{i}@example.org,{i},rare" for i in range(4)] + ["x@y.org,lots,g1"]
    source.write_text("\n".join(rows) + "\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: t\nsource: {{path: {source.name}}}\ningest: {{on_bad_rows: quarantine, keep_raw: true}}\n"
        "columns: {visits: {kind: integer}, group: {role: quasi_identifier}}\nprivacy: {k: 15}\n"
    )
    out, quarantine, report = tmp_path / "out.parquet", tmp_path / "q.parquet", tmp_path / "r.json"
    args = ["anonymize", str(source), "--spec", str(spec), "--out", str(out), "--quarantine", str(quarantine)]
    assert main([*args, "--report", str(report)]) == 0
    for path in (out, quarantine, report):
        assert file_mode(path) == 0o600, path
    written, held = read_table(out), read_table(quarantine)
    assert (written.height, held.height) == (60, 5)
    assert held.select("row", "reason").to_dicts() == [
        *({"row": r, "reason": "k-anonymity suppression"} for r in range(61, 65)),
        {"row": 65, "reason": "value does not parse as integer"},
    ]
    assert sorted(written["group"].unique()) == ["g0", "g1", "g2"]
    assert held.filter(pl.col("row") == 61)["record"].to_list() == [
        '{"patient_email": "r0@example.org", "visits": "0", "group": "rare"}'
    ]  # keep_raw: the quarantine store (owner-only) holds the raw row; the output never does
    assert not [e for e in ("p0@example.org", "r0@example.org") if e in str(written.to_dicts())]


def _visit_table(path):
    """600 visits of 200 patients (about 3 each), the patient's id under four names."""
    import random

    rng = random.Random(17)
    patients = rng.sample(range(1_000_000, 9_999_999), 200)
    lines = ["age,result,patient_id,customer_id,subject_id,mrn"]
    for _ in range(600):
        p = rng.choice(patients)
        lines.append(f"{rng.randint(20, 80)},{rng.choice(['pos', 'neg'])},{p},{p},{p},{p}")
    path.write_text("\n".join(lines) + "\n")
    return path, {str(p) for p in patients}


VISIT_IDS = ["patient_id", "customer_id", "subject_id", "mrn"]


def test_person_ids_that_repeat_over_visits_never_reach_the_output(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "home"))
    source, ids = _visit_table(tmp_path / "visits.csv")
    anonymized, synthetic = tmp_path / "anon.parquet", tmp_path / "syn.parquet"
    assert main(["anonymize", str(source), "--out", str(anonymized)]) == 0
    printed = capsys.readouterr().out
    for column in VISIT_IDS:
        assert f"  {column:<24} drop  (default for an inferred identifier)" in printed
    written = read_table(anonymized)
    assert written.height == 600 and not set(VISIT_IDS) & set(written.columns)
    args = ["synth", str(source), "--rows", "600", "--out", str(synthetic), "--no-progress"]
    assert main(args) == 0
    twin = read_table(synthetic)
    assert twin.height == 600 and not set(VISIT_IDS) & set(twin.columns)
    assert not ids & {str(v) for c in twin.columns for v in twin[c].to_list()}


def test_a_pseudonymized_person_id_is_not_learned_as_a_category(tmp_path, monkeypatch):
    """Kept as tokens by the spec, a patient's id is still an identifier: no synthetic row carries a token."""
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TWINFORGE_PSEUDONYM_KEY", "k9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs")
    source, _ = _visit_table(tmp_path / "visits.csv")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: v\nsource: {{path: {source.name}}}\n"
        "columns: {patient_id: {anonymize: pseudonymize}, customer_id: {anonymize: drop}, "
        "subject_id: {anonymize: drop}, mrn: {anonymize: drop}}\n"
    )
    anonymized, synthetic = tmp_path / "anon.parquet", tmp_path / "syn.parquet"
    assert main(["anonymize", str(source), "--spec", str(spec), "--out", str(anonymized)]) == 0
    tokens = set(read_table(anonymized)["patient_id"].to_list())
    assert len(tokens) == pl.read_csv(source)["patient_id"].n_unique()  # pseudonymized, as the spec says
    args = ["synth", str(source), "--spec", str(spec), "--rows", "600", "--out", str(synthetic), "--no-progress"]
    assert main(args) == 0
    twin = read_table(synthetic)
    assert twin.height == 600 and "patient_id" not in twin.columns
    assert not tokens & {str(v) for c in twin.columns for v in twin[c].to_list()}


def test_synth_with_a_spec_gives_dp_the_spec_s_declared_bounds_and_categories(tmp_path, capsys):
    # reproduced: synth --spec built its model parameters without the spec's declared public domains, so DP
    # warned "no declared categories", declared nothing and left every column null
    import json

    import numpy as np

    rng = np.random.default_rng(5)
    pl.DataFrame({"shop": rng.choice(["north", "south"], 400), "hours": rng.exponential(100, 400).round(2)}).write_csv(
        tmp_path / "t.csv"
    )
    (tmp_path / "dp.yaml").write_text(
        "name: t\nsource: {path: t.csv}\ncolumns:\n  shop: {categories: [north, south]}\n"
        "  hours: {bounds: [0, 1000]}\ngenerator: {model: vae, params: {epochs: 2, dp: {epsilon: 1.0}}}\n"
    )
    args = ["synth", str(tmp_path / "t.csv"), "--spec", str(tmp_path / "dp.yaml"), "--rows", "200"]
    args += ["--out", str(tmp_path / "s.csv"), "--save-model", str(tmp_path / "m"), "--no-progress"]
    assert main(args) == 0
    assert "no declared categories" not in capsys.readouterr().err
    summary = json.loads((tmp_path / "m" / "model.json").read_text())["fit_summary"]["dp"]
    assert sorted(summary["declared_columns"]) == ["hours", "shop"]
    synthetic = read_table(tmp_path / "s.csv")
    assert synthetic["shop"].null_count() == 0 and synthetic["hours"].null_count() == 0
