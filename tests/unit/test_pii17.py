"""PII detection, seventeenth round (issue 17): birth dates in Hungarian, Russian, Ukrainian, Bulgarian, Kazakh,
Mongolian, Welsh, Basque and Kurmanji, and in the Ethiopian calendar; IBANs grouped with no-break spaces;
addresses as Kazakhstan, Kyrgyzstan, Mongolia, Peru, Ethiopia, China, Wales and the Faroe Islands write them,
and values that start with one numbered part and a place. Each with negatives."""

import datetime as dt
import random

import polars as pl
import pytest

from tests.pii_cases import INVENTED, column_entity, distinct_values, mask_one
from twinforge.privacy.pii.recognizers import ethiopian_to_gregorian, iban_shaped, parse_dates

_RNG = random.Random(17)


def _column(template, rows: int = 40) -> list[str]:
    return distinct_values(template, _RNG, rows)


def _n(rng, low: int, high: int) -> int:
    return rng.randint(low, high)


def _word(rng) -> str:
    return rng.choice(INVENTED)


@pytest.mark.parametrize(
    "value, iso",
    [
        ("1937. szeptember 23.", "1937-09-23"),
        ("26.07.1990 г.", "1990-07-26"),
        ("15 июня 1985 г.", "1985-06-15"),
        ("4 май 1968 г.", "1968-05-04"),
        ("19 травня 1961 р.", "1961-05-19"),
        ("1982 жылғы 3 желтоқсан", "1982-12-03"),
        ("1934 оны 4 сарын 26", "1934-04-26"),
        ("6 Gorffennaf 2004", "2004-07-06"),
        ("1953ko martxoaren 5a", "1953-03-05"),
        ("21 Hezîran 1984", "1984-06-21"),
        # the Ethiopian calendar, numeric with its era's mark or with the month's name
        ("03/10/1955 ዓ.ም.", "1963-06-10"),
        ("መስከረም 1 ቀን 1963 ዓ.ም.", "1970-09-11"),
    ],
)
def test_dates_of_these_forms_are_read(value, iso):
    assert parse_dates(pl.Series([value])).to_list() == [dt.date.fromisoformat(iso)]


@pytest.mark.parametrize("value", ["1937. Drovik 23.", "1934 оны 14 сарын 26", "03/14/1955 ዓ.ም.", "1982 жылғы 3"])
def test_no_date_is_read_from_look_alikes(value):
    assert parse_dates(pl.Series([value])).to_list() == [None]


@pytest.mark.parametrize(
    "ethiopian, gregorian",
    [
        ((2016, 1, 1), dt.date(2023, 9, 12)),  # Enkutatash, the new year after a leap year
        ((2012, 4, 29), dt.date(2020, 1, 8)),  # Tahsas 29
        ((1963, 1, 1), dt.date(1970, 9, 11)),
        ((2015, 13, 5), dt.date(2023, 9, 10)),  # Pagume, the short thirteenth month
    ],
)
def test_ethiopian_dates_are_converted(ethiopian, gregorian):
    assert ethiopian_to_gregorian(*ethiopian) == gregorian


@pytest.mark.parametrize("ethiopian", [(2015, 14, 1), (2015, 13, 7), (2015, 2, 31)])
def test_ethiopian_dates_out_of_range_are_refused(ethiopian):
    with pytest.raises(ValueError):
        ethiopian_to_gregorian(*ethiopian)


HUNGARIAN_MONTHS = "január február március április május június július augusztus szeptember október november december"
KAZAKH_MONTHS = "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан"
BIRTH_DATE_FORMATS = {
    "hungarian": lambda r: f"{_n(r, 1935, 2005)}. {r.choice(HUNGARIAN_MONTHS.split())} {_n(r, 1, 28)}.",
    "russian_numeric": lambda r: f"{_n(r, 1, 28):02d}.{_n(r, 1, 12):02d}.{_n(r, 1935, 2005)} г.",
    "kazakh": lambda r: f"{_n(r, 1935, 2005)} жылғы {_n(r, 1, 28)} {r.choice(KAZAKH_MONTHS.split())}",
    "mongolian": lambda r: f"{_n(r, 1935, 2005)} оны {_n(r, 1, 12)} сарын {_n(r, 1, 28)}",
    "ethiopian": lambda r: f"{_n(r, 1, 30):02d}/{_n(r, 1, 12):02d}/{_n(r, 1930, 1995)} ዓ.ም.",
}


@pytest.mark.parametrize("name", list(BIRTH_DATE_FORMATS))
def test_a_column_of_birth_dates_in_these_formats_is_a_birth_date_column(name):
    values = _column(BIRTH_DATE_FORMATS[name], rows=60)
    assert column_entity(values) == "DATE_OF_BIRTH", values[:3]


def test_a_column_of_ibans_grouped_by_no_break_spaces_is_an_iban_column():
    ibans = [
        "BY46\xa0XKDI\xa07641\xa0KO74\xa0WKIU\xa0E23F\xa05NVQ",
        "IS84\u202f4931\u202f4146\u202f2199\u202f6212\u202f2650\u202f37",
    ]
    assert all(iban_shaped(v) for v in ibans)
    values = [
        "\xa0".join(
            [f"{r.choice(['IS', 'FO', 'MN', 'SO'])}{_n(r, 10, 99)}"] + [f"{_n(r, 1000, 9999)}" for _ in range(4)]
        )
        for r in [_RNG] * 40
    ]
    assert column_entity(values) == "IBAN_CODE", values[:3]


ADDRESS_FORMATS = {
    "kazakhstan": lambda r: f"ул. {_word(r)}, д. {_n(r, 1, 200)}А, кв. {_n(r, 1, 150)}",
    "kazakhstan_microdistrict": lambda r: (
        f"г. Шымкент, мкр. Самал-{_n(r, 1, 4)}, д. {_n(r, 1, 99)}, кв. {_n(r, 1, 150)}"
    ),
    "kyrgyzstan": lambda r: f"{_n(r, 1, 12)} мкр., д. {_n(r, 1, 60)}, кв. {_n(r, 1, 90)}",
    "russian_upper": lambda r: f"УЛ. {_word(r).upper()} {_n(r, 1, 200)}, КВ. {_n(r, 1, 90)}",
    "mongolia": lambda r: f"Сүхбаатар дүүрэг, {_n(r, 1, 30)}-р хороо, {_n(r, 1, 80)}-р байр, {_n(r, 1, 99)} тоот",
    "mongolia_latin": lambda r: f"{_word(r)} District, Khoroo {_n(r, 1, 30)}, {_n(r, 1, 40)}-r gudamj",
    "mongolia_soum": lambda r: f"{_word(r)} sum, {_n(r, 1, 9)}-r bag, Khövsgöl aimag",
    "peru": lambda r: f"Mz. {r.choice('ABCDGJ')} Lt. {_n(r, 1, 40)}, AA.HH. {_word(r)}",
    "ethiopia": lambda r: f"ቀበሌ {_n(r, 1, 20):02d}፣ የቤት ቁጥር {_n(r, 100, 2500)}",
    "china_building": lambda r: (
        f"{r.choice(['长春', '郑州', '梧州', '汕尾'])}{r.choice('路街')}{r.choice('ABCDXYZ')}座 {_n(r, 100000, 999999)}"
    ),
    "wales": lambda r: f"{_n(r, 1, 150)} {r.choice(['Stryd', 'Ffordd', 'Heol'])} y {_word(r)}",
    "faroe": lambda r: f"{_word(r)}s gøta {_n(r, 1, 60)}",
    "house_then_place": lambda r: f"House {_n(r, 1, 400)}, {_word(r)}, behind Dahabshiil",
    "villa_then_place": lambda r: f"Villa {r.choice('ABCD')}-{_n(r, 1, 400)}, {_word(r)} Village",
}


@pytest.mark.parametrize("name", list(ADDRESS_FORMATS))
def test_a_column_of_addresses_in_these_formats_is_an_address_column(name):
    values = _column(ADDRESS_FORMATS[name])
    assert column_entity(values) == "STREET_ADDRESS", values[:3]


@pytest.mark.parametrize(
    "values",
    [
        [f"Room {i % 30 + 1}" for i in range(40)],
        [f"Batch {i}, line {i % 3}" for i in range(40)],
        [f"ул. {w}" for w in INVENTED * 4],  # street names alone, no house number
        [f"{i} мкр." for i in range(40)],
        [f"第{i}座" for i in range(40)],
    ],
)
def test_look_alikes_of_those_addresses_make_no_address_column(values):
    assert column_entity(values) != "STREET_ADDRESS"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("pay to IS84\xa04931\xa04146\xa02199\xa06212\xa02650\xa037 today", "pay to <IBAN> today"),
        ("Адрес: ул. Абая, д. 57, кв. 174", "Адрес: <ADDRESS>"),
        ("lives at Сүхбаатар дүүрэг, 7-р хороо, 47-р байр, 90 тоот; call", "lives at <ADDRESS>; call"),
        ("Khan-Uul District, Khoroo 11, 29-r gudamj, 29 toot", "<ADDRESS>"),
        ("ship to Mz. G Lt. 6, Villa El Salvador", "ship to <ADDRESS>"),  # the place's name goes with it
        ("送货地址：长春街X座", "送货地址：<ADDRESS>"),
    ],
)
def test_these_ibans_and_addresses_are_masked_in_text(text, masked):
    assert mask_one(text) == masked
