"""PII detection, nineteenth round (designed on `holdout18`'s misses): what the form of a text or a column says.
Birth dates after a birth label of many languages, whatever the month's language and the script of the digits
("born ၁၉၈၅ ခုနှစ်၊ မတ်လ ၁၄ ရက်", "né le 14 մարտի 1985 թ.") or written in French words; the whole field after an
address label of more languages, and after a residence verb without a colon ("demeurant ..., nous"); columns of
birth dates whose month words are in no list (the column's values as a whole: one year and one day in each, a
dozen month words); columns whose addresses are partly of forms no pattern knows (a third of known addresses,
the rest of the same make). Each with look-alikes that stay."""

import random

import pytest

from tests.pii_cases import INVENTED, column_entity, distinct_values, mask_one

_RNG = random.Random(19)


def _kept(text: str, words: list[str]) -> list[str]:
    """Those of ``words`` still in ``text`` after masking."""
    masked = mask_one(text)
    return [w for w in words if w in masked]


@pytest.mark.parametrize(
    "text, planted",
    [
        # a birth label of many languages, then a date: day, month word and year, any order, any script's digits
        ("Date of birth: 14 մարտի 1985 թ.\nAddress", ["14", "մարտի", "1985", "թ"]),
        ("baptisé(e) Ana, né(e) le ၁၉၈၅ ခုနှစ်၊ မတ်လ ၁၄ ရက်, enfant de", ["၁၉၈၅", "ခုနှစ်", "မတ်လ", "၁၄", "ရက်"]),
        ("ថ្ងៃខែឆ្នាំកំណើត / born ថ្ងៃទី១៤ ខែមីនា ឆ្នាំ១៩៨៥\nAddress", ["ថ្ងៃទី១៤", "ខែមីនា", "ឆ្នាំ១៩៨៥"]),
        ("Tompony: Rakoto, teraka tamin'ny 14 Martsa 1985\nMonina", ["14", "Martsa", "1985"]),
        ("Tugʻilgan sana: 1985-yil 14-mart\nDoimiy", ["1985", "yil", "14-mart"]),
        ("Eaiggát: Ánde, riegádan / født njukčamánu 14. b. 1985\nČujuhus", ["njukčamánu", "14", "b.", "1985"]),
        ("Bonjou bay Ana ki fèt ils 14 da matg 1985, ak tout fanmi l", ["ils 14", "matg", "1985"]),
        ("Tenant: Ana, rugadh / born an 14ú Márta 1985\nSeòladh", ["14ú", "Márta", "1985"]),
        ("تاریخ تولد / Date of birth: ۲۳ اسد ۱۳۶۴ | Household size: 7", ["۲۳", "اسد", "۱۳۶۴"]),
        ("-d 'birth_date=1985 මාර්තු 14' -d 'iban=", ["1985", "මාර්තු", "14'"]),
        ("Date of birth: 1966 අප්\u200dරේල් 16 | Ration", ["1966", "16 |"]),  # a zero-width joiner in the month
        ("née le 14 Zorvembre 1985, enfant de", ["14", "Zorvembre", "1985"]),  # a month word in no list
        ("geboren am 3. Quelmond 1971 in Ulm", ["3.", "Quelmond", "1971"]),
        # dates of known forms after a birth label stay whole (a Korean, an Ethiopian, a Mongolian date)
        ("Clinic note: pt Z. Kim, DOB 1972년 11월 2일, c/o dizziness", ["11월", "2일"]),
        ("Fecha de nacimiento: ጥር 18 ቀን 1960 ዓ.ም.\nHelbidea", ["ቀን", "ም"]),
        ("Дата рождения: 1985 оны 1 сарын 26\nАдрес", ["сарын", "26"]),
        # a date in French words after a birth label
        ("né(e) le quatorze mars mil neuf cent quatre-vingt-cinq, enfant de", ["quatorze", "mars", "quatre"]),
        ("born Premier Décembre Mil Neuf Cent Soixante-Dix-Sept. Reply", ["Premier", "Décembre", "Sept"]),
        ("Tugʻilgan sana: le vingt et un juin deux mille trois\nDoimiy", ["vingt", "juin", "trois"]),
    ],
)
def test_these_birth_dates_are_masked_in_text(text, planted):
    assert _kept(text, planted) == []


@pytest.mark.parametrize(
    "text, kept",
    [
        # no birth label: dates of other things, amounts, versions and order numbers stay (or are plain dates)
        ("Date of issue: 14 մարտի 2020 թ.", ["մարտի", "թ."]),
        ("Newborn ward 3, bed 12, intake 2024", ["ward 3, bed 12, intake 2024"]),
        ("Firstborn 12 units shipped 2024", ["12 units shipped 2024"]),
        ("Version 14 build 2024 released", ["Version 14 build 2024 released"]),
        ("Amount: 14 AMD 1985.00 paid", ["14 AMD 1985.00"]),
        ("Order 14 of batch 2291 left", ["Order 14 of batch 2291 left"]),
        # a birth label, but no date after it: a place, words, a count
        ("born in Lyon, moved in 2001", ["born in", "moved in 2001"]),
        ("né le même jour que 12 autres en 2020", ["même jour que 12 autres en 2020"]),
        ("Date of birth: unknown | Household size: 7", ["unknown", "Household size: 7"]),
        # French number words without a birth label, or without a month
        ("Le douze avril deux mille vingt-six a été baptisé", ["avril deux mille vingt-six"]),
        ("né le quatorze, reçu deux mille francs", ["le quatorze, reçu deux"]),
    ],
)
def test_birth_date_look_alikes_stay(text, kept):
    masked = mask_one(text)
    assert all(k in masked for k in kept) and "<DOB>" not in masked, masked


@pytest.mark.parametrize(
    "text, planted",
    [
        # the field after an address label of more languages (Uzbek, Khmer, Burmese, Dari, Sinhala) and its colon
        ("Doimiy yashash manzili: Sergeli tumani, 2-kvartal, 33-uy, 91-xonadon\nTelefon", ["Sergeli", "2-kvartal"]),
        ("អាសយដ្ឋាន: Phum Wat Bo, Sangkat Sala Kamreuk\nMobile", ["Phum", "Kamreuk"]),
        ("နေရပ်လိပ်စာ: အမှတ် ၂၀၄၊ အင်းစိန်လမ်း\nဖုန်း", ["၂၀၄", "အင်းစိန်လမ်း"]),
        ("آدرس: ناحیه ۱۶، سرک چهارم، خانه ۲۴۲ | Ration", ["ناحیه", "۱۶", "۲۴۲"]),
        ("ලිපිනය: අංක 114/1B, රෝහල පාර\nPhone", ["114", "රෝහල"]),
        ("Seòladh / Address: House 131, Street 1, District 2\nFòn", ["131", "Street 1", "District 2"]),
        # premises and an iCalendar location hold an address when a number is in the field
        ("Customer: X - Premises: Section 238, Allotment 46 - Paid by card", ["238", "Allotment", "46"]),
        ("ORGANIZER:x\nLOCATION:Macroyan 1, Block 17, Apt 7\nDESCRIPTION:rele", ["Macroyan", "17", "Apt 7"]),
        # after a residence verb without a colon, comma-separated parts up to one that starts in lower case
        ("À la requête de Ana, demeurant Treichville, Avenue 23 Rue 31, nous, Maître", ["Treichville", "23", "31"]),
        ("enfant de A et de B, domiciliés à Lot près 76 G Antsahavola. Parrain: C", ["près", "76", "Antsahavola"]),
        ("domiciliée à n° 279, Av. Lukusa, Quartier Kingabwa, Commune de Gombe. Parrain", ["279", "Lukusa", "Gombe"]),
    ],
)
def test_these_addresses_are_masked_in_text(text, planted):
    assert _kept(text, planted) == []


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Location: Conference room B", ["Conference room B"]),
        ("Premises: Closed for renovation", ["Closed for renovation"]),
        ("LOCATION:Online\nDESCRIPTION:Meeting 12", ["Online", "Meeting 12"]),
        ("demeurant toujours en attente, nous", ["toujours en attente"]),
        ("Address: unknown | Phone: none", ["Address: unknown | Phone: none"]),
        ("the manzil of the poem, its 3 stanzas", ["its 3 stanzas"]),
    ],
)
def test_address_look_alikes_stay(text, kept):
    masked = mask_one(text)
    assert all(k in masked for k in kept), masked


def _n(rng, low: int, high: int) -> int:
    return rng.randint(low, high)


_BURMESE = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")
_KHMER = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_FRENCH_MONTHS = "Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre".split()
_INVENTED_MONTHS = "Zorva Brelo Quenti Miradh Solvo Tannu Ulvek Peshar Glomi Raddo Verun Kestal".split()
BIRTH_DATE_FORMATS = {
    "burmese": lambda r: (
        f"{_n(r, 1935, 2005)} ခုနှစ်၊ {r.choice('ဇန် ဖေ မတ် ဧပြီ မေ ဇွန် ဇူ ဩ စက် အောက် နို ဒီ'.split())}လ "
        f"{_n(r, 1, 28)} ရက်".translate(_BURMESE)
    ),
    "khmer": lambda r: (
        f"ថ្ងៃទី{_n(r, 1, 28)} ខែ{r.choice('មករា កុម្ភៈ មីនា មេសា ឧសភា មិថុនា កក្កដា សីហា កញ្ញា តុលា វិច្ឆិកា ធ្នូ'.split())} "
        f"ឆ្នាំ{_n(r, 1935, 2005)}".translate(_KHMER)
    ),
    "invented_months": lambda r: f"{_n(r, 1, 28)} {r.choice(_INVENTED_MONTHS)} {_n(r, 1935, 2005)}",
    "year_first_invented": lambda r: f"{_n(r, 1935, 2005)}-yil {_n(r, 1, 28)}-{r.choice(_INVENTED_MONTHS).lower()}",
    "solar_hijri_afghan": lambda r: f"{_n(r, 1, 29)} {r.choice(_INVENTED_MONTHS)} {_n(r, 1315, 1385)}",
    "french_words": lambda r: (
        f"{r.choice(['Premier', 'Deux', 'Onze', 'Quatorze', 'Vingt-Trois', 'Trente'])} "
        f"{r.choice(_FRENCH_MONTHS)} Mil Neuf Cent "
        f"{r.choice(['Quarante', 'Cinquante-Huit', 'Soixante-Dix', 'Quatre-Vingt-Cinq', 'Trente-Deux'])}"
    ),
}


@pytest.mark.parametrize("name", list(BIRTH_DATE_FORMATS))
def test_a_column_of_birth_dates_in_these_forms_is_a_birth_date_column(name):
    values = distinct_values(BIRTH_DATE_FORMATS[name], _RNG, 60)
    assert column_entity(values) == "DATE_OF_BIRTH", values[:3]


@pytest.mark.parametrize(
    "values",
    [
        # one year and one number in each, but the words are one or two (no months), or the years recent
        [f"Batch {i % 28 + 1} of {1990 + i % 30}" for i in range(60)],
        [f"{i % 28 + 1} {_INVENTED_MONTHS[i % 12]} {2023 + i % 3}" for i in range(60)],
        [f"Invoice {i % 28 + 1}/{1950 + i}" for i in range(60)],
        [f"{INVENTED[i % 10]} {i % 28 + 1} {INVENTED[(i // 10) % 10]} {1940 + i}" for i in range(60)],  # 60 word pairs
        [f"v{i % 9}.{i % 28 + 1} build {1950 + i}" for i in range(60)],
    ],
)
def test_look_alikes_of_those_birth_dates_make_no_birth_date_column(values):
    assert column_entity(values) != "DATE_OF_BIRTH"


_KNOWN = [
    lambda r: f"{_n(r, 1, 999)} {r.choice(INVENTED)} Street",
    lambda r: f"{_n(r, 1, 999)} {r.choice(INVENTED)} Road",
    lambda r: f"No. {_n(r, 1, 400)}, {r.choice(INVENTED)} Road",
]
_UNKNOWN = [
    lambda r: f"BP {_n(r, 1000, 99999)}",
    lambda r: f"Maison {_n(r, 1, 999)}",
    lambda r: f"{r.choice(INVENTED)} tumani, {_n(r, 1, 30)}-kvartal, {_n(r, 1, 99)}-uy, {_n(r, 1, 99)}-xonadon",
    lambda r: f"Section {_n(r, 1, 400)}, Allotment {_n(r, 1, 60)}",
    lambda r: f"Quartier {r.choice(INVENTED)}, Rue {_n(r, 1, 9)}.{_n(r, 100, 999)}",
]


def test_a_column_of_addresses_partly_of_unknown_forms_is_an_address_column():
    values = distinct_values(lambda r: r.choice(_KNOWN if r.random() < 0.45 else _UNKNOWN)(r), _RNG, 60)
    assert column_entity(values) == "STREET_ADDRESS", values[:5]


@pytest.mark.parametrize(
    "values",
    [
        # a few addresses among product codes, room numbers or free text stay no address column
        [
            f"{i} {INVENTED[i % 10]} Street" if i % 4 == 0 else f"SKU-{i:04d}-{INVENTED[i % 10][:2].upper()}"
            for i in range(60)
        ],
        [f"{i} {INVENTED[i % 10]} Road" if i % 4 == 0 else f"Room {i}" for i in range(60)],
        [f"{i} {INVENTED[i % 10]} Street" if i % 4 == 0 else f"Batch {i}, line {i % 3}" for i in range(60)],
    ],
)
def test_look_alikes_of_those_address_columns_make_no_address_column(values):
    assert column_entity(values) != "STREET_ADDRESS"
