"""Columns of addresses that no street pattern or word list knows, read by their make (issue 17: address columns).

Reproduced on a held-out corpus: Azerbaijani addresses ("Gəncə şəhəri, İ.HİDAYƏTZADƏ pr., b. 3, m. 3") and
romanized Bangladeshi ones ("Bari Nan 54, Holdin Nan 9, Kajikarnar") were no PII column: half of its address columns
were missed. A column of such parts between commas, a number beside a word in one of them, words alone in another,
nearly every value different and no first word starting half of them, is a column of addresses."""

import numpy as np
import pytest

from tests.pii_cases import column_entity


def _values(make, seed: int = 0, rows: int = 60) -> list[str]:
    rng = np.random.default_rng(seed)
    return [make(rng) for _ in range(rows)]


def _pick(rng, words: list[str]) -> str:
    return words[int(rng.integers(0, len(words)))]


UZ_DISTRICTS = ["Chilonzor tumani", "Yunusobod tumani", "Mirzo Ulug'bek tumani", "Sergeli tumani", "Olmazor tumani"]
UZ_STREETS = ["Bunyodkor ko'chasi", "Qatortol ko'chasi", "Navoiy shoh ko'chasi", "Farobiy ko'chasi", "Beruniy ko'chasi"]
KA_TOWNS = ["Kutaisi", "Batumi", "Zugdidi", "Gori", "Telavi", "Poti", "Rustavi", "Ozurgeti"]
KA_STREETS = ["Chavchavadzis gamziri", "Rustavelis kucha", "Tamar Mepis kucha", "Agmashenebelis kucha"]


@pytest.mark.parametrize(
    "make",
    [
        # Uzbek: district, street, house and flat numbers
        lambda rng: (
            f"{_pick(rng, UZ_DISTRICTS)}, {_pick(rng, UZ_STREETS)}, {rng.integers(1, 120)}-uy, "
            f"{rng.integers(1, 90)}-xonadon"
        ),
        # Georgian in Latin letters: town, street, building and flat
        lambda rng: (
            f"{_pick(rng, KA_TOWNS)}, {_pick(rng, KA_STREETS)} N{rng.integers(1, 200)}, bin. {rng.integers(1, 80)}"
        ),
    ],
    ids=["uzbek", "georgian"],
)
def test_addresses_of_parts_between_commas_are_an_address_column(make):
    assert column_entity(_values(make)) == "STREET_ADDRESS"


@pytest.mark.parametrize(
    "values",
    [
        # wards and beds: one first word starts every value
        [f"Ward {i % 9 + 1}, Bed {i}" for i in range(60)],
        # a weekday before a date is a date
        [f"{d}, {i % 28 + 1} March {1950 + i}" for i, d in enumerate(["Monday", "Tuesday", "Friday"] * 20)],
        # the same few values repeated: categories
        ["Kutaisi, depot 1", "Batumi, depot 2", "Gori, depot 3"] * 20,
    ],
    ids=["wards", "dates", "repeats"],
)
def test_other_values_of_parts_between_commas_are_no_address_column(values):
    assert column_entity(values) != "STREET_ADDRESS"


def test_a_town_marker_starting_every_value_does_not_hide_the_addresses():
    # Armenian: "K." (town) starts every value, the town after it varies: "K. Goris, 3760, Hyusisayin 14"
    towns = ["Goris", "Jermuk", "Ijevan", "Talin", "Ararat", "Vardenis", "Sevan", "Dilijan", "Meghri", "Gavar"]
    streets = ["Abovyan", "Tumanyan", "Charents", "Isahakyan", "Mashtots", "Nalbandyan", "Sayat-Nova", "Komitas"]
    make = lambda rng: (
        f"K. {_pick(rng, towns)}, {rng.integers(1000, 4000)}, {_pick(rng, streets)} {rng.integers(1, 200)}"
    )  # noqa: E731
    assert column_entity(_values(make, seed=3)) == "STREET_ADDRESS"
