"""The HIPAA Safe Harbor profile (45 CFR 164.514(b)(2)): ``privacy.profile: hipaa_safe_harbor``.

The profile classifies every column against the 18 Safe Harbor identifier rules, from PII
detection (:mod:`twinforge.privacy.pii`), the column's name, its type and the spec's roles and
kinds, and sets the action each rule requires:

* names, contacts, SSNs, record / plan / account / licence / vehicle / device numbers, URLs,
  IPs, biometrics, photos and other unique codes are dropped (a spec may pseudonymize the ones
  the rule allows to be pseudonymized instead);
* every date column is treated as a date about the person and reduced to its year, and years telling an
  age over 89 become the one earliest year 90 years back; ages over 89 become 90 (meaning "90 or older"),
  or ``90+`` in an age column written as text; in any other text column holding dates among other values
  (a category with a few dates, month-days such as "Jul 12"), each whole date becomes its year and other date
  elements ``<DATE>``, the other values staying as they were;
* a text column of codes (letters and digits, six characters or more, with a digit) with many distinct
  values is a record or device number under a neutral name (rule 18) even when each repeats over a
  person's rows;
* ZIP codes keep their first three digits, and the 17 three-digit areas with 20,000 people or
  fewer (:data:`RESTRICTED_ZIP3`) become ``000``; smaller places (street, city, county,
  coordinates) are dropped;
* free text is masked.

Precedence: the spec's explicit ``anonymize`` on a column wins only when it is at least as strict
as the rule (e.g. ``drop`` instead of year-only dates); a weaker one is a :class:`PolicyError`
naming the column and the rule, never silently applied. A text column with nearly one value per
row that no rule recognises is dropped under rule 18 (fail closed). Every other column is listed
in the report as ``unclassified`` with why it was kept, so nothing passes unreported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from twinforge.io.schema import ColumnKind, TableSchema, normalize_name
from twinforge.io.typing_rules import whole_numbers
from twinforge.privacy.anonymize import ColumnAction, PolicyError
from twinforge.privacy.pii import DetectionReport
from twinforge.privacy.pii.entities import (
    CARD,
    DOB,
    EMAIL,
    IBAN,
    IP,
    MAC,
    NAME_HINTS,
    PERSON,
    PHONE,
    POSTAL,
    SSN,
    VIN,
)
from twinforge.privacy.pii.recognizers import date_key_dates

PROFILE = "hipaa_safe_harbor"
# 3-digit ZIP areas with 20,000 or fewer people (2000 Census), published with the HHS de-identification guidance
RESTRICTED_ZIP3 = frozenset(
    {"036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890"}
    | {"893"}
)
AGE_CAP = 90
# a date about a person to its year, the years telling an age over 89 as one (the earliest year 90 years back)
YEAR_ONLY = {"date": "year", "oldest": AGE_CAP}
# text holding dates among other values: each date to its year (``<DATE>`` inside longer text), the rest as it was
DATE_ELEMENTS = {"text": False, "date_elements": "year"}
UNIQUE_SHARE = 0.9  # a text column with at least this share of distinct values is a unique code (rule 18)
# a text column of code-shaped values with at least this many distinct ones is a record number (rule 18), however
# often each repeats (a patient's visits)
CODE_VALUE = r"^[A-Za-z0-9][A-Za-z0-9_./-]{5,}$"  # and a digit among them
CODE_SHARE = 0.9
CODE_MIN_DISTINCT = 20
NOTES_MIN_DISTINCT = 20  # a text column of fewer distinct values is a category's few phrases, not notes

RULES: dict[int, str] = {
    1: "names",
    2: "geographic subdivisions smaller than a state",
    3: "dates (except year) and ages over 89",
    4: "telephone numbers",
    5: "fax numbers",
    6: "email addresses",
    7: "social security numbers",
    8: "medical record numbers",
    9: "health plan beneficiary numbers",
    10: "account numbers",
    11: "certificate / license numbers",
    12: "vehicle identifiers and serial numbers",
    13: "device identifiers and serial numbers",
    14: "web URLs",
    15: "IP addresses",
    16: "biometric identifiers",
    17: "full-face photographs and comparable images",
    18: "any other unique identifying number, characteristic or code",
}
FREE_TEXT = "free text"

# matched against normalize_name(column)
_NAME_RULES: list[tuple[int, re.Pattern]] = [
    (5, re.compile(r"(^|_)fax(_?(no|num|number))?$")),
    (8, re.compile(r"(^|_)(mrn|medical_?record(_?(no|num|number|id))?|chart_?(no|num|number|id)|patient_?id)$")),
    (
        9,
        re.compile(
            r"(^|_)(health_?plan|plan_?(id|no|num|number)|member_?(id|no|num|number)|beneficiary(_?(id|no|num|number))?"
            r"|insurance_?(id|no|num|number)|policy_?(no|num|number)|subscriber_?(id|no|num|number)|medicaid_?id"
            r"|medicare_?id)$"
        ),
    ),
    (10, re.compile(r"(^|_)(account|acct|bank_account)(_?(id|no|num|number))?$")),
    (11, re.compile(r"(^|_)(licen[cs]e|certificate|cert|npi|dea)(_?(id|no|num|number))?$")),
    (12, re.compile(r"(^|_)(vin|vehicle(_?(id|no|num|number))?|license_?plate|plate(_?(no|num|number))?)$")),
    (
        13,
        re.compile(r"(^|_)(device(_?(id|no|num|number|serial))?|serial(_?(no|num|number))?|imei|udi|mac_?addr(ess)?)$"),
    ),
    (14, re.compile(r"(^|_)(url|uri|website|web_?site|homepage|home_?page|link)$")),
    (16, re.compile(r"(^|_)(biometric\w*|finger_?print|voice_?print|retina\w*|iris_?scan|face_?print)$")),
    (17, re.compile(r"(^|_)(photo|photograph|picture|image|face|headshot|portrait)(_?(url|path|file))?$")),
]
# smaller places than a state; looked at after detection, so "ip_address" is an IP, not an address. Places
# are also named with the suffixes registries and claims files use (city_name, CITY_NM, county_cd,
# county_fips); a word must be whole, so "cityscape", "capacity" and "country_name" are no places.
_PLACES = (
    r"city|town|township|village|municipality|municipio|borough|county|cnty|parish|precinct|district|locality"
    r"|suburb|neighbou?rhood"
)
_GEO_NAME = re.compile(
    rf"(^|_)(address|addr|street(_?(address|name|nm))?|addr(ess)?_?line_?\d|({_PLACES})(_?(name|nm|code|cd|fips))?"
    r"|lat|latitude|lon|lng|longitude|geo_?code|census_?(tract|block)(_?(code|cd|id|no))?)$"
)
# a column of ages: "age" as a word of its name (age_in_years, PatientAge, age_at_admission; not storage or
# page_count), in years unless a word gives another unit
_AGE_WORD = re.compile(r"(^|_)age(_|$)")
_AGE_UNITS = {
    "months": 12,
    "month": 12,
    "mos": 12,
    "mo": 12,
    "weeks": 52,
    "week": 52,
    "wks": 52,
    "days": 365,
    "day": 365,
}
_DATE_NAME = re.compile(r"(^|_)(date|dt|day_of_\w+|time_?stamp|datetime|admit\w*|discharge\w*|death|died|dod)$")
_URL_VALUE = r"^(https?://|www\.)\S+$"
_ENTITY_RULES = {PERSON: 1, POSTAL: 2, DOB: 3, PHONE: 4, EMAIL: 6, SSN: 7, CARD: 10, IBAN: 10, VIN: 12, MAC: 13, IP: 15}
# rules whose columns may be pseudonymized instead of dropped (the keyed HMAC token replaces the value)
_MAY_PSEUDONYMIZE = {1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18}


@dataclass
class ProfileReport:
    """What each of the 18 rules (and free-text masking) did: rule -> column -> action; no values."""

    profile: str
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    unclassified: dict[str, str] = field(default_factory=dict)  # column kept by no rule -> why

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"profile": self.profile, "rules": {}}
        for number, title in RULES.items():
            found = self.rules.get(str(number), {})
            out["rules"][f"{number}. {title}"] = dict(found) if found else "no column found"
        free = self.rules.get(FREE_TEXT, {})
        out["rules"][FREE_TEXT] = dict(free) if free else "no column found"
        out["unclassified"] = dict(self.unclassified)
        return out

    def format_lines(self) -> list[str]:
        lines = [f"profile {self.profile}:"]
        for rule, found in self.to_dict()["rules"].items():
            if isinstance(found, str):
                lines.append(f"  {rule}: {found}")
            else:
                lines.append(f"  {rule}: " + ", ".join(f"{c} -> {a}" for c, a in found.items()))
        for column, why in self.unclassified.items():
            lines.append(f"  unclassified (kept): {column} ({why})")
        return lines


def zip3(series: pl.Series) -> pl.Series:
    """US ZIP codes to their first three digits, ``000`` for :data:`RESTRICTED_ZIP3`; other values to null.

    Integer columns, and float columns' whole numbers, are zero-padded to five digits first (``2139`` is
    ZIP ``02139``).
    """
    series = whole_numbers(series)  # 2139.0 is ZIP 02139; 2139.5 is no ZIP
    text = series.cast(pl.String).str.strip_chars()
    if series.dtype.is_integer():
        text = text.str.zfill(5)
    head = pl.when(text.str.contains(r"^\d{5}(-?\d{4})?$")).then(text.str.slice(0, 3))
    restricted = pl.Series(sorted(RESTRICTED_ZIP3), dtype=pl.String)
    out = pl.select(
        pl.when(head.is_in(restricted.implode())).then(pl.lit("000")).otherwise(head).alias(series.name)
    ).to_series()
    return out


def _classify(
    name: str,
    series: pl.Series,
    detection: DetectionReport | None,
    schema: TableSchema | None,
    declared: Any,
) -> tuple[int | str, ColumnAction] | None:
    """The rule a column falls under and the action the profile requires, or None."""
    normalized = normalize_name(name)
    found = detection.columns.get(name) if detection is not None else None
    finding = found.column_finding if found is not None else None
    if series.dtype == pl.Binary:
        return 17, ColumnAction("drop", {}, "rule 17: binary content (images, scans)")
    for rule, pattern in _NAME_RULES:
        if pattern.search(normalized):
            return rule, ColumnAction("drop", {}, f"rule {rule}: {RULES[rule]}")
    # a column named a ZIP code is one whatever detection made of its values (floats, as pandas writes
    # integers with a gap, included): cut to three digits; what is not shaped like a ZIP becomes null
    if NAME_HINTS[POSTAL].search(normalized) and (series.dtype.is_numeric() or series.dtype == pl.String):
        return 2, ColumnAction("generalize", {"zip3": True}, "rule 2: ZIP code to 3 digits (000 if restricted)")
    if finding is not None and finding.entity in _ENTITY_RULES:
        rule = _ENTITY_RULES[finding.entity]
        if finding.entity == POSTAL:
            return rule, ColumnAction("generalize", {"zip3": True}, "rule 2: ZIP code to 3 digits (000 if restricted)")
        if finding.entity == DOB:
            if series.dtype.is_temporal():
                return rule, ColumnAction("generalize", YEAR_ONLY, "rule 3: date of birth to the year")
            return rule, ColumnAction("drop", {}, "rule 3: date of birth not parsed as a date")
        return rule, ColumnAction("drop", {}, f"rule {rule}: {RULES[rule]} (detected {finding.entity})")
    if _GEO_NAME.search(normalized):
        return 2, ColumnAction("drop", {}, f"rule 2: {RULES[2]}")
    if series.dtype.is_temporal():
        return 3, ColumnAction("generalize", YEAR_ONLY, "rule 3: date about the person to the year")
    if series.dtype.is_integer() and date_key_dates(series) is not None:
        return 3, ColumnAction("drop", {}, "rule 3: dates written as yyyymmdd integers (not parsed as dates)")
    if _AGE_WORD.search(normalized) and series.dtype == pl.String and _mostly_numbers(series):
        return 3, ColumnAction("generalize", {"cap": AGE_CAP}, f"rule 3: ages over {AGE_CAP - 1} as {AGE_CAP}+")
    if _AGE_WORD.search(normalized) and series.dtype.is_numeric():
        per_year = next((n for word in normalized.split("_") if (n := _AGE_UNITS.get(word))), 1)
        cap = AGE_CAP * per_year
        unit = "" if per_year == 1 else f" ({cap} in the column's unit)"
        return 3, ColumnAction("generalize", {"cap": cap}, f"rule 3: ages over {AGE_CAP - 1} as {AGE_CAP}{unit}")
    if _DATE_NAME.search(normalized) and series.dtype == pl.String:
        return 3, ColumnAction("drop", {}, "rule 3: a date column not parsed as dates")
    if series.dtype == pl.String and _mostly_dates(series):
        return 3, ColumnAction("drop", {}, "rule 3: text whose values are mostly dates (not parsed as dates)")
    if series.dtype == pl.String and series.drop_nulls().len() > 0:
        values = series.drop_nulls()
        if values.str.contains(_URL_VALUE).mean() >= 0.5:
            return 14, ColumnAction("drop", {}, "rule 14: values are URLs")
    sentences = series.dtype == pl.String and _mostly_sentences(series)
    if sentences or (found is not None and (found.free_text or found.text_findings)):
        return FREE_TEXT, ColumnAction(
            "mask",
            {"safe_harbor": True, "common_words": True},
            "free text: identifiers, date elements, ages over 89, codes and words not common masked",
        )
    if (declared is not None and declared.role == "identifier") or (
        schema is not None and name in schema and schema[name].kind is ColumnKind.IDENTIFIER
    ):
        return 18, ColumnAction("drop", {}, "rule 18: an identifier column")
    if series.dtype == pl.String:
        values = series.drop_nulls()
        if values.len() >= 10 and values.n_unique() >= UNIQUE_SHARE * values.len():
            return 18, ColumnAction("drop", {}, "rule 18: unclassified text with a distinct value per row")
        codes = values.str.contains(CODE_VALUE) & values.str.contains(r"\d")
        if values.n_unique() >= CODE_MIN_DISTINCT and codes.mean() >= CODE_SHARE:
            return 18, ColumnAction("drop", {}, "rule 18: codes (letters and digits) with many distinct values")
        # any other text holding dates (a category with a few among its words): the dates, and only they, go
        found = int(_date_elements(values).select(pl.col("count").filter(pl.col("to").is_not_null()).sum()).item())
        if found:
            return 3, ColumnAction(
                "mask",
                DATE_ELEMENTS,
                f"rule 3: {found} values with a date element: whole dates to the year, other date elements to <DATE>",
            )
    return None


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_NUMERIC_DATE = r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"  # 1961-03-14, 03/14/1961, 14.03.61
# what free text keeps under the profile, in order: (pattern, replacement); polars' (Rust) regex, case-blind
SAFE_HARBOR_TEXT: list[tuple[str, str]] = [
    # every element of a date but the year goes, with the year beside it: "March 14", "14th of June", "Dec 2023"
    (rf"(?i)\b{_MONTH}\s+{_DAY}\b(?:,?\s+\d{{4}})?", "<DATE>"),
    (rf"(?i)\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?", "<DATE>"),
    (rf"(?i)\b{_MONTH}\s+\d{{4}}\b", "<DATE>"),
    (_NUMERIC_DATE, "<DATE>"),
    (r"\b(?:\d{4}[/-]\d{1,2}|\d{1,2}[/-]\d{4}|\d{1,2}/\d{1,2})\b", "<DATE>"),
    # (the patterns above are those of dates: DATE_PATTERNS)
    # ages over 89 as the one group: "92-year-old", "97 y/o", "age 97", "aged 101"
    (r"(?i)\b(?:9\d|1[0-4]\d)(\s*-?\s*(?:years?|yrs?|y/?o)\b)", "90+${1}"),
    (r"(?i)\b(age[ds]?\s*:?\s*)(?:9\d|1[0-4]\d)\b", "${1}90+"),
    # a number after the word that says what it is: record, account, plan, licence, vehicle and device numbers
    (
        r"(?i)\b(mrn|medical\s+record|record|chart|acct|account|member(?:\s+id)?|policy|plan(?:\s+id)?|licen[cs]e"
        r"|dl|serial|s/?n|vin|device(?:\s+id)?|imei|id|no|number)(\s*(?:number|no\.?|#)?\s*[:#.]?\s*)"
        r"[A-Za-z-]*\d[A-Za-z0-9-]{2,}",
        "${1}${2}<ID>",
    ),
    # and any other code: a run of five digits or more with its letters, capitals then digits after a dash (SN-0042)
    (r"\b[A-Za-z]*\d{5,}[A-Za-z0-9]*\b", "<ID>"),
    (r"\b[A-Z]{1,4}-\d{2,}(?:-[A-Z0-9]+)*\b", "<ID>"),
]


DATE_PATTERNS = 5  # the first patterns of SAFE_HARBOR_TEXT, those of dates
MONTH_NAME_PATTERNS = 3  # of which the first, those with a month's name


def _date_elements(values: pl.Series) -> pl.DataFrame:
    """A text column's distinct values (``value``, how often: ``count``) and what the profile makes of those holding
    a date element beyond the year (``to``; null for the others): a value that is a whole date (in any order, with
    or without a time of day, as :func:`~twinforge.privacy.pii.recognizers.parse_dates` reads it) becomes its
    year, the years telling an age over 89 the one earliest year; a date inside longer text, and a month's name
    with a day or a year ("Jul 12", "14th of June", "Dec 2023") become ``<DATE>`` as in free text
    (:data:`SAFE_HARBOR_TEXT`). Numbers that are no date ("1/2", "120/80", "1.2.3") are no dates."""
    from twinforge.privacy.pii.recognizers import parse_dates

    counts = values.drop_nulls().rename("value").value_counts(name="count")
    text = counts.get_column("value")
    candidates = text.str.contains(r"\d")
    # digits alone are a date as eight (19610314, 14031961); six or fewer are a code as often (100234, 310512)
    digits = text.str.strip_chars()
    code = digits.str.contains(r"^\d+$") & (digits.str.len_chars() != 8)
    whole = parse_dates(pl.select(pl.when(code).then(None).otherwise(text)).to_series().str.replace(_TIME_OF_DAY, ""))
    inside = parse_dates(text.str.extract(_NUMERIC_DATE, 0)).is_not_null()
    for pattern, _ in SAFE_HARBOR_TEXT[:MONTH_NAME_PATTERNS]:  # a month's name with a day or year: "Jul 12"
        inside = inside | text.str.contains(pattern)
    earliest = dt.date.today().year - AGE_CAP
    year = whole.dt.year().clip(lower_bound=earliest).cast(pl.String)
    masked = text
    for pattern, replacement in SAFE_HARBOR_TEXT[:DATE_PATTERNS]:
        masked = masked.str.replace_all(pattern, replacement)
    to = pl.select(
        pl.when(~candidates).then(None).when(year.is_not_null()).then(year).when(inside).then(masked).otherwise(None)
    ).to_series()
    return pl.DataFrame({"value": text, "count": counts.get_column("count"), "to": to})


def mask_date_elements(series: pl.Series) -> pl.Series:
    """A text column's values holding a date element beyond the year, as :func:`_date_elements` has them (whole
    dates to their year, ``<DATE>`` inside text); every other value as it was."""
    found = _date_elements(series.cast(pl.String)).filter(pl.col("to").is_not_null())
    if found.height == 0:
        return series
    return series.cast(pl.String).replace(found["value"], found["to"]).alias(series.name)


def mask_safe_harbor_text(series: pl.Series) -> pl.Series:
    """Free text as the profile requires beyond the identifiers masking finds (:func:`mask_text`): every element
    of a date but its year, ages over 89 (as ``90+``), and record, account, plan, licence, vehicle and device
    numbers and other codes (``<ID>``)."""
    out = series.cast(pl.String)
    for pattern, replacement in SAFE_HARBOR_TEXT:
        out = out.str.replace_all(pattern, replacement)
    return out.alias(series.name)


def _mostly_sentences(series: pl.Series) -> bool:
    """Whether most of a text column's values are three words or more, of many distinct values (a category's few
    phrases are no notes): notes, whatever detection found in them (the profile masks such text even when no
    identifier was detected in a sample of it)."""
    values = series.drop_nulls()
    if values.len() == 0 or values.n_unique() < NOTES_MIN_DISTINCT:
        return False
    return (values.str.count_matches(r"\S+") >= 3).mean() > 0.5


def _mostly_numbers(series: pl.Series) -> bool:
    """Whether most of a text column's values hold a number (ages written as text: "92", "<1", "90+")."""
    values = series.drop_nulls()
    return values.len() > 0 and values.str.contains(r"\d").mean() > 0.5


# a date's time of day, stripped before reading the date: "2024-08-11 15:00", "2024-08-11T15:00:07Z", "3 pm"
_TIME_OF_DAY = (
    r"(?i)(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?|\s+\d{1,2}\s*[ap]\.?m\.?)"
    r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
DATES_SAMPLE = 1000  # values read per column: enough to tell a date column, cheap on any table


def _mostly_dates(series: pl.Series) -> bool:
    """Whether more than half of a text column's values (a seeded sample of them) are dates, in any
    order and with or without a time of day: a column typing left as text (shapes mixed beyond ISO, a
    stray word) is still dates about someone, and fails closed."""
    from twinforge.privacy.pii.recognizers import parse_dates

    values = series.drop_nulls()
    if values.len() == 0:
        return False
    if values.len() > DATES_SAMPLE:
        values = values.sample(DATES_SAMPLE, seed=0)
    dates = parse_dates(values.str.replace(_TIME_OF_DAY, ""))
    return dates.is_not_null().sum() > 0.5 * values.len()


def _at_least_as_strict(rule: int | str, required: ColumnAction, declared: ColumnAction) -> bool:
    if declared.action == "drop":
        return True
    if declared.action == "pseudonymize":
        return rule in _MAY_PSEUDONYMIZE
    if declared.action == "mask":
        return rule == FREE_TEXT
    if declared.action == "generalize" and required.action == "generalize":
        p, r = declared.params, required.params
        if "date" in r:
            return p.get("date") == "year"
        if "cap" in r:  # bands that put everyone over 89 into one open band
            return "band" in p and p.get("top") is not None and p["top"] <= r["cap"]
        if "zip3" in r:
            return bool(p.get("zip3"))
    return False


def _why_kept(series: pl.Series) -> str:
    if series.dtype.is_numeric() or series.dtype == pl.Boolean:
        return f"{series.dtype} measurement, no identifier rule applies"
    distinct = series.n_unique()
    return f"category with {distinct} distinct values, no identifier rule applies"


def apply_profile(
    table: pl.DataFrame,
    policy: Mapping[str, ColumnAction],
    columns: Mapping[str, Any] | None = None,
    detection: DetectionReport | None = None,
    schema: TableSchema | None = None,
) -> tuple[dict[str, ColumnAction], ProfileReport]:
    """The Safe Harbor policy: ``policy`` (the resolved defaults) tightened by the 18 rules.

    ``columns`` are the spec's column policies; an explicit ``anonymize`` there is kept when it is
    at least as strict as the rule and raises :class:`PolicyError` otherwise.
    """
    columns = dict(columns or {})
    out: dict[str, ColumnAction] = {}
    report = ProfileReport(PROFILE)
    for name in table.columns:
        base = policy[name]
        declared = columns.get(name)
        classified = _classify(name, table.get_column(name), detection, schema, declared)
        if classified is None:
            out[name] = base
            if base.action == "keep":
                report.unclassified[name] = _why_kept(table.get_column(name))
            continue
        rule, required = classified
        if declared is not None and declared.anonymize is not None:
            if not _at_least_as_strict(rule, required, base):
                label = f"rule {rule} ({RULES[rule]})" if isinstance(rule, int) else FREE_TEXT
                raise PolicyError(
                    f"column {name!r}: the spec's 'anonymize: {base.action}' is weaker than {PROFILE} {label}, "
                    f"which requires {required.action} {required.params or ''}".rstrip()
                    + "; remove the column's anonymize setting or make it stricter"
                )
            params = {**base.params, "oldest": AGE_CAP} if base.params.get("date") == "year" else base.params
            params = {**params, "safe_harbor": True} if base.action == "mask" else params
            chosen = ColumnAction(base.action, params, f"spec (meets {PROFILE} rule {rule})")
        elif base.action == "drop":
            chosen = ColumnAction("drop", {}, f"{base.reason} (meets {PROFILE} rule {rule})")
        elif rule == FREE_TEXT and base.action == "mask" and base.params.get("person_values"):
            # levels that are people's names go whole, as the base policy has them, and the text is masked as free
            # text is (common words only): a surname level alone ("O'Fearghail") is no whole name to the level check
            chosen = ColumnAction("mask", {"person_values": True, **required.params}, required.reason)
        else:
            chosen = required
        out[name] = chosen
        params = f" {chosen.params}" if chosen.params else ""
        report.rules.setdefault(str(rule), {})[name] = f"{chosen.action}{params}"
    return out, report
