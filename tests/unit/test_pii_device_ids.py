"""Device and vehicle identifiers: MAC addresses and vehicle identification numbers (VINs), found by content.

A column of them is dropped by default (HIPAA Safe Harbor's rules 13 and 12 under the profile); inside other text
they are masked, however short the text and however rarely they occur.
"""

import random

import polars as pl
import pytest
from faker import Faker

from twinforge.config.spec import PrivacySpec
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii import mask_text
from twinforge.privacy.pii.detect import detect_pii

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"
N = 200


def _fake() -> Faker:
    fake = Faker()
    fake.seed_instance(0)
    return fake


def _column_entities(table: pl.DataFrame) -> dict[str, str]:
    report = detect_pii(table)
    return {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}


def test_columns_of_mac_addresses_and_vins_are_found_and_dropped_whatever_their_names():
    fake = _fake()
    table = pl.DataFrame(
        {
            "hw": [fake.mac_address() for _ in range(N)],
            "hw_dashed": [fake.mac_address().upper().replace(":", "-") for _ in range(N)],
            "hw_dotted": [fake.hexify("^^^^.^^^^.^^^^") for _ in range(N)],
            "car": [fake.vin() for _ in range(N)],
            "visits": [random.Random(i).randint(1, 9) for i in range(N)],
        }
    )
    assert _column_entities(table) == {
        "hw": "MAC_ADDRESS",
        "hw_dashed": "MAC_ADDRESS",
        "hw_dotted": "MAC_ADDRESS",
        "car": "VIN",
    }
    assert anonymize_table(table, key=KEY).table.columns == ["visits"]


def test_look_alikes_are_no_device_or_vehicle_ids():
    fake = _fake()
    rng = random.Random(1)
    table = pl.DataFrame(
        {
            "clock": [f"{rng.randint(0, 23):02}:{rng.randint(0, 59):02}:{rng.randint(0, 59):02}" for _ in range(N)],
            "ipv6": [fake.ipv6() for _ in range(N)],
            "digits17": [fake.bothify("#" * 17) for _ in range(N)],
            "plate": [fake.license_plate() for _ in range(N)],
            "sku": [fake.bothify("??-####-??").upper() for _ in range(N)],
            "version": [f"{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}" for _ in range(N)],
        }
    )
    found = _column_entities(table)
    assert not {c: e for c, e in found.items() if e in ("MAC_ADDRESS", "VIN")}
    report = detect_pii(table)
    inside = {c: [f.entity for f in d.text_findings] for c, d in report.columns.items()}
    assert not [c for c, entities in inside.items() if {"MAC_ADDRESS", "VIN"} & set(entities)]


def test_a_few_in_a_column_of_short_categories_are_masked():
    rng = random.Random(2)
    levels = ["ok", "fine", "MAC 00:1A:2B:3C:4D:5E", "vin 1HGCM82633A004352"]
    table = pl.DataFrame({"info": [levels[0] if rng.random() < 0.9 else rng.choice(levels) for _ in range(1000)]})
    masked = set(anonymize_table(table, key=KEY).table["info"].to_list())
    assert masked <= {"ok", "fine", "MAC <MAC_ADDRESS>", "vin <VIN>"}
    assert "MAC <MAC_ADDRESS>" in masked and "vin <VIN>" in masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("router 00:1a:2b:3c:4d:5e rebooted", "router <MAC_ADDRESS> rebooted"),
        ("nic 00-1A-2B-3C-4D-5E", "nic <MAC_ADDRESS>"),
        ("car 1HGCM82633A004352 towed", "car <VIN> towed"),
        # no VIN: seventeen digits (a card number's form), a time of day
        ("ref 12345678901234567", "ref <CREDIT_CARD>"),
        ("at 12:34:56 today", "at 12:34:56 today"),
    ],
)
def test_masked_in_text(text, masked):
    assert mask_text(pl.Series([text])).item() == masked


def test_hipaa_profile_reports_vehicle_and_device_rules():
    fake = _fake()
    table = pl.DataFrame({"hw": [fake.mac_address() for _ in range(N)], "car": [fake.vin() for _ in range(N)]})
    result = anonymize_table(table, {}, PrivacySpec(profile="hipaa_safe_harbor"))
    rules = result.profile.to_dict()["rules"]
    assert rules["12. vehicle identifiers and serial numbers"] == {"car": "drop"}
    assert rules["13. device identifiers and serial numbers"] == {"hw": "drop"}
    assert result.table.width == 0
