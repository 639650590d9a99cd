"""The HIPAA Safe Harbor profile: every rule applied, reported, and never weakened by the spec."""

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest

from twinforge.config.spec import ColumnPolicy, PrivacySpec
from twinforge.privacy.anonymize import PolicyError, anonymize_table
from twinforge.privacy.hipaa import RESTRICTED_ZIP3, RULES, zip3

N = 40
SAFE_HARBOR = PrivacySpec(profile="hipaa_safe_harbor")


def _patients(n: int = N, seed: int = 5) -> pl.DataFrame:
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(seed)
    rng = np.random.default_rng(seed)
    zips = ["03601", "10001", "89301-1234", "02139", "94110"] * (n // 5)
    births = [dt.date(1930, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 30_000, n)]
    return pl.DataFrame(
        {
            "patient_name": [fake.unique.name() for _ in range(n)],
            "street_address": [fake.unique.street_address() for _ in range(n)],
            "city": [fake.city() for _ in range(n)],
            "zip": zips,
            "date_of_birth": births,
            "admission_date": [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)],
            "age": [95, 89, 90, 34, 61] * (n // 5),
            "phone": [f"(617) 555-{1000 + i:04d}" for i in range(n)],
            "fax": [f"(617) 556-{2000 + i:04d}" for i in range(n)],
            "email": [fake.unique.email() for _ in range(n)],
            "ssn": [f"{rng.integers(100, 665)}-{rng.integers(10, 99)}-{rng.integers(1000, 9999)}" for _ in range(n)],
            "mrn": [f"MRN{700000 + i}" for i in range(n)],
            "member_id": [f"HP-{900000 + 7 * i}" for i in range(n)],
            "account_number": [f"AC{55000 + 3 * i}" for i in range(n)],
            "license_number": [f"LIC-{4000 + i}" for i in range(n)],
            "vin": [f"1HGCM82633A{100000 + i}" for i in range(n)],
            "serial_number": [f"SN-PMK-{30000 + i}" for i in range(n)],
            "website": [f"https://example.org/p/{i}" for i in range(n)],
            "ip_address": [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(n)],
            "fingerprint": [f"fp{i:08x}" for i in range(n)],
            "photo": [bytes([i % 256]) * 8 for i in range(n)],
            "subject_code": [f"Q{rng.integers(10**6, 10**7)}X{i}" for i in range(n)],
            "notes": [f"Seen by {fake.name()} on ward {i % 4}, follow up in {i % 9 + 1} weeks" for i in range(n)],
            "diagnosis": ["flu", "covid", "asthma", "flu"] * (n // 4),
            "systolic": rng.integers(95, 160, n).tolist(),
        }
    )


def _cells(df: pl.DataFrame) -> set[str]:
    return {str(v) for c in df.columns for v in df.get_column(c).to_list() if v is not None}


def test_zip3_keeps_three_digits_and_zeroes_restricted_areas():
    s = pl.Series("zip", ["03601", "10001", "89301-1234", " 02139 ", "abc", None, "123"])
    assert zip3(s).to_list() == ["000", "100", "000", "021", None, None, None]
    assert zip3(pl.Series("zip", [2139, 3601, 94110])).to_list() == ["021", "000", "941"]
    assert zip3(pl.Series("zip", [2139.0, 94110.0, 2139.5, None, float("nan")])).to_list() == [
        "021",
        "941",
        None,
        None,
        None,
    ]
    assert len(RESTRICTED_ZIP3) == 17


def test_every_rule_acts_and_no_identifier_survives():
    table = _patients()
    result = anonymize_table(table, {}, SAFE_HARBOR)
    rules = result.profile.to_dict()["rules"]
    expected = {
        "1. names": {"patient_name": "drop"},
        "2. geographic subdivisions smaller than a state": {
            "street_address": "drop",
            "city": "drop",
            "zip": "generalize {'zip3': True}",
        },
        "3. dates (except year) and ages over 89": {
            "date_of_birth": "generalize {'date': 'year', 'oldest': 90}",
            "admission_date": "generalize {'date': 'year', 'oldest': 90}",
            "age": "generalize {'cap': 90}",
        },
        "4. telephone numbers": {"phone": "drop"},
        "5. fax numbers": {"fax": "drop"},
        "6. email addresses": {"email": "drop"},
        "7. social security numbers": {"ssn": "drop"},
        "8. medical record numbers": {"mrn": "drop"},
        "9. health plan beneficiary numbers": {"member_id": "drop"},
        "10. account numbers": {"account_number": "drop"},
        "11. certificate / license numbers": {"license_number": "drop"},
        "12. vehicle identifiers and serial numbers": {"vin": "drop"},
        "13. device identifiers and serial numbers": {"serial_number": "drop"},
        "14. web URLs": {"website": "drop"},
        "15. IP addresses": {"ip_address": "drop"},
        "16. biometric identifiers": {"fingerprint": "drop"},
        "17. full-face photographs and comparable images": {"photo": "drop"},
        "18. any other unique identifying number, characteristic or code": {"subject_code": "drop"},
        "free text": {"notes": "mask {'safe_harbor': True, 'common_words': True}"},
    }
    assert rules == expected
    assert result.profile.unclassified == {
        "diagnosis": "category with 3 distinct values, no identifier rule applies",
        "systolic": "Int64 measurement, no identifier rule applies",
    }
    out = result.table
    assert out.columns == ["zip", "date_of_birth", "admission_date", "age", "notes", "diagnosis", "systolic"]
    assert out.height == N
    assert out["zip"].to_list() == ["000", "100", "000", "021", "941"] * (N // 5)
    assert out["age"].to_list() == [90, 89, 90, 34, 61] * (N // 5)
    for column in ("date_of_birth", "admission_date"):
        assert out[column].dt.month().unique().to_list() == [1] and out[column].dt.day().unique().to_list() == [1]
        earliest = dt.date.today().year - 90  # a year telling an age over 89 is that earliest one
        assert out[column].dt.year().to_list() == [max(y, earliest) for y in table[column].dt.year().to_list()]
    planted = _cells(table.drop("diagnosis", "systolic", "age", "zip", "date_of_birth", "admission_date"))
    assert not planted & _cells(out)
    names = {w for n in table["patient_name"] for w in n.split() if len(w) > 3 and w[0].isupper()}
    assert not [w for w in names if any(w in note for note in out["notes"])]


def test_rules_without_a_column_say_so():
    table = _patients().select("patient_name", "diagnosis", "systolic")
    rules = anonymize_table(table, {}, SAFE_HARBOR).profile.to_dict()["rules"]
    assert rules["1. names"] == {"patient_name": "drop"}
    assert sum(v == "no column found" for v in rules.values()) == 18  # 17 rules and free text
    assert len(RULES) == 18


def test_stricter_spec_policy_wins_weaker_one_is_refused():
    table = _patients().select("zip", "admission_date", "age", "mrn", "diagnosis")
    strict = {
        "zip": ColumnPolicy(anonymize="drop"),
        "admission_date": ColumnPolicy(anonymize="drop"),
        "age": ColumnPolicy(anonymize="generalize", generalize={"band": 10, "top": 80}),
    }
    result = anonymize_table(table, strict, SAFE_HARBOR)
    assert result.table.columns == ["age", "diagnosis"]
    assert set(result.table["age"].to_list()) <= {"80+", "30-39", "60-69"}
    weaker = [
        ("zip", ColumnPolicy(anonymize="keep"), "rule 2"),
        ("admission_date", ColumnPolicy(anonymize="generalize", generalize={"date": "month"}), "rule 3"),
        ("age", ColumnPolicy(anonymize="keep"), "rule 3"),
        ("mrn", ColumnPolicy(anonymize="suppress_rare"), "rule 8"),
    ]
    for column, policy, rule in weaker:
        with pytest.raises(PolicyError, match=f"column '{column}'.*hipaa_safe_harbor {rule}"):
            anonymize_table(table, {column: policy}, SAFE_HARBOR)


def test_without_the_profile_nothing_changes():
    table = _patients().select("admission_date", "age", "diagnosis")
    result = anonymize_table(table, {}, PrivacySpec())
    assert result.profile is None
    assert result.table.equals(table)


def test_zip_and_place_columns_are_recognised_by_their_usual_abbreviations():
    """Claims and registry files name ZIPs zip5 / ZIP_CD / BENE_ZIP_CD and places city_name / CITY_NM;
    look-alike names (zipper, cityscape, country_name) are not places."""
    rng = np.random.default_rng(3)
    n = 60
    zips = [f"{rng.choice(['021', '100', '036', '884'])}{rng.integers(0, 100):02d}" for _ in range(n)]
    towns = [str(rng.choice(["Springfield", "Riverton", "Lakeside", "Maple"])) for _ in range(n)]
    zip_names = ["zip5", "zip_5", "ZIP_CD", "BENE_ZIP_CD", "ZipCode", "postal_cd", "ZCTA5"]
    place_names = ["city_name", "CITY_NM", "county_name", "municipality", "county_cd", "township", "street_name"]
    table = pl.DataFrame(
        {
            **{name: zips for name in zip_names},
            **{name: towns for name in place_names},
            "zip": [float(z) for z in zips],  # a ZIP read as floats (pandas' integers with a gap)
            "zipper": [str(rng.choice(["brass", "nylon"])) for _ in range(n)],
            "zip_file": [str(rng.choice(["a.zip", "b.zip"])) for _ in range(n)],
            "cityscape": [str(rng.choice(["urban", "rural"])) for _ in range(n)],
            "capacity": rng.integers(1, 9, n).tolist(),
            "country_name": [str(rng.choice(["US", "CA"])) for _ in range(n)],
        }
    )
    result = anonymize_table(table, {}, SAFE_HARBOR)
    rule2 = result.profile.to_dict()["rules"]["2. geographic subdivisions smaller than a state"]
    assert rule2 == {
        **{name: "generalize {'zip3': True}" for name in [*zip_names, "zip"]},
        **{name: "drop" for name in place_names},
    }
    out = result.table
    for name in [*zip_names, "zip"]:
        assert out[name].to_list() == zip3(pl.Series(zips)).to_list(), name
    assert set(result.profile.unclassified) == {"zipper", "zip_file", "cityscape", "capacity", "country_name"}
    # the default policy (no profile) cuts the same ZIP columns to three characters too
    plain = anonymize_table(table.select(zip_names), {})
    assert {c: a.action for c, a in plain.policy.items()} == dict.fromkeys(zip_names, "generalize")
    assert all(len(v) == 3 for c in zip_names for v in plain.table[c].to_list())


def _checkins(n: int = 90) -> list[str]:
    start = dt.datetime(2024, 3, 1)
    times = [start + dt.timedelta(hours=37 * i) for i in range(n)]
    return [t.date().isoformat() if i % 3 else t.strftime("%Y-%m-%d %H:%M") for i, t in enumerate(times)]


def test_dates_in_mixed_shapes_are_dates_about_the_person(tmp_path):
    """Read as the pipeline reads it, a column mixing "2024-08-11" and "2024-08-11 15:00" is cut to the year."""
    from twinforge.config.spec import SourceSpec
    from twinforge.io.ingest import ingest_source

    checkins = _checkins()
    source = tmp_path / "t.csv"
    source.write_text(
        "checkin,result\n" + "\n".join(f"{c},{'pos' if i % 2 else 'neg'}" for i, c in enumerate(checkins))
    )
    table = ingest_source(SourceSpec(path=source)).table
    result = anonymize_table(table, {}, SAFE_HARBOR)
    assert result.profile.rules["3"] == {"checkin": "generalize {'date': 'year', 'oldest': 90}"}
    assert set(result.table["checkin"].to_list()) == {dt.date(2024, 1, 1)}


def test_text_that_is_mostly_dates_is_never_kept_to_the_day():
    """Fail closed: dates left as text (other shapes, a stray word) fall under rule 3 whatever the name."""
    checkins = _checkins()
    us = [f"{d[5:7]}/{d[8:10]}/{d[:4]}" + (" 3:15 PM" if i % 2 else "") for i, d in enumerate(checkins)]
    table = pl.DataFrame(
        {
            "checkin": checkins,  # as a reader that types nothing hands it over
            "seen": [v if i % 9 else "unknown" for i, v in enumerate(us)],
            "code": [f"A{i % 6}-{i % 4}" for i in range(len(checkins))],
            "dose": [f"{i % 5 + 1}0 mg" for i in range(len(checkins))],
        }
    )
    result = anonymize_table(table, {}, SAFE_HARBOR)
    assert result.profile.rules["3"] == {"checkin": "drop", "seen": "drop"}
    assert result.table.columns == ["code", "dose"]
    assert set(result.profile.unclassified) == {"code", "dose"}
    with pytest.raises(PolicyError, match=r"column 'seen'.*rule 3"):
        anonymize_table(table, {"seen": ColumnPolicy(anonymize="keep")}, SAFE_HARBOR)


@pytest.mark.parametrize(
    ("name", "cap"),
    [
        ("age_in_years", 90),
        ("AgeInYears", 90),
        ("age_yr", 90),
        ("pt_age_yrs", 90),
        ("PatientAge", 90),
        ("Age (years)", 90),
        ("age_months", 90 * 12),
        ("AgeInDays", 90 * 365),
    ],
)
def test_ages_over_89_are_grouped_whatever_the_age_columns_name_and_unit(name, cap):
    ages = [95, 89, 104, 34, 61] * 20
    values = [a * cap // 90 for a in ages]  # the same ages in the column's unit
    table = pl.DataFrame({name: values, "charge": list(range(100))})
    out = anonymize_table(table, {}, SAFE_HARBOR).table
    assert out[name].max() == cap and out[name].to_list()[3] == values[3]


@pytest.mark.parametrize("name", ["storage", "average", "page_count", "mileage", "wage"])
def test_words_holding_age_are_no_age(name):
    table = pl.DataFrame({name: [95, 89, 104, 34, 61] * 20, "charge": list(range(100))})
    assert anonymize_table(table, {}, SAFE_HARBOR).table[name].max() == 104


def test_dates_that_tell_an_age_over_89_are_grouped_with_the_year():
    # reproduced: ages became "90 or older" but born 1920-01-01 stayed, giving the age of 104 back
    cutoff = dt.date.today().year - 90
    births = [dt.date(1915, 3, 2), dt.date(1920, 7, 9), dt.date(cutoff + 1, 5, 5), dt.date(1980, 1, 31)] * 25
    table = pl.DataFrame({"born": births, "charge": list(range(100))})
    out = anonymize_table(table, {}, SAFE_HARBOR).table["born"].to_list()
    assert out[:4] == [dt.date(cutoff, 1, 1), dt.date(cutoff, 1, 1), dt.date(cutoff + 1, 1, 1), dt.date(1980, 1, 1)]


def test_ages_written_as_text_over_89_are_grouped():
    # reproduced: one "<1" made an age column text, and 92, 97 and 101 were kept
    table = pl.DataFrame({"age": ["<1", "92", "45", "97", "101", "90+", None, "7"] * 10, "charge": list(range(80))})
    out = anonymize_table(table, {}, SAFE_HARBOR).table["age"].to_list()
    assert out[:8] == ["<1", "90+", "45", "90+", "90+", "90+", None, "7"]


def test_a_record_code_repeated_over_a_patient_s_visits_is_an_identifier():
    # reproduced: ten visits per patient left MRNs and VINs under neutral names at 10% distinct values, below
    # rule 18's one-value-per-row share: "unclassified (kept)", and every synthetic row carried a real one
    rng = np.random.default_rng(2)
    visits = [(p, v) for p in range(60) for v in range(10)]
    table = pl.DataFrame({
        "ref": [f"MR{7000000 + p * 37:08d}" for p, _ in visits],
        "car": [f"1HGCM82633A{100000 + p * 7:06d}" for p, _ in visits],
        "dx": rng.choice(list("ABC"), len(visits)), "lab": rng.normal(5, 1, len(visits)),
    })  # fmt: skip
    result = anonymize_table(table, {}, SAFE_HARBOR)
    assert "ref" not in result.table.columns and "car" not in result.table.columns
    assert result.table.columns == ["dx", "lab"]  # the codes "A", "B", "C" are no record numbers


def test_free_text_loses_every_date_element_but_the_year_ages_over_89_and_record_numbers():
    # reproduced: partial dates, ages over 89 and record, account, licence, device and plan numbers survived masking
    notes = [
        "Admitted on March 14 and discharged 3/20.",
        "92-year-old man, age 97.",
        "MRN: 88412345, acct #55512345, VIN 1HGCM82633A004352.",
        "Pacemaker serial SN-0042-XQ, driver license D1234567.",
        "Seen 2023-03 and in Dec 2023, again on 14th of June.",
        "Health plan member ID XJH448812345.",
    ]
    fillers = [f"{w} day {i % 30}" for i, w in enumerate(["stable overnight", "pain controlled", "wound clean"] * 98)]
    table = pl.DataFrame({"note": notes + fillers})
    planted = ("March 14", "3/20", "92-year", "age 97", "88412345", "55512345", "1HGCM82633A004352", "SN-0042",
               "D1234567", "2023-03", "Dec 2023", "14th of June", "XJH448812345")  # fmt: skip
    # by default only common words stay: every number goes, words of the text without identifiers stay
    out = anonymize_table(table, {}, SAFE_HARBOR)
    text = " ".join(out.table["note"].to_list()[:6])
    assert not [p for p in planted if p in text] and not re.search(r"\d", text)
    assert out.table["note"].to_list()[6:] == [re.sub(r"\d+", "<REDACTED>", f) for f in fillers]
    # with the recognizers alone (mask_words: recognized) the rules' own forms show
    recognized = {"note": ColumnPolicy(anonymize="mask", mask_words="recognized")}
    out = anonymize_table(table, recognized, SAFE_HARBOR)
    text = " ".join(out.table["note"].to_list()[:6])
    assert not [p for p in planted if p in text]
    assert "90+" in text  # an age over 89 is said as the group
    assert out.table["note"].to_list()[6:] == fillers  # text without identifiers is left as it was


DATE_ELEMENTS = "mask {'text': False, 'date_elements': 'year'}"


def test_a_category_column_with_a_few_dates_keeps_its_words_and_only_the_years():
    # reproduced: 8 ISO dates among "unknown" / "declined" / "see chart" were kept whole ("unclassified (kept):
    # category with 31 distinct values"); each date survived to the day
    earliest = dt.date.today().year - 90
    dates = {
        "1961-03-14": "1961",
        "03/14/1961": "1961",
        "14.03.1961": "1961",
        "March 14, 1961": "1961",
        "1975-07-02 08:30": "1975",
        "1925-05-05": str(earliest),  # a year telling an age over 89 is the one earliest year
        "seen 1988-11-23 in clinic": "seen <DATE> in clinic",
        "2 Jan 1975": "1975",
        "14031961": "1961",  # eight digits, day first
    }
    words = ["unknown", "declined", "see chart"]
    mixed = [words[i % 3] if i % 22 != 3 else list(dates)[i // 22] for i in range(200)]
    others = ["1/2 tab", "ICD-10", "Type 2", "v1.2.3", "120/80", "100234", "310512", "250001"] * 25  # no dates
    table = pl.DataFrame({"d_mixed": [*mixed[:-1], None], "dose": others, "weight": [50 + i % 40 for i in range(200)]})
    result = anonymize_table(table, {}, SAFE_HARBOR)
    assert result.profile.rules["3"] == {"d_mixed": DATE_ELEMENTS}
    assert set(result.profile.unclassified) == {"dose", "weight"}
    out = result.table
    assert out["d_mixed"].to_list() == [dates.get(v, v) for v in mixed[:-1]] + [None]
    assert out["dose"].to_list() == others
    # the report names columns and counts, never a value
    reason = result.policy["d_mixed"].reason
    assert reason == "rule 3: 9 values with a date element: whole dates to the year, other date elements to <DATE>"
    shown = repr(result.profile.to_dict()) + repr(result.report.to_dict()) + "\n".join(result.profile.format_lines())
    assert not [d for d in [*dates, "1961", "1988"] if d in shown]
    # the spec may drop the column, never keep it
    assert "d_mixed" not in anonymize_table(table, {"d_mixed": ColumnPolicy(anonymize="drop")}, SAFE_HARBOR).table
    with pytest.raises(PolicyError, match=r"column 'd_mixed'.*rule 3") as error:
        anonymize_table(table, {"d_mixed": ColumnPolicy(anonymize="keep")}, SAFE_HARBOR)
    assert not [d for d in dates if d in str(error.value)]


def test_month_and_day_without_a_year_are_a_date_element():
    # reproduced: "Jul 12" kept its month and day ("unclassified (kept): category with 105 distinct values")
    rng = np.random.default_rng(4)
    months = ["Jan", "Feb", "Mar", "Jul", "Oct", "December"]
    days = rng.integers(1, 29, 200)
    forms = ["{m} {d}", "{d} {m}", "{m} {d}th", "{d}th of {m}"]
    md = [forms[i % 4].format(m=months[i % 6], d=days[i]) for i in range(200)]
    md = [v if i % 10 else "n/a" for i, v in enumerate(md)]
    table = pl.DataFrame({"md": md, "weight": [50 + i % 40 for i in range(200)]})
    result = anonymize_table(table, {}, SAFE_HARBOR)
    assert result.profile.rules["3"] == {"md": DATE_ELEMENTS}
    assert result.table["md"].to_list() == ["<DATE>" if v != "n/a" else v for v in md]
    assert result.profile.unclassified == {"weight": "Int64 measurement, no identifier rule applies"}
