"""k-anonymity enforced: quasi-identifiers generalized up their hierarchies, then small classes suppressed."""

import datetime as dt

import numpy as np
import polars as pl

from twinforge.config.spec import ColumnPolicy, PrivacySpec, parse_spec
from twinforge.io.ingest import ingest
from twinforge.privacy.anonymize import ColumnAction, anonymize_table, generalization_levels
from twinforge.privacy.k_anonymity import SUPPRESSION_REASON, enforce_k, privacy_report

QI = ColumnPolicy(role="quasi_identifier")


def _people(n: int = 600, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 95, n).tolist(),
            "visit": [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)],
            "town": rng.choice(["north", "south", "east", "west"], n).tolist(),
            "score": rng.normal(size=n).round(3).tolist(),
        }
    )


def test_hierarchies_follow_the_policy_and_the_type():
    visit = pl.Series("visit", [dt.date(2024, 3, 17), dt.date(2024, 11, 2)])
    month, year = generalization_levels(visit, ColumnAction("keep"))
    assert month.to_list() == [dt.date(2024, 3, 1), dt.date(2024, 11, 1)]
    assert year.to_list() == [dt.date(2024, 1, 1)] * 2
    (only_year,) = generalization_levels(visit, ColumnAction("generalize", {"date": "month"}))
    assert only_year.to_list() == year.to_list()
    age = pl.Series("age", [37, 95])
    levels = generalization_levels(age, ColumnAction("generalize", {"band": 10, "top": 90}))
    assert [s.to_list() for s in levels[:2]] == [["20-39", "90+"], ["0-39", "90+"]]
    code = pl.Series("zip", ["02139", "02141"])
    levels = generalization_levels(code, ColumnAction("generalize", {"prefix": 3}))
    assert [s.to_list() for s in levels] == [["02", "02"], ["0", "0"]]
    assert generalization_levels(code, ColumnAction("keep")) == []  # text: suppression only
    assert generalization_levels(age, ColumnAction("pseudonymize")) == []


def test_enforcement_reaches_k_and_accounts_for_every_row():
    table = _people()
    before = privacy_report(table, ["age", "visit", "town"], k=5)
    assert before.rows_below_k > 500  # raw: almost every row is unique
    result = anonymize_table(table, {"age": QI, "visit": QI, "town": QI}, PrivacySpec(k=5))
    assert result.privacy.k_passed and result.privacy.k_min >= 5
    assert result.table.height + len(result.suppressed_rows) == table.height
    assert len(result.suppressed_rows) == result.k_enforcement.rows_suppressed
    assert len(result.suppressed_rows) <= 0.05 * table.height
    assert result.k_enforcement.levels["visit"] >= 1  # generalization did the bulk of the work
    kept = table.with_row_index("i").filter(~pl.col("i").is_in(result.suppressed_rows))
    assert kept["score"].to_list() == result.table["score"].to_list()  # the same rows, in order


def test_suppression_alone_when_no_hierarchy_is_left():
    table = pl.DataFrame({"code": ["a"] * 6 + ["b"] * 2 + ["c"], "x": range(9)})
    out, suppressed, done = enforce_k(table, ["code"], 3, {"code": []})
    assert suppressed == [6, 7, 8] and out["code"].to_list() == ["a"] * 6
    assert done.rows_suppressed == 3 and done.levels == {"code": 0}


def test_suppressed_rows_go_to_the_quarantine_with_their_source_row(tmp_path):
    rows = ["group,member,amount"] + [f"g{i % 3},m,{i}" for i in range(30)] + ["rare,m,1", "g0,m,x", "lone,z,2"]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = parse_spec(
        {
            "name": "t",
            "source": {"path": str(path)},
            "ingest": {"on_bad_rows": "quarantine"},
            "columns": {"group": QI.model_dump(), "member": QI.model_dump(), "amount": {"kind": "integer"}},
            "privacy": {"k": 3},
        }
    )
    ingested = ingest(spec)
    assert (ingested.rows_in, ingested.rows_out, ingested.rows_quarantined) == (33, 32, 1)
    result = anonymize_table(ingested.table, spec.columns, spec.privacy, schema=ingested.schema)
    after = ingested.set_aside(result.suppressed_rows, SUPPRESSION_REASON)
    assert after.rows_in == result.table.height + after.rows_quarantined == 33
    assert after.table.height == result.table.height == 30
    quarantine = after.quarantine.select("row", "reason", "record").to_dicts()
    assert quarantine == [
        {"row": 31, "reason": SUPPRESSION_REASON, "record": None},
        {"row": 32, "reason": quarantine[1]["reason"], "record": None},
        {"row": 33, "reason": SUPPRESSION_REASON, "record": None},
    ]
    assert "does not parse" in quarantine[1]["reason"]
    kept = after.set_aside([0], SUPPRESSION_REASON, keep_values=True).quarantine
    assert kept.filter(pl.col("row") == 1)["record"].to_list() == ['{"group": "g0", "member": "m", "amount": "0"}']
