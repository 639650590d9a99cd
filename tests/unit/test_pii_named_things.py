"""Columns of things named in set patterns are no columns of people's names (issue 17: person-column precision).

Reproduced: romanized colours ("Mug Kapuyt" beside "Kapuyt"), places named by their type and a given name
("Bandar Arash"), and company slogans of four words or more, some of them listed names somewhere, were each taken
for a column of people. Every column below was flagged PERSON before the change; the columns of people after them
must stay PERSON."""

import numpy as np
import pytest
from faker import Faker

from tests.pii_cases import column_entity


def _pick(values: list[str], seed: int, rows: int = 60) -> list[str]:
    rng = np.random.default_rng(seed)
    return [values[i] for i in rng.integers(0, len(values), rows)]


def _romanized(locale: str, seed: int):
    from twinforge.privacy.pii.corpus import _RomanizedAbjad, _RomanizedKoreanArmenian

    fake = Faker(locale)
    fake.seed_instance(seed)
    return (_RomanizedKoreanArmenian if locale == "hy_AM" else _RomanizedAbjad)(fake)


@pytest.mark.parametrize(("locale", "seed"), [("hy_AM", 2), ("hy_AM", 4), ("ar_PS", 0), ("ar_PS", 1)])
def test_colours_with_their_shades_are_no_names(locale, seed):
    # "Kapuyt" and "Mug Kapuyt" (blue, dark blue), "Azraq" and "Azraq Tafuli": base words alone and in longer values
    fake = _romanized(locale, 1000 + seed)
    assert column_entity([fake.color_name() for _ in range(60)]) is None


@pytest.mark.parametrize("seed", [3, 4])
def test_places_named_by_their_type_and_a_given_name_are_no_names(seed):
    given = "Arash Dariush Kourosh Babak Parviz Shirin Leila Maryam Reza Hossein Mehdi Farhad Nasrin Zahra".split()
    types = "Bandar Sharaq Shahrak Kuy Deh Qaleh Chah Mian".split()
    rng = np.random.default_rng(seed)
    values = [f"{types[i]} {given[j]}" for i, j in zip(rng.integers(0, 8, 60), rng.integers(0, 14, 60))]
    assert column_entity(values) is None


def test_company_slogans_of_many_words_are_no_names():
    companies = [
        "Sharikat Al-Nour Lil-Tijara Al-Amma",
        "Muassasat Al-Amal Lil-Tanmiya Wal-Istithmar",
        "Majmuat Al-Rawabi Lil-Muqawalat Al-Amma",
        "Sharikat Al-Sahra Lil-Naql Wal-Tawzi",
        "Maktab Al-Burj Lil-Istisharat Al-Handasiya",
        "Muassasat Al-Fajr Lil-Khidmat Al-Tibbiya",
        "Sharikat Dar Al-Salam Lil-Tijara",
        "Majmuat Al-Wafa Lil-Tatwir Al-Aqari",
        "Sharikat Nahr Al-Nil Lil-Ziraa",
        "Muassasat Al-Hilal Lil-Taalim Wal-Tadrib",
        "Sharikat Al-Khalij Lil-Tamin",
        "Majmuat Al-Manar Lil-Ilam",
    ]
    assert column_entity(_pick(companies, 5)) is None


@pytest.mark.parametrize("seed", [0, 1])
def test_romanized_slogans_are_no_names(seed):
    fake = _romanized("ar_DZ", 1000 + seed)
    assert column_entity([fake.catch_phrase() for _ in range(60)]) is None


# ------------------------------------------------------------------ people in the same patterns stay people


def test_surnames_alone_beside_full_names_stay_a_name_column():
    fake = Faker("en_US")
    fake.seed_instance(5)
    rng = np.random.default_rng(5)
    assert column_entity([fake.last_name() if rng.random() < 0.25 else fake.name() for _ in range(300)]) == "PERSON"


@pytest.mark.parametrize("locale", ["vi_VN", "ko_KR"])
def test_a_few_surnames_first_stay_a_name_column(locale):
    # "Nguyen Van An", "Kim Min-jun": few different first words, all of them listed surnames
    if locale == "ko_KR":
        surnames = "Kim Lee Park Choi Jung Kang Cho Yoon".split()
        given = "Min-jun Seo-yeon Ji-ho Ha-eun Do-yun Ji-woo Seo-jun Su-ah Ye-jun Joon-ho Hye-jin Sung-min".split()
        values = [f"{s} {g}" for s, g in zip(_pick(surnames, 6), _pick(given, 7))]
    else:
        fake = Faker(locale)
        fake.seed_instance(7)
        values = [fake.name() for _ in range(60)]
    assert column_entity(values) == "PERSON"


def test_names_of_four_listed_words_stay_a_name_column():
    fake = Faker("es_ES")
    fake.seed_instance(6)
    values = [f"{fake.first_name()} {fake.first_name()} {fake.last_name()} {fake.last_name()}" for _ in range(60)]
    assert column_entity(values) == "PERSON"
    given = "Mohammed Ahmed Abdullah Khalid Saleh Fahad Omar Ali Hassan Youssef Ibrahim Nasser Saad Faisal".split()
    families = "Al-Harbi Al-Qahtani Al-Otaibi Al-Ghamdi Al-Zahrani Al-Dosari Al-Shehri Al-Mutairi".split()
    values = [
        f"{a} {b} {c} {f}" for a, b, c, f in zip(_pick(given, 1), _pick(given, 2), _pick(given, 3), _pick(families, 4))
    ]
    assert column_entity(values) == "PERSON"
