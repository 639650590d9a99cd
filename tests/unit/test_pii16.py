"""PII detection, sixteenth round (issue 17): addresses as India, Ghana, South Africa, Botswana, Georgia,
Nepal, the Baltic states, Japan and Taiwan write them; birth dates in Bikram Sambat (Nepal), with Polish,
Lithuanian and Latvian month forms, Estonian, Afrikaans and Georgian months, and days as ordinal words;
phone extensions in Estonian, Polish and Japanese. Each with negatives."""

import datetime as dt
import random

import polars as pl
import pytest

from tests.pii_cases import INVENTED, column_entity, distinct_values, mask_one
from twinforge.privacy.pii.recognizers import bikram_sambat_to_gregorian, context_entities, parse_dates

_RNG = random.Random(16)


def _column(template, rows: int = 40) -> list[str]:
    return distinct_values(template, _RNG, rows)


def _n(rng, low: int, high: int) -> int:
    return rng.randint(low, high)


def _word(rng) -> str:
    return rng.choice(INVENTED)


ADDRESS_FORMATS = {
    "india_door": lambda r: (
        f"Door No. {_n(r, 1, 9)}-{_n(r, 1, 9)}-{_n(r, 10, 999)}/{r.choice('ABCD')}, {_word(r)} Nagar"
    ),
    "india_old_new": lambda r: f"Old No. {_n(r, 1, 99)}, New No. {_n(r, 1, 99)}, {_word(r)} Cross Street",
    "india_flat": lambda r: (
        f"Flat No. {_n(r, 1, 9)}{r.choice('ABCD')}, {_word(r)} Apartments, Plot No. {_n(r, 1, 300)}"
    ),
    "ghana": lambda r: f"H/No. {r.choice('ABCD')} {_n(r, 1, 400)}/{_n(r, 1, 30)}, {_word(r)}, off Ring Road",
    "ghana_hse": lambda r: f"Hse No. {_n(r, 1, 99)}, {_word(r)}, off Oxford Street",
    "south_africa_erf": lambda r: f"Erf {_n(r, 100, 9999)}, {_n(r, 1, 400)} {_word(r)} Street, Soweto",
    "south_africa_zone": lambda r: f"{_n(r, 100, 9999)} Zone {_n(r, 1, 9)}, {_word(r)}",
    "private_bag": lambda r: f"Private Bag X{_n(r, 1, 9999)}\n{_word(r)}, {_n(r, 1000, 9999)}",
    "botswana_plot": lambda r: f"Plot {_n(r, 1000, 99999)}, {r.choice(['Extension', 'Phase', 'Block'])} {_n(r, 1, 12)}",
    "georgia_microdistrict": lambda r: (
        f"{_word(r)}, {r.choice(['I', 'II', 'III', 'IV'])} m/r, korp. {_n(r, 1, 40)}, bina {_n(r, 1, 90)}"
    ),
    "georgia_avenue": lambda r: f"{r.choice('DIV')}. {_word(r)} Ave. N{_n(r, 1, 120)}, apt. {_n(r, 1, 90)}",
    "georgia_street": lambda r: f"{_word(r)} St. N {_n(r, 1, 120)}, flat {_n(r, 1, 90)}",
    "lithuania": lambda r: f"{_word(r)}ų g. {_n(r, 1, 120)}-{_n(r, 1, 90)}",
    "estonia": lambda r: f"{_word(r)} {r.choice(['mnt', 'pst'])} {_n(r, 1, 170)}-{_n(r, 1, 90)}",
    "estonia_farm": lambda r: f"{_word(r)} talu, {r.choice(INVENTED)}küla, {_word(r)} vald",
    "nepal_ward": lambda r: f"{_word(r)} Marg, {_word(r)} Metropolitan City, Ward {_n(r, 1, 32)}",
    "japan_postcode": lambda r: (
        f"〒{_n(r, 100, 999)}-{_n(r, 1000, 9999)}\n長野県小金井市戸塚町{_n(r, 1, 30)}丁目{_n(r, 1, 25)}番{_n(r, 1, 20)}号"
    ),
    "japan_block": lambda r: f"福島県世田谷区四区町{_n(r, 1, 30)}丁目{_n(r, 1, 25)}番{_n(r, 1, 20)}号",
    "taiwan": lambda r: (
        f"{_n(r, 100, 99999)} 台中市{r.choice(['中山路', '自由巷', '大同街'])}{_n(r, 1, 600)}號之{_n(r, 1, 9)}"
    ),
}


@pytest.mark.parametrize("name", list(ADDRESS_FORMATS))
def test_a_column_of_addresses_in_these_formats_is_an_address_column(name):
    values = _column(ADDRESS_FORMATS[name])
    assert column_entity(values) == "STREET_ADDRESS", values[:3]


@pytest.mark.parametrize(
    "values",
    [
        [f"Ward {i % 12 + 1}" for i in range(40)],  # hospital wards
        [f"Zone {i % 9 + 1}" for i in range(40)],
        [f"Phase {i % 4 + 1} trial, cohort {i}" for i in range(40)],
        [f"東京タワー限定版 No.{i}" for i in range(40)],  # Japanese product names
        [f"第{i}回 会議の議事録" for i in range(40)],  # "minutes of the i-th meeting"
        [f"{w} Marg" for w in INVENTED * 4],  # street names alone, no number or ward
    ],
)
def test_look_alikes_of_those_addresses_make_no_address_column(values):
    assert column_entity(values) != "STREET_ADDRESS"


@pytest.mark.parametrize(
    "value, iso",
    [
        ("2034/09/28 B.S.", "1978-01-11"),
        ("3 Mangsir 2051 BS", "1994-11-18"),
        ("वि.सं. २०४९/०६/३०", "1992-10-16"),
        ("11 października 1934 r.", "1934-10-11"),
        ("1975 m. kovo 22 d.", "1975-03-22"),
        ("1969. gada 7. aprīlī", "1969-04-07"),
        ("25. detsember 1984", "1984-12-25"),
        ("11 Desember 1955", "1955-12-11"),
        ("23 სექტემბერი 1935 წ.", "1935-09-23"),
        ("the twenty-fourth of November, 1933", "1933-11-24"),
        ("the first of March, 1933", "1933-03-01"),
    ],
)
def test_dates_of_these_forms_are_read(value, iso):
    assert parse_dates(pl.Series([value])).to_list() == [dt.date.fromisoformat(iso)]


@pytest.mark.parametrize(
    "value", ["the fortieth of March, 1933", "the first of Marchember, 1933", "3 Mangsir 2051 XS x"]
)
def test_no_date_is_read_from_look_alikes(value):
    assert parse_dates(pl.Series([value])).to_list() == [None]


@pytest.mark.parametrize(
    "bs, gregorian",
    [
        ((2041, 4, 17), dt.date(1984, 8, 1)),  # Shrawan 17, 2041
        ((2080, 1, 1), dt.date(2023, 4, 14)),  # Nepali New Year 2080
        ((2000, 1, 1), dt.date(1943, 4, 13)),
    ],
)
def test_bikram_sambat_dates_are_converted_within_two_days(bs, gregorian):
    assert abs((bikram_sambat_to_gregorian(*bs) - gregorian).days) <= 2


LITHUANIAN_MONTHS = (
    "sausio vasario kovo balandžio gegužės birželio liepos rugpjūčio rugsėjo spalio lapkričio gruodžio".split()
)


def test_columns_of_bikram_sambat_and_baltic_birth_dates_are_birth_dates():
    bs = [f"{_n(_RNG, 1995, 2060)}/{_n(_RNG, 1, 12):02d}/{_n(_RNG, 1, 29):02d} B.S." for _ in range(60)]
    lithuanian = [f"{_n(_RNG, 1935, 2005)} m. {_RNG.choice(LITHUANIAN_MONTHS)} {_n(_RNG, 1, 28)} d." for _ in range(60)]
    assert column_entity(bs) == "DATE_OF_BIRTH"
    assert column_entity(lithuanian) == "DATE_OF_BIRTH"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Date of birth: वि.सं. २०४४/०६/११", "Date of birth: <DATE_OF_BIRTH>"),
        ("DOB: the thirtieth of August, 1949 ok", "DOB: <DATE_OF_BIRTH> ok"),
        ("Born: 1973. gada 23. aprīlī", "Born: <DATE_OF_BIRTH>"),
        ("born 2045/09/23 B.S. (approx.)", "born <DATE_OF_BIRTH>. (approx.)"),  # the era's last dot stays
        ("DOB 28 marca 1931 r. x", "DOB <DATE_OF_BIRTH>. x"),
        ("paid on 1999 m. balandžio 28 d. in full", "paid on <DATE>. in full"),
        ("x 1936. gada 17. augustā, y", "x <DATE>, y"),
        ("Tel. (0-22) 139-69-61 w. 875", "Tel. <PHONE>"),
        ("mobile +372 603 2802 lisa 731.", "mobile <PHONE>."),
        ("call 03-8458-9031 (内線486) now", "call <PHONE> now"),
        ("Address: pl. Wolności 27 m. 14", "Address: <ADDRESS>"),
        ("lives at House No. 981, Traffic Chowk Tole, Ward No. 16", "lives at <ADDRESS>"),
        ("ship to Hse No. 51, Dzorwulu, off Oxford Street; thanks", "ship to <ADDRESS>; thanks"),
        ("Residence: Isani, I m/r, korp. 30, bina 35", "Residence: <ADDRESS>"),
        ("〒502-3749 熊本県川崎市中原区日本堤9丁目19番15号 西浅草ハイツ917", "<ADDRESS>"),
        ("送貨地址：577 蘆洲動物園路91號之8", "送貨地址：<ADDRESS>"),
        # a door number of three parts is no date (no year has three digits)
        ("Send it to Door No. 12-2-417/A, Mehdipatnam", "Send it to <ADDRESS>"),
        ("Door No. 3-6-111/2, Himayat Nagar", "<ADDRESS>"),
        # a Vietnamese alley's house number, "5/40/928", all of it
        ("Số 5/40/928 Hẻm 95 Phan Văn Trị", "Số <ADDRESS>"),
    ],
)
def test_these_dates_phones_and_addresses_are_masked_in_text(text, masked):
    assert mask_one(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Phase 3 of the study ends in 2027.",
        "Ward 7 is closed for cleaning.",
        "The fortieth anniversary is in March, 2026.",
        "会議は第3回です。",
        "Form 4-5-852 was filed.",
        "the 2019/20 budget",
    ],
)
def test_look_alikes_in_text_are_kept(text):
    assert mask_one(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "born 1969. gada 7. aprīlī in Rīga",
        "DOB as 19851126",
        "d.o.b. is 780211 per the form",
        "Date of birth: 23 სექტემბერი 1935 წ.",
        "born 3 May 1990",
    ],
)
def test_detection_finds_every_birth_date_the_text_masker_masks(text):
    # detection (Python re) and masking (Rust regex) build their birth-date pattern from the same parts
    assert context_entities(text) == {"DATE_OF_BIRTH"}
    assert "<DATE_OF_BIRTH>" in mask_one(text)


@pytest.mark.parametrize("text", ["born in Riga", "order 19851126 shipped", "birthday party on Friday"])
def test_no_birth_date_is_detected_without_a_birth_word_and_a_date(text):
    assert context_entities(text) == set()
