import datetime as dt
import hashlib
import hmac

import polars as pl
import pytest

from tests.conftest import DEMO_CSV
from tests.planted import nested_table
from twinforge.config.spec import ColumnPolicy, parse_spec
from twinforge.io.batches import BatchStore, add_batch, concat_batches, training_window
from twinforge.io.split import split_train_holdout
from twinforge.io.state import StateLayout
from twinforge.io.tables import write_table
from twinforge.privacy.anonymize import (
    PSEUDONYM_KEY_ENV,
    ColumnAction,
    MissingKeyError,
    PolicyError,
    anonymize_table,
    apply_default_policy,
    apply_policy,
    generalize,
    pseudonym_key_from_env,
    pseudonymize,
    resolve_policy,
    suppress_rare,
)
from twinforge.privacy.k_anonymity import privacy_report

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"


def test_pseudonymize_is_keyed_hmac_and_keeps_nulls():
    s = pl.Series("id", [1, 2, None, 1])
    out = pseudonymize(s, KEY)
    expected = hmac.new(KEY, b"1", hashlib.sha256).hexdigest()
    assert out.to_list() == [expected, out[1], None, expected]
    assert out[1] != expected
    assert pseudonymize(s, b"x" * 32)[0] != expected  # another key, another token


def test_apply_policy_drops_and_pseudonymizes_without_losing_rows(demo_table):
    policy = {"fake_first_name": "drop", "fake_last_name": "drop", "subject_id": "pseudonymize", "rownames": "drop"}
    out, report = apply_policy(demo_table, policy, key=KEY)
    assert out.height == demo_table.height
    assert not {"fake_first_name", "fake_last_name", "rownames"} & set(out.columns)
    raw_ids = set(demo_table["subject_id"].cast(pl.String).to_list())
    assert not raw_ids & set(out["subject_id"].to_list())
    assert out["subject_id"].n_unique() == demo_table["subject_id"].n_unique()
    assert report.to_dict()["pseudonymized"] == ["subject_id"]
    assert set(report.columns_with("drop")) == {"fake_first_name", "fake_last_name", "rownames"}


def test_pseudonymize_without_key_refuses_clearly(demo_table):
    with pytest.raises(MissingKeyError, match="TWINFORGE_PSEUDONYM_KEY is not set"):
        apply_policy(demo_table, {"subject_id": "pseudonymize"}, key=None)
    with pytest.raises(MissingKeyError, match="fewer than 16"):
        apply_policy(demo_table, {"subject_id": "pseudonymize"}, key=b"short")


def test_policy_naming_unknown_column_fails(demo_table):
    with pytest.raises(KeyError, match="not_a_column"):
        apply_policy(demo_table, {"not_a_column": "drop"})


def test_key_only_from_environment():
    assert pseudonym_key_from_env({"TWINFORGE_PSEUDONYM_KEY": KEY.decode()}) == KEY
    assert pseudonym_key_from_env({}) is None


def test_split_is_seeded_disjoint_and_complete(demo_table):
    train, holdout = split_train_holdout(demo_table, 0.2, seed=3)
    assert train.height + holdout.height == demo_table.height
    assert holdout.height == round(0.2 * demo_table.height)
    assert not set(train["rownames"].to_list()) & set(holdout["rownames"].to_list())
    again, _ = split_train_holdout(demo_table, 0.2, seed=3)
    assert again.equals(train)
    other, _ = split_train_holdout(demo_table, 0.2, seed=4)
    assert not other.equals(train)
    with pytest.raises(ValueError, match="both parts need rows"):
        split_train_holdout(demo_table.head(1), 0.2, seed=0)


# ----------------------------------------------------------------- generalization, suppression, policy, k/l


def test_generalize_dates_bands_rounding_prefix():
    days = pl.Series("d", [dt.date(1985, 3, 12), None, dt.date(2001, 11, 30)])
    assert generalize(days, {"date": "month"}).to_list() == [dt.date(1985, 3, 1), None, dt.date(2001, 11, 1)]
    assert generalize(days, {"date": "year"}).to_list() == [dt.date(1985, 1, 1), None, dt.date(2001, 1, 1)]
    ages = pl.Series("age", [0, 37, 39, 40, 95, None])
    assert generalize(ages, {"band": 10}).to_list() == ["0-9", "30-39", "30-39", "40-49", "90-99", None]
    assert generalize(ages, {"band": 10, "top": 90}).to_list()[-2:] == ["90+", None]
    income = pl.Series("income", [51234, 49999, 500])
    assert generalize(income, {"round": 1000}).to_list() == [51000, 50000, 0]
    assert generalize(pl.Series("x", [1.26, 3.74]), {"round": 0.5}).to_list() == [1.5, 3.5]
    assert generalize(pl.Series("zip", ["02139", "SW1A 1AA", None]), {"prefix": 3}).to_list() == ["021", "SW1", None]
    # a float column of whole numbers (an integer column with a missing value, as pandas writes it) is cut
    # as its integers are, not as "94110.0"
    floats = pl.Series("zip", [94110.0, 10001.0, None, 1e5 + 0.5])
    assert generalize(floats, {"prefix": 3}).to_list() == ["941", "100", None, None]
    # a code stored as a number lost its leading zeros: 2139 is 02139 (Boston), whose prefix is "021"; cutting
    # "2139" would keep "213", a finer area (four of the code's five digits) of another state
    codes = pl.Series("zip", [2139, 94110, None, 1067])
    assert generalize(codes, {"prefix": 3}).to_list() == ["021", "941", None, "010"]
    assert generalize(codes.cast(pl.Float64), {"prefix": 3}).to_list() == ["021", "941", None, "010"]
    with pytest.raises(PolicyError, match="column 'zip': generalize.band needs a numeric column"):
        generalize(pl.Series("zip", ["02139"]), {"band": 10})


def test_suppress_rare_categories():
    s = pl.Series("city", ["a"] * 5 + ["b"] * 2 + ["c", None])
    assert suppress_rare(s, 3).to_list() == ["a"] * 5 + ["other"] * 3 + [None]


def test_policy_precedence(demo_table):
    columns = {"subject_id": ColumnPolicy(role="identifier"), "fake_first_name": ColumnPolicy(anonymize="keep")}
    from twinforge.io.schema import infer_schema
    from twinforge.privacy.pii import detect_pii

    table = demo_table.head(500)
    detection = detect_pii(table)
    schema = infer_schema(table, detect_identifiers=True)
    policy = resolve_policy(table, columns, detection, schema)
    assert policy["subject_id"] == ColumnAction("drop", {}, "spec: role identifier")
    assert policy["fake_first_name"].action == "keep"  # the spec's word wins over detection ...
    assert policy["fake_last_name"] == ColumnAction("drop", {}, "default for detected PERSON")
    assert policy["rownames"] == ColumnAction("drop", {}, "default for an inferred identifier")
    assert policy["age"].action == "keep"
    _, report = apply_policy(table, policy, detection=detection)
    assert report.kept_despite_detection == ["fake_first_name"]  # ... and the report says so


def test_k_anonymity_and_l_diversity():
    df = pl.DataFrame(
        {
            "age": ["30-39"] * 4 + ["40-49"] * 2 + ["50-59"],
            "sex": ["f"] * 4 + ["m"] * 2 + ["f"],
            "diagnosis": ["a", "b", "a", "c", "a", "a", "b"],
        }
    )
    report = privacy_report(df, ["age", "sex", "gone"], ["diagnosis"], k=2, l=2)
    assert (report.classes, report.k_min, report.classes_below_k, report.rows_below_k) == (3, 1, 1, 1)
    assert report.l_min == {"diagnosis": 1} and report.rows_below_l == {"diagnosis": 3}
    assert not report.k_passed and not report.l_passed
    assert report.missing_quasi_identifiers == ["gone"]
    assert privacy_report(df.head(6), ["age", "sex"], k=2).k_passed


def test_anonymize_table_with_spec_policy(demo_table):
    spec = parse_spec(
        {
            "name": "demo",
            "source": {"path": str(DEMO_CSV)},
            "columns": {
                "age": {"role": "quasi_identifier", "anonymize": "generalize", "generalize": {"band": 10, "top": 90}},
                "gender": {"role": "quasi_identifier"},
                "clinic_name": {"anonymize": "suppress_rare", "min_count": 50},
                "result": {"role": "sensitive"},
                "subject_id": {"role": "identifier", "anonymize": "pseudonymize"},
            },
            "privacy": {"k": 5, "l": 2},
        }
    )
    result = anonymize_table(demo_table, spec.columns, spec.privacy, key=KEY)
    out = result.table
    assert "fake_first_name" not in out.columns and "rownames" not in out.columns  # safe defaults still apply
    assert set(out["age"].drop_nulls().unique()) <= {f"{lo}-{lo + 9}" for lo in range(0, 90, 10)} | {"90+"}
    counts = out["clinic_name"].value_counts()
    assert counts.filter(pl.col("clinic_name") != "other")["count"].min() >= 50
    assert result.privacy.quasi_identifiers == ["age", "gender"] and result.privacy.k == 5
    assert result.privacy.rows_below_k == int(
        out.group_by(["age", "gender"]).len().filter(pl.col("len") < 5)["len"].sum()
    )
    with pytest.raises(MissingKeyError):
        anonymize_table(demo_table, spec.columns, spec.privacy, key=None)


def _tickets() -> pl.DataFrame:
    n = 200
    return pl.DataFrame(
        {
            "ticket": [f"T{i % 37:03d}" for i in range(n)],
            "ward": [["north", "south", "east"][i % 3] for i in range(n)],
            "score": [float(i % 11) for i in range(n)],
        }
    )


def test_apply_default_policy_drops_identifiers_as_anonymize_table_does(monkeypatch):
    """What ``Synthesizer.fit`` and ``twinforge synth`` apply before fitting: the identifiers given are dropped,
    the rest left to detection and the default policy, as anonymize_table with identifier roles does."""
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    df = _tickets()
    result = apply_default_policy(df, ["ticket"])
    assert result.policy["ticket"].action == "drop" and result.table.columns == ["ward", "score"]
    direct = anonymize_table(df, {"ticket": ColumnPolicy(role="identifier")})
    assert result.table.equals(direct.table) and result.policy == direct.policy
    assert apply_default_policy(df, []).policy["ticket"].action == "keep"  # the identifier made the difference


def test_apply_default_policy_lets_the_spec_declare_an_identifier_and_keys_pseudonyms_from_the_env(monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, KEY.decode())
    df = _tickets()
    spec_columns = {"ticket": ColumnPolicy(role="identifier", anonymize="pseudonymize")}
    result = apply_default_policy(df, ["ticket"], spec_columns=spec_columns)
    assert result.policy["ticket"].action == "pseudonymize"
    assert result.table["ticket"].to_list() == pseudonymize(df["ticket"], KEY).to_list()


def test_apply_default_policy_names_unknown_identifiers_and_the_table_s_columns_never_a_value():
    with pytest.raises(KeyError) as caught:
        apply_default_policy(_tickets(), ["ticket", "nope"])
    message = caught.value.args[0]
    assert message == "identifier columns not in the table: ['nope'] (its columns: ticket, ward, score)"
    assert "T000" not in message and "north" not in message


def test_privacy_spec_needs_quasi_identifiers():
    from twinforge.config.spec import SpecError

    with pytest.raises(SpecError, match="privacy.k / privacy.l need at least one column with role quasi_identifier"):
        parse_spec({"name": "demo", "source": {"path": str(DEMO_CSV)}, "privacy": {"k": 5}})
    with pytest.raises(SpecError, match="'anonymize: generalize' and a 'generalize:' block go together"):
        parse_spec({"name": "demo", "source": {"path": str(DEMO_CSV)}, "columns": {"age": {"anonymize": "generalize"}}})


def test_batches_land_once_in_order(tmp_path):
    spec = parse_spec({"name": "demo", "source": {"path": str(DEMO_CSV)}})
    layout = StateLayout.at(tmp_path / "state")
    store = BatchStore(spec, layout)
    assert store.ensure_initial().batch_id == "initial"
    demo = pl.read_csv(DEMO_CSV)  # later batches have the first batch's columns (checked at the door)
    demo.slice(0, 20).write_csv(tmp_path / "b1.csv")
    demo.slice(20, 20).write_csv(tmp_path / "b2.csv")
    first = add_batch(spec, tmp_path / "b1.csv", home=layout.home)
    second = add_batch(spec, tmp_path / "b2.csv", home=layout.home)
    again, is_new = store.add(tmp_path / "b1.csv")
    assert (again, is_new) == (first, False)
    assert store.ids() == ["initial", first.batch_id, second.batch_id]
    landed = tmp_path / "state" / "landing" / "demo" / first.batch_id / f"{first.batch_id}.csv"  # named by its id
    assert landed.read_bytes() == (tmp_path / "b1.csv").read_bytes() and oct(landed.stat().st_mode & 0o777) == "0o400"
    assert store.get(first.batch_id).sha256 == first.sha256
    with pytest.raises(KeyError, match="has no batch 'nope'"):
        store.get("nope")
    assert training_window(store.ids(), 2) == [first.batch_id, second.batch_id]
    assert training_window(store.ids(), None) == store.ids()


def test_concat_batches_refuses_different_columns():
    a, b = pl.DataFrame({"x": [1]}), pl.DataFrame({"x": [2], "email": ["e"]})
    assert concat_batches({"a": a, "c": a.lazy()})["x"].to_list() == [1, 1]
    with pytest.raises(ValueError, match="batches 'a' and 'b' have different columns"):
        concat_batches({"a": a, "b": b})


# ------------------------------------------------------------------ nested columns


def test_pii_inside_structs_and_lists_is_found_and_removed():
    table, planted = nested_table()
    result = anonymize_table(table, key=KEY)
    found = {c: d.column_finding.entity for c, d in result.detection.columns.items() if d.column_finding}
    assert found == {
        "subject.email": "EMAIL_ADDRESS",
        "subject.phone": "PHONE_NUMBER",
        "subject.name.first": "PERSON",
        "subject.name.last": "PERSON",
        "relatives": "PERSON",
    }
    out = result.table
    assert out.height == table.height
    assert not any(dtype.is_nested() and not isinstance(dtype, pl.List) for dtype in out.dtypes)
    assert set(out.columns) == {"subject.visits", "log.day", "log.note", "tags", "amount"}
    assert result.policy["log.note"].action == "mask"
    text = "\n".join(str(v) for c in out.columns for v in out[c].to_list())
    assert not [v for v in planted if v in text or v.split()[-1] in text]
    assert out["tags"].to_list() == table["tags"].to_list()  # a list of plain words is kept as it was
    assert out["subject.visits"].to_list() == [i % 7 for i in range(table.height)]


def test_nested_values_that_cannot_be_inspected_are_dropped():
    table = pl.DataFrame({"grid": [[["Ana Lopez"], ["x"]], [["y"]]], "n": [1, 2]})
    result = anonymize_table(table, key=KEY)
    assert result.table.columns == ["n"]
    assert result.policy["grid"].reason == "default for nested values, which cannot be inspected"


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_an_ingested_batch_with_a_struct_column_is_anonymized_inside(tmp_path, fmt):
    from twinforge.config.spec import IngestSpec, SourceSpec
    from twinforge.io.ingest import ingest_source

    table, planted = nested_table()
    ingested = ingest_source(SourceSpec(path=write_table(table, tmp_path / f"batch.{fmt}")), {}, IngestSpec())
    result = anonymize_table(ingested.table, key=KEY, schema=ingested.schema)
    out_path = tmp_path / "anonymized.parquet"
    result.table.write_parquet(out_path)
    raw = out_path.read_bytes()
    assert result.table.height == ingested.rows_out == table.height
    assert not [v for v in planted if v.encode() in raw]


def test_json_lines_objects_and_arrays_are_read_as_parquet_structs_and_lists_are(tmp_path):
    """The same nested records, as Parquet and as JSON Lines, give the same anonymized columns, findings and
    actions: JSON objects are opened up into ``parent.field`` columns, arrays are list columns."""
    from twinforge.config.spec import IngestSpec, SourceSpec
    from twinforge.io.ingest import ingest_source

    table, _ = nested_table()
    results = {}
    for fmt in ("parquet", "jsonl"):
        ingested = ingest_source(SourceSpec(path=write_table(table, tmp_path / f"t.{fmt}")), {}, IngestSpec())
        results[fmt] = (ingested, anonymize_table(ingested.table, key=KEY, schema=ingested.schema))
    from_parquet, (jsonl, from_jsonl) = results["parquet"][1], results["jsonl"]
    assert jsonl.table["subject.visits"].to_list() == [i % 7 for i in range(table.height)]  # typed as numbers
    assert jsonl.table.schema["tags"] == pl.List(pl.String)
    assert from_jsonl.table.columns == from_parquet.table.columns
    assert {c: a.action for c, a in from_jsonl.policy.items()} == {c: a.action for c, a in from_parquet.policy.items()}
    assert from_jsonl.table["tags"].to_list() == from_parquet.table["tags"].to_list()
