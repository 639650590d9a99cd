"""k-anonymity enforced: quasi-identifiers generalized up their hierarchies, then small classes suppressed."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import ColumnPolicy, PrivacySpec, parse_spec
from twinforge.io.ingest import ingest
from twinforge.privacy.anonymize import ColumnAction, KSchemeError, anonymize_table, generalization_levels
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


def _bands(values) -> list[tuple[int, int]]:
    return sorted({tuple(int(x) for x in v.split("-")) for v in values if v and "-" in v})


def test_a_later_batch_reuses_the_first_batchs_generalization():
    """Batches of one population are generalized alike: a later batch takes the first batch's bands (and
    suppresses to reach k under them), so stacked they hold no overlapping bands."""
    columns, privacy = {"age": QI, "town": QI}, PrivacySpec(k=3)
    first = anonymize_table(_people(600, seed=1), columns, privacy)
    scheme = first.k_enforcement.scheme()
    assert scheme["steps"]["age"] and scheme["steps"]["town"] == {}  # age was banded, town left as it is
    on_its_own = anonymize_table(_people(300, seed=2), columns, privacy)
    assert on_its_own.k_enforcement.steps != first.k_enforcement.steps  # the overlap the reference prevents
    later = anonymize_table(_people(600, seed=2), columns, privacy, k_scheme=scheme)
    assert later.k_enforcement.reused and later.k_enforcement.steps == first.k_enforcement.steps
    assert later.k_enforcement.levels == first.k_enforcement.levels
    assert later.privacy.k_passed and 0 < len(later.suppressed_rows) <= 0.05 * 600
    assert later.table.height + len(later.suppressed_rows) == 600
    stacked = _bands(first.table["age"].to_list() + later.table["age"].to_list())
    assert not [(a, b) for a, b in zip(stacked, stacked[1:]) if b[0] <= a[1]]  # no two bands overlap


def test_a_batch_that_needs_a_coarser_scheme_is_refused_not_generalized_differently():
    columns, privacy = {"age": QI, "town": QI}, PrivacySpec(k=3)
    scheme = anonymize_table(_people(600, seed=1), columns, privacy).k_enforcement.scheme()
    small = _people(60, seed=3)
    with pytest.raises(KSchemeError, match=r"privacy.k=3: under the generalization .* rows would be suppressed") as e:
        anonymize_table(small, columns, privacy, k_scheme=scheme)
    assert not [t for t in ("north", "south", "east", "west") if t in str(e.value)]  # names no value


def test_stacking_refuses_batches_generalized_differently():
    from twinforge.io.batches import concat_batches

    columns, privacy = {"age": QI, "town": QI}, PrivacySpec(k=3)
    first = anonymize_table(_people(600, seed=1), columns, privacy)
    other = anonymize_table(_people(300, seed=2), columns, privacy)
    frames = {"initial": first.table, "b2": other.table}
    schemes = {"initial": first.k_enforcement.scheme(), "b2": other.k_enforcement.scheme()}
    with pytest.raises(ValueError, match=r"batches 'initial' and 'b2' were generalized differently for k-anonymity"):
        concat_batches(frames, k_schemes=schemes)
    with pytest.raises(ValueError, match=r"\(not recorded vs"):  # an unrecorded scheme is no match either
        concat_batches(frames, k_schemes={"initial": None, "b2": schemes["b2"]})
    reused = anonymize_table(_people(600, seed=2), columns, privacy, k_scheme=schemes["initial"])
    stacked = concat_batches(
        {"initial": first.table, "b2": reused.table},
        k_schemes={"initial": schemes["initial"], "b2": reused.k_enforcement.scheme()},
    )
    assert stacked.height == first.table.height + reused.table.height
    plain = {"initial": _people(20, seed=1), "b2": _people(20, seed=2)}  # k not enforced: nothing to compare
    assert concat_batches(plain, k_schemes={"initial": None, "b2": None}).height == 40
