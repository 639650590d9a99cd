"""PII detection and masking on planted values of every type, and no false positives on the demo."""

import json

import polars as pl
import pytest

from tests.planted import CLEAN_COLUMNS, EXPECTED_COLUMNS, TEXT_COLUMN, TEXT_ENTITIES, planted_table
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii import detect_pii, mask_text
from twinforge.privacy.pii.recognizers import analyze

KEY = b"k-0123456789abcdef" * 2


@pytest.fixture(scope="module")
def planted():
    table, values = planted_table()
    return table, values, detect_pii(table)


def test_every_planted_column_is_detected_with_its_type(planted):
    _, _, report = planted
    found = {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}
    assert found == EXPECTED_COLUMNS  # including the misleadingly named ones, and nothing else


def test_free_text_findings(planted):
    _, _, report = planted
    notes = report.columns[TEXT_COLUMN]
    assert notes.free_text
    assert {f.entity for f in notes.text_findings} == TEXT_ENTITIES
    assert not report.columns["status_note"].free_text  # few distinct values: a category, not free text


def test_no_false_positives(planted, demo_table):
    _, _, report = planted
    assert {c: report.columns[c].findings for c in CLEAN_COLUMNS} == {c: [] for c in CLEAN_COLUMNS}
    demo = detect_pii(demo_table)
    flagged = {c for c, d in demo.columns.items() if d.findings or d.free_text}
    assert flagged == {"fake_first_name", "fake_last_name"}  # Game-of-Thrones names, found by column name


def test_report_holds_no_values(planted):
    table, values, report = planted
    text = json.dumps(report.to_dict()) + report.format_table()
    leaked = [v for vs in values.values() for v in vs if v in text]
    assert not leaked
    assert {"column", "entity", "confidence", "share", "method", "scope"} <= set(report.rows()[0])


def test_no_planted_value_survives_default_anonymization(planted):
    table, values, _ = planted
    result = anonymize_table(table, key=KEY)
    out = result.table
    # the generalized columns are checked below: a birth year's "YYYY-01-01" may equal a planted date
    # elsewhere by chance without anything surviving
    generalized = ("date_of_birth", "zip")
    text = "\n".join(str(v) for c in out.columns if c not in generalized for v in out[c].to_list())
    for column, planted_values in values.items():
        if column in generalized:
            continue
        survivors = [v for v in planted_values if v in text or v.replace(" ", "") in text.replace(" ", "")]
        assert not survivors, (column, survivors[:3])
    assert all(d.month == 1 and d.day == 1 for d in out["date_of_birth"].drop_nulls())
    assert out["zip"].str.len_chars().max() == 3
    assert set(CLEAN_COLUMNS) | {TEXT_COLUMN, "date_of_birth", "zip"} == set(out.columns)
    assert out.height == table.height
    assert out[CLEAN_COLUMNS].equals(table[CLEAN_COLUMNS])  # what is not PII is untouched


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail ana.lopez@example.org today", "mail <EMAIL> today"),
        ("call (415) 555-2671 or +44 20 7946 0958", "call <PHONE> or <PHONE>"),
        ("card 4111 1111 1111 1111 ok", "card <CREDIT_CARD> ok"),
        ("wire to GB82 WEST 1234 5698 7654 32.", "wire to <IBAN>."),
        ("ssn 536-22-8726", "ssn <SSN>"),
        ("from 192.168.10.4 and 2001:db8:85a3::8a2e:370:7334", "from <IP_ADDRESS> and <IP_ADDRESS>"),
        ("born on 12/03/1985, seen 2024-01-05", "born on <DATE_OF_BIRTH>, seen <DATE>"),
        (
            "zip 02139, office SW1A 1AA, Cambridge MA 02115",
            "zip <POSTAL_CODE>, office <POSTAL_CODE>, Cambridge MA <POSTAL_CODE>",
        ),
        ("Maria Garcia met Dr Smith", "<PERSON> <PERSON> met Dr <PERSON>"),
        ("dose 2.5 mg twice, room 12", "dose 2.5 mg twice, room 12"),
    ],
)
def test_mask_text_replaces_each_type_with_its_token(text, masked):
    assert mask_text(pl.Series("t", [text, None])).to_list() == [masked, None]


def test_table_names_are_masked_in_any_case():
    notes = pl.Series("n", ["melisandre called about grunt's results"])
    assert mask_text(notes, frozenset({"melisandre", "grunt"}))[0] == "<PERSON> called about <PERSON>'s results"


def test_validators_reject_lookalikes():
    assert [e for e, *_ in analyze("4111 1111 1111 1112")] != ["CREDIT_CARD"]  # fails Luhn
    assert "IBAN_CODE" not in [e for e, *_ in analyze("GB82 WEST 1234 5698 7654 33")]  # bad checksum
    assert "IP_ADDRESS" not in [e for e, *_ in analyze("999.10.10.1")]
    assert [e for e, *_ in analyze("ana.lopez@example.org")] == ["EMAIL_ADDRESS"]  # offline public-suffix list
