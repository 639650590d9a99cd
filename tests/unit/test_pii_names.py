"""PII detection and masking by knowledge (issue 17, sixth round): names of 105 countries
(names-dataset) and street types of 60 languages (libpostal), shipped as word lists; with the
look-alikes each must leave alone. Hand-written values, none from a held-out corpus."""

import gzip

import numpy as np
import polars as pl
import pytest

from tests.pii_cases import column_entity, mask_one
from twinforge.privacy.pii.recognizers import (
    _DATA,
    all_names,
    known_names,
    listed_street_candidates,
    listed_street_share,
    world_only_names,
)

# given names of Nigeria, Zimbabwe, Russia, Kazakhstan, Ethiopia, Uzbekistan, Armenia that no Faker
# locale lists
WORLD_FIRST_NAMES = [
    "Oluwaseun", "Chidinma", "Tendai", "Dmitriy", "Yerlan", "Aigerim", "Mahlet", "Segun", "Tariku",
    "Abebe", "Gulnara", "Anahit", "Nodira",
]  # fmt: skip


def test_world_names_are_names_faker_lacks():
    for name in WORLD_FIRST_NAMES:
        assert name.lower() not in all_names()
        assert name.lower() in world_only_names()


@pytest.mark.parametrize("name", WORLD_FIRST_NAMES)
def test_a_listed_world_name_alone_in_text_ismask_one(name):
    out = mask_one(f"Please ask for {name} at the front desk.")
    assert name not in out
    assert out == "Please ask for <PERSON> at the front desk."


@pytest.mark.parametrize(
    "text",
    [
        "Dose 2.5 mg twice daily, room 12.",  # "Dose" is a name somewhere; first in a sentence it is a word
        "Patient was discharged on Monday.",  # titles stay titles
        "Take 1 tablet every 8 hours with food.",
    ],
)
def test_words_that_are_names_somewhere_stay(text):
    assert mask_one(text) == text


def test_words_that_are_mostly_something_else_are_not_known_names():
    for word in ("patient", "street", "may", "vitamin", "von", "urgent"):
        assert word not in world_only_names()
    assert "oluwaseun" in known_names()


def test_a_column_of_world_names_is_person():
    # "First Last" and single names mixed, as a hand-typed contacts column: most hold a world name
    rng = np.random.default_rng(0)
    surnames = ["Adeyemi", "Okonkwo", "Moyo", "Smirnov", "Nurlanov", "Tesfaye", "Girma", "Karimov", "Hakobyan"]
    values = [str(rng.choice(WORLD_FIRST_NAMES)) + (f" {rng.choice(surnames)}" if i % 3 else "") for i in range(60)]
    assert column_entity(values) == "PERSON"


def test_single_words_that_are_towns_and_world_names_are_no_name_column():
    # surnames in the world list, towns and regions in Faker's: single words say nothing more
    towns = ["Valencia", "Salamanca", "Zamora", "Ceuta", "Toledo", "Segovia", "Soria", "Teruel", "Lugo", "Huesca"]
    values = [towns[i % len(towns)] for i in range(60)]
    assert column_entity(values) is None


def test_shipped_word_lists_are_plain_text_with_their_source():
    for name, source in (
        ("person_names.txt.gz", "names-dataset 3.3.1"),
        ("street_types.txt.gz", "libpostal"),
        ("address_units.txt.gz", "libpostal"),
    ):
        with gzip.open(_DATA / name, "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()
        header = [line for line in lines if line.startswith("#")]
        words = [line for line in lines if not line.startswith("#")]
        assert source in " ".join(header) and "licence" in " ".join(header)
        assert words == sorted(set(words)) and all(w == w.lower() and " " not in w for w in words)


# ------------------------------------------------------------------ street types of many languages

LISTED_STREETS = [
    "ul. Kwiatowa 5",  # Polish
    "al. Jana Pawła 12/4",
    "Szombathelyi út 88.",  # Hungarian
    "Petőfi Sándor utca 7",
    "Aleea Florilor Nr. 103 Bl. 89 Sc. 65 Ap. 600",  # Romanian
    "Calea Victoriei 12",
    "Travessa do Carmo 14",  # Portuguese
    "Gedimino prospektas 9",  # Lithuanian
    "12 Harbour Promenade",
]


@pytest.mark.parametrize("address", LISTED_STREETS)
def test_an_address_with_a_listed_street_type_is_masked_in_text(address):
    out = mask_one(f"Forward the letters to {address} until further notice.")
    assert out == "Forward the letters to <ADDRESS> until further notice."


@pytest.mark.parametrize(
    "text",
    [
        "Called Maria by 5 pm about the refund.",
        "Route 66 reopened after 4 days of repairs.",
        "Order 12345 was refunded after the second review.",
        "Version 2.4.1 shipped with 3 fixes.",
    ],
)
def test_text_without_an_address_keeps_its_words(text):
    out = mask_one(text)
    assert "<ADDRESS>" not in out


def test_a_column_of_central_european_addresses_is_street_address():
    rng = np.random.default_rng(1)
    streets = ["Kwiatowa", "Polna", "Leśna", "Słoneczna", "Krótka", "Szkolna", "Ogrodowa", "Lipowa"]
    hungarian = ["Kossuth Lajos", "Petőfi Sándor", "Rákóczi", "Ady Endre", "Dózsa György", "Béke"]
    values = []
    for i in range(60):
        n = int(rng.integers(1, 200))
        if i % 3 == 0:
            values.append(f"ul. {streets[i % len(streets)]} {n}")
        elif i % 3 == 1:
            values.append(f"{hungarian[i % len(hungarian)]} utca {n}.")
        else:
            values.append(f"al. {streets[(i + 3) % len(streets)]} {n}/{int(rng.integers(1, 40))}")
    assert column_entity(values) == "STREET_ADDRESS"
    assert listed_street_share(pl.Series(values)).all()


def test_the_street_type_prefilter_skips_text_without_one():
    found = listed_street_candidates(pl.Series(["Dose 2 mg twice daily", "Lives on Kwiatowa ul. 5", None]))
    assert found.to_list() == [False, True, False]


# ------------------------------------------------------------------ birth dates read by a date parser


def _birth_days(n: int = 60, seed: int = 2) -> list:
    import datetime as dt

    rng = np.random.default_rng(seed)
    return [dt.date(2026, 1, 1) - dt.timedelta(days=int(d)) for d in rng.integers(18 * 365, 90 * 365, n)]


@pytest.mark.parametrize("fmt", ["%Y. %m. %d.", "%Y-%b-%d", "%Y%m%d", "%Y/%b/%d"])
def test_birth_dates_in_formats_no_pattern_knows_are_read_by_the_parser(fmt):
    assert column_entity([d.strftime(fmt) for d in _birth_days()]) == "DATE_OF_BIRTH"


@pytest.mark.parametrize(
    "values",
    [
        [f"{i % 9}.{i % 30}.{i % 99}" for i in range(60)],  # versions
        [f"2025{(i % 12) + 1:02d}{(i % 28) + 1:02d}" for i in range(60)],  # recent days as numbers
        [f"{19000000 + i * 7919}" for i in range(60)],  # order numbers that look like years
    ],
)
def test_numbers_the_parser_could_read_are_no_birth_dates(values):
    assert column_entity(values) != "DATE_OF_BIRTH"
