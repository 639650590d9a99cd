"""E-mail addresses written so that harvesters miss them are e-mail addresses: "ann(at)example(dot)org",
"ann [at] example.org", "ann @ example . org", "ann@[10.0.0.1]"; prose with an "@" is not."""

import random

import polars as pl
import pytest
from faker import Faker

from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii import mask_text
from twinforge.privacy.pii.detect import detect_pii

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ann(at)example(dot)org today", "write to <EMAIL> today"),
        ("Ann (AT) example (DOT) co (DOT) uk", "<EMAIL>"),
        ("user [at] domain.com", "<EMAIL>"),
        ("email: john.smith @ gmail . com please", "email: <EMAIL> please"),
        ("jdoe45@[10.1.2.3]", "<EMAIL>"),
        # prose: an "@" between words, "at" without brackets
        ("call @ home. Then we left", "call @ home. Then we left"),
        ("meet @ 5 pm. ok", "meet @ 5 pm. ok"),
        ("see you at home.com", "see you at home.com"),
    ],
)
def test_obfuscated_addresses_are_masked_in_text(text, masked):
    assert mask_text(pl.Series([text])).item() == masked


def test_a_column_of_them_is_an_email_column_and_a_few_among_codes_are_masked():
    fake = Faker()
    fake.seed_instance(0)
    rng = random.Random(0)
    table = pl.DataFrame(
        {
            "contact": [f"{fake.user_name()}(at){fake.domain_word()}(dot)com" for _ in range(100)],
            "reach": [f"{fake.user_name()} [at] {fake.domain_name()}" for _ in range(100)],
            "status": [rng.choice(["none", "pending", "write to ann(at)example(dot)org"]) for _ in range(100)],
        }
    )
    report = detect_pii(table)
    assert {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding} == {
        "contact": "EMAIL_ADDRESS",
        "reach": "EMAIL_ADDRESS",
    }
    out = anonymize_table(table, key=KEY).table
    assert out.columns == ["status"]
    assert set(out["status"].to_list()) == {"none", "pending", "write to <EMAIL>"}


def test_a_quoted_mailbox_is_an_address():
    assert mask_text(pl.Series(['write to "ann lee"@example.org now'])).item() == "write to <EMAIL> now"
    table = pl.DataFrame({"x": [f'"{name} lee"@example.org' for name in ["ann", "bo", "cy", "di", "ed"] * 20]})
    assert detect_pii(table).columns["x"].column_finding.entity == "EMAIL_ADDRESS"
