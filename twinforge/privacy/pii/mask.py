"""Masking PII inside text: every match becomes a type token such as ``<EMAIL>``.

Pattern types are replaced over the whole column by polars (Rust regex, no Python
per row); person names by word-list lookups over every word of every text, also in
polars. A long column is masked in slices on a few threads (polars releases the
GIL), so both cores work on the 1M-row case. The
patterns are broader than detection's validated recognizers on purpose: masking
a number that was not a phone number loses little, missing one leaks it.
Order matters: e-mail addresses before anything with digits, dates before phone
numbers, and so on.
"""

from __future__ import annotations

import functools
import re

import polars as pl

from twinforge.parallel import map_on_threads
from twinforge.privacy.pii.disk_cache import kept_on_disk
from twinforge.privacy.pii.entities import (
    ADDRESS,
    CARD,
    DOB,
    EMAIL,
    IBAN,
    IP,
    MAC,
    MASK_TOKENS,
    PERSON,
    PHONE,
    POSTAL,
    SSN,
    URL,
    VIN,
)
from twinforge.privacy.pii.recognizers import (
    ADDRESS_IN_CONTEXT,
    ADDRESS_PATTERN_HALVES,
    BIRTH_DATE_AFTER_LABEL,
    BIRTH_LABELS,
    BIRTH_LINK,
    BIRTH_VALUE,
    CJK_DATE,
    DATE_PATTERN,
    LETTER_LABEL_WORDS,
    MAC_PATTERN,
    NAME_PARTICLES,
    OBFUSCATED_EMAIL,
    OTHER_HONORIFICS,
    OTHER_SCRIPT_DATE,
    PATRONYMIC_SUFFIXES,
    PERSON_LABELS,
    PHONE_EXTENSION,
    POSTAL_CONTEXT,
    TITLES,
    UK_POSTCODE,
    UPPER_CASE_NOT_NAMES,
    URL_PATTERN,
    US_ZIP,
    VIN_PATTERN,
    WEAK_NAME_PARTICLES,
    all_names,
    ascii_boundaries,
    date_shaped,
    english_words,
    first_names,
    honorific_words,
    listed_street_candidates,
    listed_street_patterns,
    luhn_valid,
    not_name_words,
    other_language_name_words,
    other_language_words,
    vocabulary_not_names,
    world_only_names,
)

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_US_STATE = (
    r"(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]"
    r"|W[AIVY])"
)

_PHONE_EXT = rf"(?i:{PHONE_EXTENSION})?"

# after the country code of "+44 ..." or "0044-...": an optional area code in brackets, groups of digits
_AFTER_COUNTRY_CODE = r"(?:\(\d{1,4}\)[\s.\-–]?)?\d{1,5}(?:[\s.\-–]?\d{1,5}){1,4}" + _PHONE_EXT + r"\b"  # – : en dash
# words after which a bare run of seven or eight digits is a local phone number ("on 6981018")
_PHONE_CONTEXT = (
    r"(?:phone[ds]?|phoned in from|tel|telephone|mobile|cell|fax|call(?:ed)?(?: back)?|ring|number|on|at|from)"
)
# phone words of other languages, after which seven or eight digits (one separator allowed) are a local number:
# "номер 33554073", "Утас: 7011-9702"; matched between non-letters (an ASCII word boundary misses Cyrillic)
_PHONE_WORDS_ABROAD = (
    r"номер|телефон|тел|моб|утас|ffôn|ffon|teléfono|telefono|telefone|téléphone|tél|numéro|número|nummer|numero"
    r"|móvil|movil|celular|handy|puhelin|telefon|msisdn|whatsapp|gsm|mob"
)

# ------------------------------------------------------------------ phone numbers by shape

# Phone numbers of any country by their shape, once e-mails, URLs, IBANs, IPs, dates and cards in
# groups of four are masked: an optional "+", "(+57)" or "00" country code, then up to eight digit
# groups separated by single spaces, dots, dashes or slashes, or in brackets ("(0)21", "(021) 555"),
# 7-15 digits in all (six in three pairs or more: "88 91 90"), and an optional extension ("x123",
# "ext. 12", "#12"). Dates, year and time ranges, decimals, thousands, money, versions and ISBNs
# have such groups too and are left alone; SSNs, ZIP+4 codes and card numbers are left to their
# patterns, which run after this one. The texts worth a look: six digits with at most a bracket and
# a separator between each two.
PHONE_SHAPE_CANDIDATE = r"\d(?:\)?[ .\-/]?\(?\d){5}"
_PHONE_GROUP = r"(?:\(\d{1,5}\)|\(\d-\d{2,4}\)|\d{1,15})"  # Polish trunk and area code: "(0-22)"
PHONE_SHAPE = re.compile(
    # not inside a word or a number, nor a Japanese postcode ("〒502-3749"); after a comma, as a CSV row's
    # field ("...,0919-523-4398,...")
    r"(?<![\w.+\-/()〒])"
    rf"(?P<body>(?:\(\+\d{{1,3}}\)\s?|\+)?{_PHONE_GROUP}(?:(?:[ .\-/]|(?<=\))|(?=\())[ ]?{_PHONE_GROUP}){{0,7}})"
    rf"(?P<ext>{PHONE_EXTENSION})?"
    r"(?![\w+]|[.,\-/]\d)",
    re.IGNORECASE,
)
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15
PHONE_BARE_DIGITS = (10, 12)  # one run of digits without separators: a national number
PHONE_MAX_GROUPS = 7
PHONE_MAX_SINGLE_DIGIT_GROUPS = 2  # "+32 2 123 45 67"; not "1 2 3 4 5 6 7"
_YEAR_OR_TIME_RANGE = re.compile(
    r"^(?:1[89]|20)\d\d\s?[\-/]\s?(?:1[89]|20)\d\d$|^\d{1,2}[.:]\d{2}\s?-\s?\d{1,2}[.:]\d{2}$"
)
_DECIMAL = re.compile(r"^\d+[.,]\d{1,2}$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?P<sep>[ .])\d{3}(?:(?P=sep)\d{3})+$")
_CURRENCY = r"[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|JPY|AUD|CAD|NZD|INR|ZAR|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|R|Rs)\b\.?"
# on the same line: a number at a line's end is no amount of the currency that starts the next line
_MONEY_BEFORE = re.compile(rf"(?:{_CURRENCY})[ \u00a0]?$")
_MONEY_AFTER = re.compile(
    rf"^[ \u00a0]?(?:{_CURRENCY}|%|(?:dollars?|euros?|pounds?|rand|francs?|kr|units?|km|kg|mg|ml|m)\b)", re.IGNORECASE
)
_PO_BOX_BEFORE = re.compile(r"\bbox\s*(?:no\.?\s*)?$", re.IGNORECASE)
_VERSION_OR_ISBN_BEFORE = re.compile(
    r"(?:\b(?:v|ver|version|release|build|rev|isbn(?:-1[03])?)\.?:?\s?)$", re.IGNORECASE
)


def phone_shaped(body: str, before: str = "", after: str = "") -> bool:
    """``body`` (digit groups as :data:`PHONE_SHAPE` finds them) is a phone number: 7-15 digits in
    at most seven groups, and no date, year or time range, decimal, thousands, money, version or
    ISBN (``before`` and ``after`` are the text around it)."""
    groups = re.findall(r"\d+", body)
    digits = sum(len(g) for g in groups)
    # six digits only in three groups or more, none of one digit: short local numbers ("88 91 90")
    short_local = digits == PHONE_MIN_DIGITS - 1 and len(groups) >= 3 and min(map(len, groups)) >= 2
    if not (PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS or short_local) or len(groups) > PHONE_MAX_GROUPS:
        return False
    if len(groups) == 1 and not body.startswith("+") and not PHONE_BARE_DIGITS[0] <= digits <= PHONE_BARE_DIGITS[1]:
        return False
    if sum(len(g) == 1 for g in groups) - body.count("(0)") > PHONE_MAX_SINGLE_DIGIT_GROUPS:
        return False
    core = body.strip()
    if date_shaped(core) or _YEAR_OR_TIME_RANGE.match(core) or _DECIMAL.match(core):
        return False
    if _MONEY_BEFORE.search(before) or _MONEY_AFTER.match(after) or _VERSION_OR_ISBN_BEFORE.search(before):
        return False
    if _PO_BOX_BEFORE.search(before):  # "P.O. Box 1521-20100": a box and a postal code, part of an address
        return False
    if _THOUSANDS.match(core) and len(groups[0]) == 1:  # "1 204 000"; "912 345 678" is a phone
        return False
    if _THOUSANDS_BEFORE.search(before) and len(groups[0]) == 3:  # "1,250 000" goes on a number
        return False
    # left to the patterns after this one: SSNs, ZIP+4 codes, card numbers (12+ digits in groups of
    # four or more, Luhn)
    if _SSN_OR_ZIP4.match(core) or (digits >= 12 and min(map(len, groups)) >= 4 and luhn_valid("".join(groups))):
        return False
    return not (digits == 13 and re.match(r"^97[89][\- ]\d", core))  # an ISBN-13


# a number's thousands before a comma ("1,", "12,345,"); not a CSV field that ends in digits ("...-1416,")
_THOUSANDS_BEFORE = re.compile(r"(?:^|[^\d,])\d{1,3}(?:,\d{3})*,$")
_SSN_OR_ZIP4 = re.compile(r"^\d{3}[ .\-]\d{2}[ .\-]\d{4}$|^\d{5}-\d{4}$")


def mask_phone_shapes(text: str) -> str:
    """``text`` with every :data:`PHONE_SHAPE` that :func:`phone_shaped` accepts replaced by ``<PHONE>``."""

    def replace(match: re.Match) -> str:
        before, after = text[max(0, match.start() - 12) : match.start()], text[match.end() : match.end() + 12]
        return MASK_TOKENS[PHONE] if phone_shaped(match.group("body"), before, after) else match.group(0)

    return PHONE_SHAPE.sub(replace, text)


# an address, not from the decimals of an amount: "1,250.00 EUR SEPA CT" is no "00 Eur Sepa Court"; one
# pattern per half of the address patterns, the first half's addresses masked first (as one regex they
# exceed the regex engine's size limit)
_ADDRESSES_NOT_IN_AMOUNTS = tuple(rf"(^|[^\d.,]|[.,][^\d])(?:{half})" for half in ADDRESS_PATTERN_HALVES)
# What goes with a masked address: a flat after its house number ("Mina iela 60 - 29", "Raointie 94
# C 44", "Hakimgade 18, 2. tv.", "C/ Mayor, 14, 3º izda."), a P.O. box's postcode ("Box 58619-80100"),
# the areas, towns and postcode after it, each after a comma ("..., Brgy. Aksha", "..., Rahman R/A",
# "..., Dhaka, 1873"), the next address token, and the unit words or number sign in front ("Flat 4,
# ...", "Holding No 4, ...", "#679, 14th Cross").
# Over-masking a town or a word in front costs no precision: the address is one token either way.
_ADDRESS_PART_WORD = r"\p{Lu}[\p{L}'’.\-/]*"
_ADDRESS_TAIL = (
    r"(?:\s?-\s?\d{1,5}\b|\s[A-H]\s\d{1,4}\b|,?\s\d{1,2}\.\s?(?i:tv|th|mf|sal|st)\."
    r"|,?\s\d{1,2}\.?\s?[º°ª]\.?\s?(?:(?i:izda|izq|dcha|dch|int|pta|dto|esq|dta|fte|frente)\.?|[A-H]\b)?"
    # unit words after the house number: Swedish "lgh 1011", Brazilian "- bloco K apto 326", Indonesian
    # "Kav. 36, RT 10/RW 04", Spanish "esc. izq."
    r"|,?\s(?:-\s)?(?i:lgh|bloco|bl|apto|ap|kav|rt|casa|sala|conj|lote|lt|qd|quadra|bina|lok|m|apt|flat|korp)\.?\s?"
    r"(?:\d{1,5}|[A-Z])\b"
    r"(?:/(?i:rw)\s?\d{1,3}\b)?"
    # a landmark after the address, as India, Ghana and the Gulf write them: ", near SBI ATM", ", off Ring Road"
    r"|,\s*(?:near|opp\.|opposite|behind|off|beside)\s+\p{Lu}[\p{L}'\-]*\.?(?:\s+\p{Lu}[\p{L}'\-]*\.?){0,4}"
    # the building after a Japanese block ("西浅草ハイツ917"), an Estonian parish ("Raasiku vald")
    r"|\s[\p{Han}\p{Katakana}\p{Hiragana}ー]{1,20}\d{1,4}|,\s*\p{Lu}[\p{L}\-]*\s+vald"
    # Nepal: the street's type after its name, the ward ("..., Traffic Chowk Tole, Ward No. 16")
    r"|\s(?:Tole|Marg|Chowk)\b|,\s*(?i:ward)\s+(?:(?i:no)\.?\s*)?\d{1,3}\b"
    r"|,?\s(?i:esc)\.?\s?(?:(?i:izq|izda|dcha|dch)\.?|[A-H]\b)"
    # a floor and its side, as the Basque Country and Spain write them: ", 7. esk.", ", 4. D", ", behea" (ground floor)
    r"|,\s*\d{1,2}\.\s?(?:(?i:eskuina|ezkerra|esk|ezk|erdia|izq|izda|izquierda|dcha|dch|derecha|centro)\.?|[A-H]\b)"
    r"|,\s*(?i:behea|bajo|entresuelo|ático|atico)\b"
    rf"|,\s*(?:\d{{1,3}}(?:st|nd|rd|th)\s+)?{_ADDRESS_PART_WORD}"
    rf"(?:\s+(?:{_ADDRESS_PART_WORD}|\p{{Ll}}{{1,3}}\s+{_ADDRESS_PART_WORD}|\d{{1,4}}[A-Za-z]?\b)){{0,5}}"
    rf"|,\s*\d{{4,6}}\b|,?\s*{MASK_TOKENS[ADDRESS]})"
)
# (a house number in front too, a Vietnamese alley's "5/40/928" among them: the halves of the address patterns
# are masked one after the other, and the first may take "Apartments, 5915 Cabbage Extension" where the second
# would have begun at "17F Asteroid")
ADDRESS_CONTINUATION = (  # "<" and ">" are literal
    rf"(?:\b\d{{1,6}}[A-Za-z]?(?:/\d{{1,6}}[A-Za-z]?){{0,2}}\s)?(?:(?:\p{{Lu}}\p{{Ll}}+\s){{1,2}}|#)?{MASK_TOKENS[ADDRESS]}{_ADDRESS_TAIL}*"
)
_UNIT_WORD = r"(?i:tower|block|blk|bldg|building|flat|fflat|apt|apartment|unit|suite|ste|house|villa)\.?"
_UNITS_BEFORE_ADDRESS = rf"\b(?:{_UNIT_WORD}\s?[A-Z]?-?\d{{1,5}}[A-Z]?,\s*){{1,3}}" + re.escape(MASK_TOKENS[ADDRESS])
# an address's label (of many languages; words may qualify it before its colon: "Адрес постоянной регистрации:",
# "Оршин суугаа хаяг:"), and the field after it up to the field's end: a line break, " | ", " - ", two spaces, a
# tab, ";" or the text's end; the field holds a capital or a digit ("Address: unknown" stays) and no colon
# (Uzbek "manzil", Gaelic "seòladh", Sámi "čujuhus", Malagasy "monina", Armenian, Khmer, Burmese, Dari and Persian,
# Arabic, Sinhala and Tamil)
_ADDRESS_LABELS = (
    r"address|addr|residence|domicile|domicilio|dirección|direccion|adresse|anschrift|wohnort|indirizzo|endereço"
    r"|endereco|morada|adres|adress|adressi|osoite|cím|adresa|адрес|адреса|хаяг|cyfeiriad|helbidea|bústaður"
    r"|heimilisfang|አድራሻ|住所|地址|주소|alamat|tirahan|anwani|địa chỉ|manzil|manzili|manzilingiz|seòladh|čujuhus"
    r"|monina|հասցե|អាសយដ្ឋាន|နေရပ်လိပ်စာ|လိပ်စာ|آدرس|نشانی|عنوان|ලිපිනය|முகவரி"
    r"|residencia|адресу|место жительства|место проживания|住址|居住地"
)
_ADDRESS_FIELD_END = r"((?:[ ]+[-–—][ ]+|[ ]*\||[ ]{2,}|\t|\n|;|$))"
ADDRESS_AFTER_LABEL = (
    rf"(?i)((?:^|[^\p{{L}}])(?:{_ADDRESS_LABELS})(?:[ ]\p{{L}}+){{0,3}}[ ]?[:：][ \t]*)"
    r"(?-i:[^\n|;\t:]{0,100}?[\p{Lu}\d][^\n|;\t:]{0,100}?)" + _ADDRESS_FIELD_END
)
# a JSON key that is an address's label ("adresse", "home_address"): its string value, up to its closing quote
ADDRESS_IN_JSON_FIELD = (
    rf"(?i)(\"(?:\p{{L}}+[_ ])?(?:{_ADDRESS_LABELS})\"[ ]?:[ ]?\")"
    r"(?-i:[^\"\n]{0,200}?[\p{Lu}\d][^\"\n]{0,200}?)(\")"
)
# labels that hold an address only when a number is in their field: "Premises: Section 238, Allotment 46", an
# iCalendar "LOCATION:Macroyan 1, Block 17" ("Location: Conference room B" stays)
_PLACE_LABELS = r"premises|location|lieu|ubicación|ubicacion|standort|местоположение"
ADDRESS_AFTER_PLACE_LABEL = (
    rf"(?i)((?:^|[^\p{{L}}])(?:{_PLACE_LABELS})[ ]?:[ \t]*)"
    r"(?-i:[^\n|;\t:]{0,100}?\d[^\n|;\t:]{0,100}?)" + _ADDRESS_FIELD_END
)
# after a residence verb without a colon ("demeurant", "domiciliés à", "residing at"): comma-separated parts, each
# starting with a capital, a letter of a script without case, a digit, "#", "n°" or a mask token, up to a part in
# lower case (", nous"), a sentence's full stop, or the field's end; a dot stays inside after a short word ("Av.",
# "No.") or between digits ("Rue 2.845")
_RESIDENCE_VERBS = (
    r"demeurant(?:[ ]à)?|domicilié(?:e)?s?[ ]à|résidant[ ]à|habitant[ ]à|wohnhaft[ ]in|residing[ ]at|resident[ ]at"
    r"|domiciled[ ]at|residente[ ]en|domiciliad[oa]s?[ ]en|residente[ ]in|domiciliat[oa][ ]in|residente[ ]em"
)
_FIELD_TOKEN = r"(?:\p{L}{1,4}\.|[^\s,.;:|]+(?:\.\p{Nd}+)?)"
_FIELD_PART = rf"(?:[\p{{Lu}}\p{{Lo}}\p{{Nd}}#<]|n[°º][ ]?|(?i:no)\.[ ]?){_FIELD_TOKEN}?(?:[ ]+{_FIELD_TOKEN}){{0,8}}"
ADDRESS_AFTER_RESIDENCE = (
    rf"(?i)((?:^|[^\p{{L}}])(?:{_RESIDENCE_VERBS})[ ]+)(?-i:{_FIELD_PART}(?:,[ ]*{_FIELD_PART}){{0,5}})"
    r"((?-i:,[ ]+\p{Ll})|\.(?:[ ]|$)|[ ]*\n|$|[ ]+[-–—][ ]|;|\))"
)
# (entity, pattern, replacement); "$1"/"$2" keep a context word in front of the token; no replacement:
# the pattern picks the texts that :func:`mask_phone_shapes` looks at
MASK_PATTERNS: list[tuple[str, str, str | None]] = [
    # letters of any script: "sæbø@example.no" must not leave "sæ" behind
    (EMAIL, r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}", MASK_TOKENS[EMAIL]),
    (EMAIL, OBFUSCATED_EMAIL, MASK_TOKENS[EMAIL]),  # "ann(at)example(dot)org", "ann @ example . org"
    (URL, URL_PATTERN, MASK_TOKENS[URL]),
    # before phone numbers and dates, which would take its digit pairs ("00-14-22-01-23-45")
    (MAC, MAC_PATTERN, MASK_TOKENS[MAC]),
    # a passport's machine-readable name: "DOE<<JANE<ANN"
    (PERSON, r"\b[A-Z]{2,}(?:<[A-Z]+)*<<[A-Z]+(?:<[A-Z]+)*\b", MASK_TOKENS[PERSON]),
    # groups parted by a space, a no-break or a narrow no-break space, or a hyphen; in capitals or in lower case
    # throughout, so that a short word after the number ("... 5561 by Friday") is no last group; the country code
    # parted from the check digits too ("RO 47 VEMY ED1U ..."), in capitals and with every group parted (in lower
    # case that is prose: "de 14 para todo")
    (
        IBAN,
        r"\b(?:[A-Z]{2}\d{2}(?:[ \u00a0\u202f\-]?[A-Z0-9]{4}){2,7}(?:[ \u00a0\u202f\-]?[A-Z0-9]{1,4})?"
        r"|[A-Z]{2}[ \u00a0\u202f\-]\d{2}(?:[ \u00a0\u202f\-][A-Z0-9]{4}){2,7}(?:[ \u00a0\u202f\-][A-Z0-9]{1,4})?"
        r"|[a-z]{2}\d{2}(?:[ \u00a0\u202f\-]?[a-z0-9]{4}){2,7}(?:[ \u00a0\u202f\-]?[a-z0-9]{1,4})?)\b",
        MASK_TOKENS[IBAN],
    ),
    # five or more groups of digits joined by dots or dashes, the later ones of two to four digits:
    # "06.12.34.56.78" is a French phone number, not a date or IP address followed by digits
    (PHONE, r"\b\d{1,4}(?:\.\d{2,4}){4,6}\b|\b\d{1,4}(?:-\d{2,4}){4,6}\b", MASK_TOKENS[PHONE]),
    (IP, rf"\b(?:{_OCTET}\.){{3}}{_OCTET}\b", MASK_TOKENS[IP]),
    (
        IP,
        r"(?i)(?:\b[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?:\b[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}\b)?",
        MASK_TOKENS[IP],
    ),
    # "DOB as 19851126", "born on 3 May 1990": a birth word, a few linking words, a date
    (
        DOB,
        rf"(?i)\b({BIRTH_LABELS})\b({BIRTH_LINK}){BIRTH_VALUE}",
        "${1}${2}" + MASK_TOKENS[DOB],
    ),
    # before dates ("+61-3-7106-7088" and "06-1/070 7648" hold date-shaped digits) and before
    # "+..." below: a country code in brackets: "(+57) 309 549 80 06", "(+57)6046549011"
    (PHONE, r"\(\+\d{1,3}\)\s?\d{1,10}(?:[\s.\-]\d{2,5}){0,4}\b" + _PHONE_EXT, MASK_TOKENS[PHONE]),
    (PHONE, r"\+\d{1,3}[\s.\-]?" + _AFTER_COUNTRY_CODE, MASK_TOKENS[PHONE]),
    # an area code in brackets before digits in pairs, which would read as a date: "(010) 55-58-39"
    # (with a trunk prefix in front: "8 (727) 260-56-22")
    (PHONE, r"(?:\b\d{1,2}[ \-])?\(\d{2,5}\)\s?\d{2,4}(?:[\s.\-]\d{2,4}){1,3}\b" + _PHONE_EXT, MASK_TOKENS[PHONE]),
    (
        PHONE,
        r"(?:\(\d{1,3}\)\s?)?\b\d{1,3}(?:-\d{1,2})?/\d{3}[\s\-]?\d{4}" + _PHONE_EXT + r"\b",
        MASK_TOKENS[PHONE],
    ),
    ("DATE", rf"(?i)\b{DATE_PATTERN}\b", MASK_TOKENS["DATE"]),
    ("DATE", CJK_DATE, MASK_TOKENS["DATE"]),  # no word boundary: the characters are no ASCII word
    ("DATE", OTHER_SCRIPT_DATE, MASK_TOKENS["DATE"]),
    # a birth label of many languages and a date of any other form after it: "né le 14 մարտի 1985 թ.", "born ၁၉၈၅
    # ..." (after the dates of known forms, which it would otherwise cut short: "1972년 11월 2일", "ጥር 18 ቀን 1960 ዓ.ም.")
    (DOB, BIRTH_DATE_AFTER_LABEL, "${1}" + MASK_TOKENS[DOB] + "${2}"),
    # card numbers in groups of four before phone numbers, which would take "0079 3111" of
    # "3544 9020 0079 3111" for an international number
    (CARD, r"\b\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{1,4}\b", MASK_TOKENS[CARD]),
    # numbers with an area code in brackets, then international numbers: "+44 20 7946 0958" is no card
    (
        PHONE,
        r"(?:\+?\b\d{1,3}[\s.\-]?)?\(\d{1,5}\)[\s.\-]?\d{2,8}(?:[\s.\-]?\d{2,5}){0,3}" + _PHONE_EXT + r"\b",
        MASK_TOKENS[PHONE],
    ),
    # any other phone number, by its shape (see mask_phone_shapes), before the card pattern takes
    # long ones ("0044 20 7946 0958")
    (PHONE, PHONE_SHAPE_CANDIDATE, None),
    (CARD, r"\b(?:\d[ \-]?){11,18}\d\b", MASK_TOKENS[CARD]),
    (SSN, r"\b\d{3}[ .\-]\d{2}[ .\-]\d{4}\b|\b\d{9}\b", MASK_TOKENS[SSN]),
    (VIN, VIN_PATTERN, MASK_TOKENS[VIN]),  # after card numbers, which a run of seventeen digits may be
    (POSTAL, rf"(?i)\b({POSTAL_CONTEXT})\b(\W{{0,3}})(?:{US_ZIP}|{UK_POSTCODE})\b", "${1}${2}" + MASK_TOKENS[POSTAL]),
    (POSTAL, rf"\b({_US_STATE})(\s+){US_ZIP}\b", "${1}${2}" + MASK_TOKENS[POSTAL]),
    (POSTAL, rf"\b{UK_POSTCODE}\b", MASK_TOKENS[POSTAL]),
    # the whole field after an address's label and its colon, whatever the address's form: read before the address
    # patterns, whose tails may take the next line's label ("...Ankadifotsy\nTelefon") and leave the field open
    (ADDRESS, ADDRESS_AFTER_LABEL, "${1}" + MASK_TOKENS[ADDRESS] + "${2}"),
    (ADDRESS, ADDRESS_IN_JSON_FIELD, "${1}" + MASK_TOKENS[ADDRESS] + "${2}"),
    (ADDRESS, ADDRESS_AFTER_PLACE_LABEL, "${1}" + MASK_TOKENS[ADDRESS] + "${2}"),
    (ADDRESS, ADDRESS_AFTER_RESIDENCE, "${1}" + MASK_TOKENS[ADDRESS] + "${2}"),
    *((ADDRESS, pattern, "${1}" + MASK_TOKENS[ADDRESS]) for pattern in _ADDRESSES_NOT_IN_AMOUNTS),
    (ADDRESS, ADDRESS_IN_CONTEXT, "${1}" + MASK_TOKENS[ADDRESS]),
    (ADDRESS, ADDRESS_CONTINUATION, MASK_TOKENS[ADDRESS]),
    # a building and flat before it: "Tower D2, Apt 1006, <ADDRESS>"
    (ADDRESS, _UNITS_BEFORE_ADDRESS, MASK_TOKENS[ADDRESS]),
    (PHONE, rf"(?i)\b({_PHONE_CONTEXT})(\W{{1,3}})\d{{7,8}}\b", "${1}${2}" + MASK_TOKENS[PHONE]),
    (
        PHONE,
        rf"(?i)(^|[^\p{{L}}])({_PHONE_WORDS_ABROAD}|phone|tel|mobile|cell)(\W{{1,3}})(?:\d{{7,8}}|\d{{3,4}}[ \-]\d{{4}})\b",
        "${1}${2}${3}" + MASK_TOKENS[PHONE],
    ),
    # a phone link's scheme goes with its number (RFC 3966 "tel:+4531234567", Skype's "callto:")
    (PHONE, r"(?i)\b(?:tel|callto|sms):\s?" + re.escape(MASK_TOKENS[PHONE]), MASK_TOKENS[PHONE]),
]

_TOKEN_WORDS = frozenset(t.strip("<>").lower() for t in MASK_TOKENS.values())
MIN_TABLE_NAME_LENGTH = 3


# Address patterns are costly (many street words, Unicode classes): they run only on the texts that
# have a digit before a capitalised word, a continental street word or a unit word.
ADDRESS_PREFILTER = (
    r"\d(?:[A-Za-z]|-[A-Za-z]|st|nd|rd|th)?,?\s+\p{Lu}"
    r"|\d\s?\p{L}{0,3}\s*#\s*\d"  # Colombia's grid: "Cl. 36 # 81-32"
    r"|(?i:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad)(?:\s+\d|\b)"
    r"|\b(?i:rue|avenue|av\.|boulevard|bd|chemin|impasse|allée|place|quai|route|cours|calle|avenida|paseo|plaza"
    r"|via|viale|piazza|corso|largo|box|flat|studio|apartment|apt|suite|unit|level|psc|jalan|jln|lorong|lrg"
    r"|persiaran|lebuh|no|rang|croissant|chowk|nagar|ganj|av|avda|psje|pje|pasaje|camino|piazzale|strada|vicolo|borgo|contrada"
    r"|rua|travessa|rodovia|rehov|rechov|sderot"
    r"|lungomare|km|loc|fraz|frazione)\b|\bUS[NSC]\b"
    r"|(?i:số|ngõ|ngách|hẻm|località|praça)\s"  # no ASCII word boundary after "ố", "õ", "à"
    r"|(?i:montée|allée|allé|côte)\s"  # no ASCII word boundary after "é"
    r"|\b[Cc]/\s"  # Spanish "C/ Mayor, 14" (calle)
    # Nordic and Dutch street types glued to the name: "Stevnsgade 419", "Storgatan 12"
    r"|\p{Ll}(?:vej|gade|stræde|vænge|plads|torv|vang|vägen|väg|gatan|gata|gränd|stigen|backen|torget|veien|vei"
    r"|vegen|veg|gate|gaten|stien|plassen|straat|laan|plein|gracht|kade|dreef|singel|steeg|dijk|katu|tie|kuja|polku"
    r"|tori)\s+\d"
    # a street type as a word of its own before the number: "Karlstads Allé 2", "Lange Straße 5"
    r"|(?:Street|Road|Avenue|Lane|Drive|Boulevard|Allé|Alle|Allee|Vej|Gade|Vei|Veien|Gata|Gatan|Väg|Vägen|Straße"
    r"|Strasse|Straat|Weg|Laan|Plads|Plein|Torv)\s+\d"
    # abbreviated and Baltic types, "N" before the number: "Pekini St. N 78", "Vilniaus g. 110-51", "Narva mnt 1"
    r"|\b(?:St|Rd|Ave|g|pr|mnt|pst)\.?\s+(?:N\s?|No\.\s?)?\d"
    # a private bag, a microdistrict, a ward, an Estonian farm, a Japanese postcode or block, a Chinese house number
    r"|\b(?i:private\s+bag|m/r|mkr|ward|talu)\b|〒|丁目|[號号]"
    # Cyrillic street, house and flat words; a Mongolian district, khoroo or soum; Peru's block; a kebele; a
    # Chinese building by its letter
    r"|(?:ул|Ул|УЛ|пр|мкр|Мкр|д|кв|КВ)\.\s|дүүрэг|düüreg|хороо|[Kk]horoo|\s(?:sum|сум),|Mz\.|ቀበሌ|座"
    r"|\d\s+(?:หมู่|ถนน|ถ\.|ซอย|ซ\.)"  # a Thai house number before its village, road or lane
)


def mask_patterns(text: pl.Series) -> pl.Series:
    """``text`` with every pattern of :data:`MASK_PATTERNS` replaced by its token, in order."""
    for _entity, pattern, replacement in MASK_PATTERNS:
        if replacement is None:
            candidates = text.str.contains(pattern).fill_null(False)
            if candidates.any():
                found = [mask_phone_shapes(t) for t in text.filter(candidates).to_list()]
                text = text.scatter(candidates.arg_true(), pl.Series(found, dtype=pl.String))
            continue
        if pattern in _ADDRESSES_NOT_IN_AMOUNTS:  # the context pattern starts with its words: no prefilter
            if pattern == _ADDRESSES_NOT_IN_AMOUNTS[0]:  # the second half looks at the same texts
                candidates = text.str.contains(ascii_boundaries(ADDRESS_PREFILTER)).fill_null(False)
            text = _replace_where(text, candidates, (pattern, replacement))
            if pattern == _ADDRESSES_NOT_IN_AMOUNTS[-1]:
                text = mask_listed_streets(text)
            continue
        prefilter = _LABEL_PREFILTERS.get(pattern)
        if prefilter is not None:  # a label's pattern runs only on the texts that hold one of its labels
            text = _replace_where(text, prefilter, (pattern, replacement))
            continue
        text = text.str.replace_all(ascii_boundaries(pattern), replacement)
    return mask_phone_extensions(text)


def _replace_where(text: pl.Series, prefilter: str | pl.Series, *replacements: tuple) -> pl.Series:
    """``text`` with each ``(pattern, replacement)`` of ``replacements`` applied in order, on the texts that
    ``prefilter`` picks (a pattern they contain, or a boolean Series); the other texts as they were. A pattern
    given as a string is replaced by polars (``replacement``: a string with ``${1}`` groups); a compiled
    :mod:`re` pattern by Python (``replacement``: a function of the match)."""
    candidates = prefilter if isinstance(prefilter, pl.Series) else text.str.contains(prefilter).fill_null(False)
    if not candidates.any():
        return text
    chosen = text.filter(candidates)
    for pattern, replacement in replacements:
        if isinstance(pattern, re.Pattern):
            chosen = pl.Series([pattern.sub(replacement, t) for t in chosen.to_list()], dtype=pl.String)
        else:
            chosen = chosen.str.replace_all(pattern, replacement)
    return text.scatter(candidates.arg_true(), chosen)


# the label words that the patterns reading a label's field need (a text without one cannot match)
_LABEL_PREFILTERS = {
    BIRTH_DATE_AFTER_LABEL: f"(?i)(?:{BIRTH_LABELS})",
    ADDRESS_AFTER_LABEL: f"(?i)(?:{_ADDRESS_LABELS})",
    ADDRESS_IN_JSON_FIELD: f"(?i)(?:{_ADDRESS_LABELS})",
    ADDRESS_AFTER_PLACE_LABEL: f"(?i)(?:{_PLACE_LABELS})",
    ADDRESS_AFTER_RESIDENCE: f"(?i)(?:{_RESIDENCE_VERBS})",
}


# a word of any language and a number after a masked phone number, bracketed or not, is its extension
# ("estyniad 43", "вн. 572", "(barne-zenbakia 371)"), unless the word is everyday English or labels a thing
# ("after 5 pm", "Room 12") or the number goes on as a time or a decimal
_PHONE_TOKEN = re.escape(MASK_TOKENS[PHONE])
_EXTENSION_CANDIDATE = _PHONE_TOKEN + r",?[ \t]*\(?[ \t]*\p{L}[\p{L}\-]{0,19}\.?[ \t]*:?[ \t]*\d"
_EXTENSION_AFTER_PHONE = re.compile(
    _PHONE_TOKEN
    + r",?[ \t]*(?P<open>\()?[ \t]*(?P<word>[^\W\d_](?:[^\W\d]|-){0,19}?)\.?[ \t]*:?[ \t]*\d{1,6}(?(open)\))"
    r"(?![\d:.,]\d|[ \t]*(?:am|pm|h|hrs?|min)\b)",
    re.IGNORECASE,
)


@kept_on_disk
def _not_extension_words() -> frozenset[str]:
    return english_words() | vocabulary_not_names() | LETTER_LABEL_WORDS | {"am", "pm"}


def mask_phone_extensions(text: pl.Series) -> pl.Series:
    """``text`` with what :data:`_EXTENSION_AFTER_PHONE` finds after a ``<PHONE>`` token joined to the token."""
    words = _not_extension_words()

    def replace(match: re.Match) -> str:
        return match.group(0) if match.group("word").lower() in words else MASK_TOKENS[PHONE]

    return _replace_where(text, _EXTENSION_CANDIDATE, (_EXTENSION_AFTER_PHONE, replace))


def mask_listed_streets(text: pl.Series) -> pl.Series:
    """Addresses by a listed street type of any language (:func:`~twinforge.privacy.pii.recognizers.listed_street_patterns`)
    become ``<ADDRESS>``, on the texts that hold such a word."""
    streets = [(pattern, "${1}" + MASK_TOKENS[ADDRESS]) for pattern in listed_street_patterns()]
    return _replace_where(text, listed_street_candidates(text).fill_null(False), *streets)


# words (with an apostrophe inside: "O'Brien", "Ja’far") and what lies between them ("grunt's":
# "grunt", "'", "s"); a word keeps its combining accents ("Ọláòṣebìkan" has some even when composed)
_PIECES = r"\p{L}[\p{L}\p{M}]*(?:['’‘ʻ](?:\p{Lu}[\p{L}\p{M}]+|\p{Ll}{2,}))?|[^\p{L}]+"
# between two parts of one name: a space, a hyphen, an initial's dot, a comma ("Lopez, Ana")
# ("; ": "Lopez; Ana"; ".-": "J.-P. Roux")
_NAME_GAPS = [" ", "  ", "\t", ".", ". ", ".  ", ".\t", "-", ".-", ", ", ",  ", ",\t", "; ", "་"]  # ་: Tibetan's tsheg
# and what some formats put there: a nickname's quotes ("Ana 'Bunny' Lopez"), "LOPEZ/ANA", "Lopez (Ana)"
_NAME_PUNCTUATION = [" '", "' ", ' "', '" ', " ‘", "’ ", " “", "” ", "/", " ("]
_DIGRAPH_INITIAL = r"^(?:Ch|Sh|Kh|Zh|Ts|Yu|Ya|Ye|Yo|Gh|Dz)$"
_SPREAD_STEPS = 3  # "J. R. R. Tolkien": how far a name spreads to its neighbours
_PRONOUNS = ["he", "him", "his", "she", "her", "hers", "they", "them", "theirs", "ze", "zir", "xe", "xem"]
# before a maiden name, which is part of the name's span: "Ana Lopez (née Ruiz)", "Ana Lopez geb. Ruiz"
_MAIDEN_NAME_MARKERS = "née nee né geb geborene born rođ roj rod roz ur szül épouse".split()
# a word in capitals with a vowel of the Latin alphabets: "ATTN", "DNR" have none; "LÊ", "VŨ",
# "DƯƠNG", "O'BRIEN" have
_UPPER_VOWEL = r"[AEIOUYÀ-ÆÈ-ÏÒ-ÖØ-ÜÝĀĂĄĒĔĖĘĚĨĪĬĮİŌŎŐŒŨŪŬŮŰŲƠƯƏẠ-ỸАЕЁИОУЫЭЮЯІЇЄӘӨҮҰΑΕΗΙΟΥΩ]"
_UPPER_WITH_VOWEL = rf"^(?:\p{{Lu}}[\p{{Lu}}'’]*)?{_UPPER_VOWEL}[\p{{Lu}}'’]*$"
_MIN_UPPER_NAME_LETTERS = 4
_MIN_LOWER_NAME_LETTERS = 3  # "li", "le", "an" are names and words
# rows per slice of a long column in mask_text: large enough that each slice's fixed costs are small
# (1M rows: 17 s on 2 threads in 4 slices, against 24 s in one piece; benchmarks/results/pii_detection.md)
PARALLEL_SLICE_ROWS = 250_000


@functools.lru_cache(maxsize=1)
def _name_series() -> tuple[pl.Series, pl.Series]:
    """Faker's names and those only the world list has, lower-cased, as Series built once (about
    400,000 words in all)."""
    return pl.Series(sorted(all_names()), dtype=pl.String), pl.Series(sorted(world_only_names()), dtype=pl.String)


@functools.lru_cache(maxsize=1)
def _first_name_series() -> pl.Series:
    """Faker's first names, lower-cased, as a Series built once."""
    return pl.Series(sorted(first_names()), dtype=pl.String)


@functools.lru_cache(maxsize=1)
def _common_word_series() -> tuple[pl.Series, pl.Series, pl.Series]:
    """Words that are no names (English, other languages' everyday words, the mask tokens' words), the other
    languages' ones alone, and those of them the world list holds as a name: Series built once. The everyday
    words of other languages are common words too (one look-up for both); which of them are foreign is looked
    up for capitalised words and words in capitals only."""
    blocked = pl.Series(sorted(not_name_words() | other_language_words() | set(_TOKEN_WORDS)), dtype=pl.String)
    foreign = pl.Series(sorted(other_language_words() - not_name_words()), dtype=pl.String)
    foreign_names = pl.Series(sorted(other_language_name_words() - not_name_words()), dtype=pl.String)
    return blocked, foreign, foreign_names


def _listed_where(condition: pl.Expr, lowered: pl.Expr, listed: pl.Series) -> pl.Expr:
    """Whether a lower-cased word is in ``listed``, looked up only where ``condition`` holds (false elsewhere):
    most pieces of a text are gaps and common words."""
    return pl.when(condition).then(lowered).otherwise(None).is_in(listed.implode()).fill_null(False)


def mask_names(values: pl.Series, extra_names: frozenset[str] = frozenset()) -> pl.Series:
    """Person names in text become ``<PERSON>``, over the name's full span.

    A word is masked when it is a capitalised known first or last name, any word (any case) from
    ``extra_names`` (the table's own name columns, lower-cased), or a capitalised word right after a
    title ("Dr", "Patient"). The mask then spreads to adjacent capitalised words and initials
    that are not common words ("Patient Fitzwilliam", "Ana M. Lopez-Quetzal"), and two adjacent
    capitalised words that are not common words are taken as a name too (over-masking a place costs
    little). Each text is cut into words and gaps, one row per piece, and all of this runs as
    vectorized passes over the pieces of all texts with neighbours found by shifting: no Python per row.
    """
    common, world = _name_series()
    first = _first_name_series()
    extra = pl.Series(
        sorted(n for n in extra_names if len(n) >= MIN_TABLE_NAME_LENGTH and n not in _TOKEN_WORDS), dtype=pl.String
    )
    blocked, foreign, foreign_names = _common_word_series()
    # less English words that would announce names everywhere ("do", "am", "off", "cut")
    # and the courtesy titles of other languages written as one word ("Madame", "gđa", "السيدة")
    one_word = {h for h in OTHER_HONORIFICS if h.isalpha()}
    honorifics = pl.Series(sorted((honorific_words() | one_word) - {"am", "cut", "do", "off"} - NAME_PARTICLES))
    # one row per piece (word or gap), flags computed over all pieces of all texts at once; a piece's
    # neighbours are found by shifting, and only count when they belong to the same text
    pieces = (
        pl.DataFrame({"piece": values.str.extract_all(_PIECES)})
        .lazy()
        .with_row_index("text")
        .explode("piece")
        .with_columns(lowered=pl.col("piece").str.to_lowercase())
    )
    word, lowered, text = pl.col("piece"), pl.col("lowered"), pl.col("text")

    pieces = pieces.with_columns(
        **{f"same{k}": (text.shift(k) == text).fill_null(False) for k in (-4, -3, -2, -1, 1, 2, 3, 4)}
    )

    def near(flag: pl.Expr, k: int) -> pl.Expr:
        return flag.shift(k).fill_null(False) & pl.col(f"same{k}")

    # a markup tag's or attribute's name: "<Nm>", "</Nm>", 'Ccy="EUR"'
    pieces = pieces.with_columns(
        markup=near((word.str.ends_with("<") | word.str.ends_with("</")).fill_null(False), 1)
        | near((word.str.starts_with('="') | word.str.starts_with("='")).fill_null(False), -1),
    )
    pieces = pieces.with_columns(
        # capitalised, or with an Irish initial mutation: "nGeard", "hÉimhigh", "tSeáin", "bhFear"
        # and Dutch surnames starting with the letter "IJ": "IJzerman"
        capitalised=word.str.contains(
            r"^(?:\p{Lu}(?:\p{Ll}|['’‘ʻ]\p{L})|(?:n|h|t|m|bh|d|g)\p{Lu}\p{Ll}|IJ\p{Ll})"
        ).fill_null(False)
        & ~pl.col("markup"),
        # an initial, or a transliterated two-letter one before its dot: "Ts. Anujin", "Yu. Gagarin"
        initial=(
            word.str.contains(r"^\p{Lu}$")
            | (word.str.contains(_DIGRAPH_INITIAL) & word.shift(-1).str.starts_with(".") & pl.col("same-1"))
        ).fill_null(False),
        # a word of a script without capitals (Ge'ez, Tibetan, Arabic, Chinese...): its case says nothing
        uncased=word.str.contains(r"^\p{Lo}[\p{Lo}\p{M}]*$").fill_null(False),
        is_title=lowered.is_in(pl.lit(pl.Series(sorted(TITLES)).implode())).fill_null(False),
        is_common=lowered.is_in(blocked.implode()).fill_null(False),
        listed=lowered.is_in(common.implode()).fill_null(False),
        sentence_end=word.str.contains(r"[.!?:;]\s*$").fill_null(False),
        extra=lowered.is_in(extra.implode()).fill_null(False),
        # and, in lower case only, the Hebrew and Arabic "son of" and "daughter of": "Majdi ben Ata", "Lana bat Yusaf"
        particle=(lowered.is_in(pl.Series(sorted(NAME_PARTICLES)).implode()) | word.is_in(["ben", "bat"])).fill_null(
            False
        ),
        irish_article=lowered.is_in(["an", "na"]).fill_null(False),
        irish_head=lowered.is_in(["mac", "nic", "mhic", "giolla", "ní", "uí", "ua"]).fill_null(False),
        honorific=lowered.is_in(honorifics.implode()).fill_null(False),
        gap=word.is_in(_NAME_GAPS + _NAME_PUNCTUATION).fill_null(False),
        space=word.is_in([" ", ", ", "; ", *_NAME_PUNCTUATION]).fill_null(False),
        dot=(word == ".").fill_null(False),
    )
    # a name of the world list counts as listed except where any word may be capitalised (first in the
    # text or after a sentence's end: "Dose 2.5 mg"), in capitals ("ICU, ER"), or before a US state's
    # code, where it is a town ("Cambridge MA 02115")
    # looked up for capitalised words only: most pieces are gaps and lower-case words
    lower = word.str.contains(rf"^\p{{Ll}}{{{_MIN_LOWER_NAME_LETTERS},}}$").fill_null(False)
    pieces = pieces.with_columns(lower=lower)
    pieces = pieces.with_columns(world=_listed_where(pl.col("capitalised") | pl.col("lower"), lowered, world))
    # a lower-case word that is a listed name and no common word, honorific, particle or label:
    # "ivan petrov" as typed in a chat (Faker's list or the world list; kept before "world" is
    # narrowed to capitalised words below)
    pieces = pieces.with_columns(
        lower_name=pl.col("lower")
        & (pl.col("listed") | pl.col("world"))
        & ~pl.col("is_common")
        & ~pl.col("honorific")
        & ~pl.col("particle")
        & ~pl.col("is_title")
        & ~lowered.is_in(pl.Series(sorted(LETTER_LABEL_WORDS)).implode()).fill_null(False),
        lower_first_name=pl.when(pl.col("lower")).then(lowered).otherwise(None).is_in(first.implode()).fill_null(False),
    )
    sentence_start = ~pl.col("same1") | near(pl.col("sentence_end"), 1)
    before_state = near(pl.col("space"), -1) & near(word.str.contains(r"^[A-Z]{2}$").fill_null(False), -2)
    world = (
        pl.col("world")
        & pl.col("capitalised")
        & word.str.contains(r"\p{Ll}").fill_null(False)
        & ~sentence_start
        & ~before_state
    )
    pieces = pieces.with_columns(listed=pl.col("listed") | world)
    # the Irish article after "Mac", "Nic", "Giolla" is a particle: "Mac an Bheatha", "Mac Giolla na Naomh"
    pieces = pieces.with_columns(
        particle=pl.col("particle")
        | (pl.col("irish_article") & near(pl.col("space"), 1) & near(pl.col("irish_head"), 2))
    )
    # whether the next piece starts with a dot (an initial's), and the piece after next
    starts_with_dot = word.str.starts_with(".").fill_null(False)
    pieces = pieces.with_columns(dot_next=near(starts_with_dot, -1), dot_after_next=near(starts_with_dot, -3))
    cap, is_title, gap, space = pl.col("capitalised"), pl.col("is_title"), pl.col("gap"), pl.col("space")
    # other locales' honorifics in any case ("hra", "MUDr.", "arkkit."), unless a capitalised listed
    # name ("Tri"); "Sig.ra" is three pieces whose letters make one
    # each flag is a column of its own: used through many shifts, an expression would be recomputed
    # for each (the plan grows with every neighbour looked at)
    # another language's courtesy title is one whatever the lists say ("Maître"), and one with its apostrophe
    # too ("ר' שלמה")
    apostrophe = word.shift(-1).is_in(["'", "' ", "’", "’ "]).fill_null(False) & pl.col("same-1")
    pieces = pieces.with_columns(
        dotted=(pl.col("dot").shift(-1).fill_null(False) & pl.col("same-1") & pl.col("same-2"))
        & (lowered + lowered.shift(-2)).is_in(honorifics.implode()).fill_null(False),
        other_honorific=lowered.is_in(list(one_word)).fill_null(False)
        | pl.when(apostrophe).then(lowered + "'").otherwise(None).is_in(list(OTHER_HONORIFICS)).fill_null(False),
    )
    dotted = pl.col("dotted")
    pieces = pieces.with_columns(
        honorific_piece=(pl.col("honorific") & ~(cap & pl.col("listed")))
        | pl.col("other_honorific")
        | dotted
        | near(dotted, 1)
        | near(dotted, 2)
    )
    honorific_piece = pl.col("honorific_piece")
    pieces = pieces.with_columns(is_title=(cap & is_title) | (honorific_piece & ~pl.col("dot")))
    is_title = pl.col("is_title")
    # a surname in capitals ("DOE, John", "Jean DUPONT", "F. M. LAST"): a word in capitals with a
    # vowel that is no common word, heading or acronym, of four letters or more unless a listed name
    # ("LÊ", "OJO"; not "ICU", "USA")
    pieces = pieces.with_columns(upper_vowel=word.str.contains(_UPPER_WITH_VOWEL).fill_null(False))
    pieces = pieces.with_columns(foreign_word=_listed_where(cap | pl.col("upper_vowel"), lowered, foreign))
    pieces = pieces.with_columns(
        upper_name=pl.col("upper_vowel")
        & ~pl.col("is_common")
        & ~lowered.is_in(pl.Series(sorted(UPPER_CASE_NOT_NAMES)).implode()).fill_null(False)
        & ~is_title
        # not a particle after a word in capitals, which joins the words of a heading ("LIBRO DE REGISTRO"); one
        # first is a name's ("DE ROOS, Ana", "AL HASIN")
        & ~(
            pl.col("particle")
            & ~lowered.is_in(list(PATRONYMIC_SUFFIXES))  # "SHUHRAT QIZI" ends a name
            & near(pl.col("space"), 1)
            & near(pl.col("upper_vowel"), 2)
        )
        & ((lowered.str.len_chars() >= _MIN_UPPER_NAME_LETTERS) | pl.col("listed"))
    )
    upper_name = pl.col("upper_name")
    # a word of another language's vocabulary in capitals ("FORTES", "RIGOR"): a surname only next to a
    # capitalised name or after a person's label
    pieces = pieces.with_columns(
        upper_foreign=pl.col("upper_vowel") & pl.col("foreign_word") & ~is_title & ~pl.col("particle")
    )
    pieces = pieces.with_columns(
        candidate=cap & ~pl.col("is_common") & ~is_title,
        could_be_part=(
            # a word of another language's vocabulary is no name of its own, but may be a part of one
            # next to a name ("Pukovnik Ana Lopez": a rank)
            (cap & (~pl.col("is_common") | pl.col("foreign_word")))
            | pl.col("initial")
            | pl.col("particle")
            | upper_name
            | pl.col("uncased")
        )
        & ~is_title,
        dotted_gap=word.is_in([".", ". "]).fill_null(False),
        comma=word.is_in([", "]).fill_null(False),
        single_space=(word == " ").fill_null(False),
        label=lowered.is_in(pl.Series(sorted(LETTER_LABEL_WORDS)).implode()).fill_null(False),
        upper_not_name=lowered.is_in(pl.Series(sorted(UPPER_CASE_NOT_NAMES)).implode()).fill_null(False),
    )
    candidate, could_be_part = pl.col("candidate"), pl.col("could_be_part")
    # a listed name that is also a common word ("Will", "May", "June", "Per") is a name only next to
    # another part of a name ("Will Turner", "Young, June") or after a title ("Mr. Young")
    common_word = pl.col("is_common")
    name_neighbour = (cap & (pl.col("listed") | candidate)) | pl.col("initial") | upper_name
    # through a space, comma or hyphen ("Kelly-Young"), or an initial's dot ("J. Young"); not
    # through the dot that ends a sentence ("in June. Mark")
    dotted_gap, initial = pl.col("dotted_gap"), pl.col("initial")
    supported = (
        (near(gap, 1) & near(name_neighbour, 2) & (~near(dotted_gap, 1) | near(initial, 2)))
        | (near(gap, -1) & near(name_neighbour, -2) & ~near(dotted_gap, -1))
        | (near(is_title, 2) & near(gap, 1))
    )
    masked = (
        (cap & pl.col("listed") & (~common_word | supported))
        | pl.col("extra")
        | (could_be_part & near(is_title, 2) & near(gap, 1))
    )
    # a lower-case first name of Faker's lists and a listed name after it: "ivan petrov" ("brown
    # rice" has no first name first)
    lower_name, lower_first = pl.col("lower_name"), pl.col("lower_first_name")
    masked = masked | (
        lower_name
        & (
            (lower_first & near(pl.col("single_space"), -1) & near(lower_name, -2))
            | (near(pl.col("single_space"), 1) & near(lower_name & lower_first, 2))
        )
    )
    # two capitals without dots before a capitalised name: initials ("JD Smith"); acronyms that are
    # common words ("US", "IT", "OR") or headings are not
    initials = word.str.contains(r"^\p{Lu}{2}$").fill_null(False) & ~common_word & ~pl.col("upper_not_name")
    masked = masked | (initials & near(pl.col("single_space"), -1) & near(candidate | (cap & pl.col("listed")), -2))
    # "Zugorxo P. Nudendra": an initial between two capitalised words
    masked = masked | (pl.col("initial") & near(gap, 1) & near(gap, -1) & near(candidate, 2) & near(candidate, -2))
    # an initial, its dot and a capitalised word that is not a common one: "U. Nutru"; and
    # "Last, F.": such a word, a comma and an initial with its dot
    dotted_gap, comma, initial = pl.col("dotted_gap"), pl.col("comma"), pl.col("initial")
    trailing_initial = initial & near(comma, 1) & near(candidate, 2) & pl.col("dot_next")
    masked = (
        masked
        | (initial & near(dotted_gap, -1) & near(candidate, -2))
        | (candidate & near(dotted_gap, 1) & near(initial, 2))
        | trailing_initial
        | (candidate & near(comma, -1) & near(initial, -2) & pl.col("dot_after_next"))
    )
    # "Fiilo B.": a capitalised word that is no common word or label ("Vitamin D."), a space, and an
    # initial with its dot
    single_space, listed = pl.col("single_space"), pl.col("listed")
    masked = masked | (
        candidate & ~pl.col("label") & near(single_space, -1) & near(initial, -2) & pl.col("dot_after_next")
    )
    # a surname in capitals next to a name: "DOE, John", "Jean DUPONT", "DOE John", "F. M. DOE",
    # "DOE, F.", "Doe, JOHN"; two words in capitals only when one is a listed name ("JOHN DOE")
    name_gap = space | dotted_gap
    name_like = candidate | (cap & listed)
    upper_listed = upper_name & listed
    masked = masked | (
        upper_name
        & (
            (
                near(name_gap, 1)
                & (near(name_like, 2) | near(upper_listed, 2) | (near(initial, 2) & near(dotted_gap, 1)))
            )
            | (near(name_gap, -1) & (near(name_like, -2) | near(upper_listed, -2)))
            | (near(name_gap, -1) & near(initial, -2) & pl.col("dot_after_next"))
            | (listed & near(name_gap, -1) & near(upper_name, -2))
            | (listed & near(name_gap, 1) & near(upper_name, 2))
        )
    )
    cap_listed = cap & listed & ~common_word
    masked = masked | (
        pl.col("upper_foreign")
        & (
            (near(name_gap, 1) & near(cap_listed | candidate, 2))
            | (near(name_gap, -1) & near(cap_listed | candidate, -2))
        )
    )
    # a name after a label that announces a person and its colon: "Student: Drovik", "Approved by: DOE"
    colon = word.str.contains(r"^\s*:\s*$").fill_null(False)
    person_label = lowered.is_in(pl.Series(sorted(PERSON_LABELS)).implode()).fill_null(False)
    pieces = pieces.with_columns(after_label=near(colon, 1) & near(person_label, 2))
    # (not an abbreviation before its dot: "Name: Dipl.-Ing. ..."); also a word of a script without capitals,
    # or in capitals however short ("Receiver: KUE, Fue"), and a two-letter initial ("Patient: Ts. Anujin")
    upper_word = word.str.contains(r"^\p{Lu}{2,}$").fill_null(False) & ~common_word & ~pl.col("upper_not_name")
    masked = masked | (
        (
            (
                (
                    candidate
                    | upper_name
                    | (cap & listed & ~common_word)
                    | (cap & pl.col("foreign_word"))
                    | pl.col("upper_foreign")
                )
                & ~pl.col("dot_next")
            )
            | pl.col("uncased")
            | upper_word
            | initial
        )
        & pl.col("after_label")
    )
    # a surname first in capitals, a comma and two given names in capitals: "DOE, JOHN HENRY"
    masked = masked | (
        upper_name & near(comma, -1) & near(upper_name, -2) & near(single_space, -3) & near(upper_name, -4)
    )
    # two capitalised words that are not common words, side by side; or one and a word of another language
    # that the world list holds as a name ("Velden Ravtankes", "Kosta Ulnuzar")
    foreign_name = _listed_where(cap & pl.col("foreign_word"), lowered, foreign_names)
    pieces = pieces.with_columns(pair=candidate | (foreign_name & ~is_title))
    pair = pl.col("pair")
    masked = masked | (candidate & near(space, -1) & near(pair, -2)) | (candidate & near(space, 1) & near(pair, 2))
    masked = masked | (pair & near(space, -1) & near(candidate, -2)) | (pair & near(space, 1) & near(candidate, 2))
    # particles between a name and a capitalised word, which is part of the name whatever it is:
    # "Lorbri van der Pluijm", "Maurits van de Water"
    # a particle that is also an everyday word ("i", "á", "av") only after a listed name or one in capitals
    pieces = pieces.with_columns(
        particle=pl.col("particle")
        | (
            lowered.is_in(pl.Series(sorted(WEAK_NAME_PARTICLES)).implode()).fill_null(False)
            & near(space, 1)
            & near((cap & listed) | upper_name | pl.col("after_label"), 2)
        )
    )
    particle = pl.col("particle")
    hyphen = (word == "-").fill_null(False)
    # listed names in capitals around a particle in capitals: "JUAN DE LA CRUZ" (not "CARNET DE VACUNACIÓN")
    pieces = pieces.with_columns(upper_listed=upper_name & listed)
    upper_listed = pl.col("upper_listed")
    bridge = (
        particle
        & near(gap, 1)
        & (near(candidate, 2) | near(pl.col("initial"), 2) | near(upper_listed, 2))  # "Rosa B. van der Flaas"
        & (near(space, -1) | near(hyphen, -1))  # "Numa al-Rashid"
        & (
            near(cap | upper_listed, -2)
            | (near(particle, -2) & near(space, -3) & near(cap | upper_listed, -4))
            # "bin Ó Frithile", "de Ó Hanluain": an initial and a capitalised word after the particle
            | (near(pl.col("initial"), -2) & near(space, -3) & near(cap, -4))
        )
    )
    pieces = pieces.with_columns(bridge=bridge)
    bridge = pl.col("bridge")
    second = particle & near(space, 1) & near(bridge, 2) & near(space, -1) & near(cap | upper_listed, -2)
    pieces = pieces.with_columns(second_bridge=second)
    bridged = bridge | pl.col("second_bridge")
    masked = (
        masked
        | bridged
        | (cap & (near(space, 1) | near(hyphen, 1)) & near(bridged, 2))
        | (candidate & near(gap, -1) & near(bridge, -2))
    )
    # a lower-case word after a capitalised particle is part of the name it joins: "Da silva", "De sousa"
    particle_tail = word.str.contains(r"^\p{Ll}{2,}$").fill_null(False) & near(space, 1) & near(particle & cap, 2)
    pieces = pieces.with_columns(
        masked=masked & ~honorific_piece, could_be_part=(could_be_part | particle_tail) & ~honorific_piece
    )
    part, uncased = pl.col("could_be_part"), pl.col("uncased")

    def spread(pieces: pl.LazyFrame, steps: int) -> pl.LazyFrame:
        """The mask spread ``steps`` pieces to parts of a name through a gap, on either side."""
        for _ in range(steps):
            m = pl.col("masked")
            # a word of a script without capitals joins only a masked word of such a script: the words
            # of a Hebrew or Arabic sentence around a name in Latin letters are no part of it
            near_masked = (near(m, 2) & near(gap, 1) & (~uncased | near(uncased, 2))) | (
                near(m, -2) & near(gap, -1) & (~uncased | near(uncased, -2))
            )
            pieces = pieces.with_columns(masked=m | (part & near_masked))
        return pieces

    pieces = spread(pieces, _SPREAD_STEPS)
    # a capitalised common word inside a name, between a masked word and another part of a name:
    # "Maung Nyein Win Hla", "Drovik Talmeya Win Quorsen"
    m = pl.col("masked")
    inside = (
        cap
        & common_word
        & ~is_title
        & ~honorific_piece
        & near(single_space, 1)
        & near(m, 2)
        & near(single_space, -1)
        & near(m | candidate | (cap & listed), -2)
    )
    pieces = pieces.with_columns(masked=m | inside)  # the part after it is masked by the last spread below
    # post-nominal letters after a masked name and its comma ("Ana Lopez, RN", "Ivan Petrov, CPA")
    # go with it, unless a label that a colon or a number follows ("Ana Lopez, DOB: ...")
    m = pl.col("masked")
    followed = word.shift(-1).fill_null("")
    credential = (
        word.str.contains(r"^\p{Lu}{2,4}$").fill_null(False)
        & ~pl.col("is_common")
        & ~pl.col("upper_not_name")
        & near(pl.col("comma"), 1)
        & near(m, 2)
    )
    label_after = followed.str.contains(r"^\s*[:\d#]").fill_null(False)
    credential = credential & ~label_after
    # a citation's initials after a masked surname: "Sharma PP", "Jelen MB"
    cited = initials & near(pl.col("single_space"), 1) & near(m, 2) & ~label_after
    pieces = pieces.with_columns(masked=m | credential | cited)
    # a maiden name after a masked name, its marker with it: "Ana Lopez (née Ruiz)"; and the first of a
    # couple's names before "&" and a masked "First Last": "Ana & Luis Lopez"
    m = pl.col("masked")
    marker = lowered.is_in(_MAIDEN_NAME_MARKERS).fill_null(False) & near(gap, 1) & near(m, 2)
    marker = marker & near(gap, -1) & near(cap, -2)
    pieces = pieces.with_columns(marker=marker)
    marker = pl.col("marker")
    ampersand = (word == " & ").fill_null(False)
    couple = candidate & near(ampersand, -1) & near(m, -2) & near(space, -3) & near(m, -4)
    pieces = pieces.with_columns(masked=m | marker | (cap & near(marker, 2)) | couple)
    # a Korean given name, its syllables joined by a hyphen, next to a masked name: "Ha-yun Kim",
    # "A-reum Park", "Jong-su Lee"
    m = pl.col("masked")
    head = word.str.contains(r"^[A-Z][a-z]{0,5}$").fill_null(False)
    tail = word.str.contains(r"^[a-z]{1,5}$").fill_null(False) & near(hyphen, 1) & near(head, 2)
    pieces = pieces.with_columns(syllable_tail=tail)
    tail = pl.col("syllable_tail")
    given = tail & ((near(space, -1) & (near(m, -2) | near(candidate, -2))) | near(m, 2))
    pieces = pieces.with_columns(given_tail=given)
    given = pl.col("given_tail")
    syllable = given | (head & near(hyphen, -1) & near(given, -2))
    # a first name typed in lower case and an initial with its dot: "anna k." in a chat
    letter = word.str.contains(r"^\p{Ll}$").fill_null(False)
    chat_name = pl.col("lower_name") & pl.col("lower_first_name") & near(single_space, -1) & near(letter, -2)
    chat_name = chat_name & pl.col("dot_after_next")
    pieces = pieces.with_columns(chat_name=chat_name)
    chat_initial = letter & near(single_space, 1) & near(pl.col("chat_name"), 2)
    pieces = pieces.with_columns(masked=m | syllable | pl.col("chat_name") | chat_initial)
    # pronouns in brackets after a masked name go with it: "Ana Lopez (she/her)"
    pronoun = lowered.is_in(_PRONOUNS).fill_null(False)
    m = pl.col("masked")
    first_pronoun = pronoun & near((word == " (").fill_null(False), 1) & near(m, 2)
    pieces = pieces.with_columns(first_pronoun=first_pronoun)
    slash = (word == "/").fill_null(False)
    later = pronoun & near(slash, 1) & (near(pl.col("first_pronoun"), 2) | near(pl.col("first_pronoun"), 4))
    pieces = pieces.with_columns(masked=m | pl.col("first_pronoun") | later)
    # a capitalised word joined by a hyphen to a masked name, whatever it is: a Hmong clan ("Chang-Her")
    m = pl.col("masked")
    pieces = pieces.with_columns(masked=m | (cap & ((near(hyphen, 1) & near(m, 2)) | (near(hyphen, -1) & near(m, -2)))))
    # one more step to the parts of a name next to these: "Jong-su Jeonghuisdottir" (the rules above read
    # the spread's result: "Ana Fitzwilliam, RN", "Ana & Luis Fitzwilliam")
    pieces = spread(pieces, 1)
    joined = (
        pieces.select(
            "text", out=pl.when(pl.col("masked") & ~pl.col("markup")).then(pl.lit(MASK_TOKENS[PERSON])).otherwise(word)
        )
        .group_by("text", maintain_order=True)
        .agg(pl.col("out").str.join(""))
        .collect()
    )
    # an empty string has no pieces (and no row after explode): it and nulls stay as they were
    rebuilt = (
        pl.DataFrame({"value": values})
        .with_row_index("text")
        .join(joined, on="text", how="left", maintain_order="left")
        .select(pl.when(pl.col("value").is_null() | (pl.col("value") == "")).then("value").otherwise("out"))
    )
    return rebuilt.to_series().alias(values.name)


def mask_text(values: pl.Series, extra_names: frozenset[str] = frozenset()) -> pl.Series:
    """``values`` (cast to text) with every PII pattern and person name replaced by its token.

    A column of more than :data:`PARALLEL_SLICE_ROWS` rows is cut into slices of about that many
    rows, masked side by side (:func:`~twinforge.parallel.map_on_threads`) and put back in order; every text
    is masked on its own, so the result is the same as in one piece."""
    text = values.cast(pl.String)
    slices = -(-text.len() // PARALLEL_SLICE_ROWS)
    if slices <= 1:
        return _mask_slice(text, extra_names).alias(values.name)
    size = -(-text.len() // slices)
    parts = [text.slice(i * size, size) for i in range(slices)]
    return pl.concat(map_on_threads(lambda part: _mask_slice(part, extra_names), parts)).alias(values.name)


def _mask_slice(text: pl.Series, extra_names: frozenset[str]) -> pl.Series:
    masked = mask_names(mask_patterns(_plain_forms(_composed(text))), extra_names)
    return mask_honorifics(mask_names_by_position(masked))


# a courtesy title of another language right before a masked name goes with it: "gosp. <PERSON>", "г-дин <PERSON>",
# "ר' <PERSON>" (Faker's own honorifics, "Mr", "Sig.ra", identify no one and stay)
_HONORIFIC_BEFORE_NAME = (
    r"(?i)(^|[^\p{L}\p{M}'’])(?:"
    + "|".join(re.escape(h) for h in sorted(OTHER_HONORIFICS, key=len, reverse=True))
    + r")\.?[ \t]*"
    + re.escape(MASK_TOKENS[PERSON])
)


def mask_honorifics(text: pl.Series) -> pl.Series:
    """``text`` with a courtesy title of :data:`~twinforge.privacy.pii.recognizers.OTHER_HONORIFICS` joined to
    the ``<PERSON>`` right after it, on the texts that hold one."""
    return _replace_where(text, re.escape(MASK_TOKENS[PERSON]), (_HONORIFIC_BEFORE_NAME, "${1}" + MASK_TOKENS[PERSON]))


# Unicode spaces and dashes between digits ("646\u00a0291\u00a07733", "06\u202f12\u202f34", "646–291–7733") and
# full-width forms ("５１２-３８-７７６４", "＠") hide numbers and addresses from the patterns, which are written
# for ASCII separators and digits
_UNICODE_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_UNICODE_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
# full-width digits, Latin letters and the signs of numbers and addresses; not CJK punctuation ("：", "，"),
# which Chinese and Japanese text is written with
_FULL_WIDTH_TO_ASCII = {
    chr(code): chr(code - 0xFEE0)
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), *map(ord, "＠＋－．（）＿")]
}
_FULL_WIDTH = "".join(_FULL_WIDTH_TO_ASCII)


def _plain_forms(text: pl.Series) -> pl.Series:
    """Texts with full-width digits, Latin letters and signs of numbers as ASCII ones, and Unicode spaces and
    dashes next to a digit as ASCII ones; other texts, and other characters, as they were."""
    wide = text.str.contains(f"[{_FULL_WIDTH}]").fill_null(False)
    if wide.any():
        ascii_forms = text.filter(wide).str.replace_many(
            list(_FULL_WIDTH_TO_ASCII), list(_FULL_WIDTH_TO_ASCII.values())
        )
        text = text.scatter(wide.arg_true(), ascii_forms)
    spaced = text.str.contains(f"\\d[{_UNICODE_SPACES}{_UNICODE_DASHES}]\\d").fill_null(False)
    if spaced.any():
        chosen = text.filter(spaced)
        chosen = chosen.str.replace_all(f"(\\d)[{_UNICODE_SPACES}](\\d)", "${1} ${2}")
        chosen = chosen.str.replace_all(f"(\\d)[{_UNICODE_DASHES}](\\d)", "${1}-${2}")
        text = text.scatter(spaced.arg_true(), chosen)
    return text


# a word of a name whatever its list or script: capitalised or in capitals, of a script without capitals, or
# already masked; lower-case particles of up to five letters between two of them ("Nia ferch Rhys")
_ANY_NAME_WORD = rf"(?:{re.escape(MASK_TOKENS[PERSON])}|[\p{{Lu}}\p{{Lo}}][\p{{L}}\p{{M}}'’\-/་]*\.?)"
_ANY_NAME = rf"{_ANY_NAME_WORD}(?:[ ]+(?:\p{{Ll}}{{1,5}}[ ]+)?{_ANY_NAME_WORD}){{0,4}}"
_CHAT_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[ \u202f]?[AaPp]\.?[Mm]\.?)?"
# where a text's form says a name stands: (head, name, tail) kept around a <PERSON>
NAME_POSITIONS = (
    # a mailbox's display name: "Nia ferch Rhys <nia@example.org>", at the start of a field
    (r"(^|[\"'\[(,;:\n][ \t]*)", _ANY_NAME, r"([ \t]*<" + re.escape(MASK_TOKENS[EMAIL]) + ">)"),
    # a chat export's speaker: Telegram's "Name, [date time]", WhatsApp's "[date, time] Name:" and "date, time - Name:"
    (r"(^|\n)", _ANY_NAME, r"(, \[" + re.escape(MASK_TOKENS["DATE"]) + ")"),
    (r"(\[" + re.escape(MASK_TOKENS["DATE"]) + rf",? {_CHAT_TIME}\][ ]?)", _ANY_NAME, "(:)"),
    (r"((?:^|\n)" + re.escape(MASK_TOKENS["DATE"]) + rf",? {_CHAT_TIME} - )", _ANY_NAME, "(:)"),
)


# each of NAME_POSITIONS needs one of these tokens: texts without one are not looked at
_NAME_POSITION_TOKENS = "|".join(re.escape(MASK_TOKENS[kind]) for kind in (EMAIL, "DATE"))


def mask_names_by_position(text: pl.Series) -> pl.Series:
    """Names that no list or shape finds, where the form of the text says a name stands (:data:`NAME_POSITIONS`);
    only on the texts that hold an ``<EMAIL>`` or ``<DATE>`` token, which every such position needs."""
    positions = [(f"{head}{name}{tail}", "${1}" + MASK_TOKENS[PERSON] + "${2}") for head, name, tail in NAME_POSITIONS]
    return _replace_where(text, _NAME_POSITION_TOKENS, *positions)


def _composed(text: pl.Series) -> pl.Series:
    """Texts with combining accents in Unicode's composed form (NFC): decomposed ones ("Mu\u0308ller")
    would not match the name lists, nor be one word to mask."""
    decomposed = text.str.contains(r"\p{M}").fill_null(False)
    if not decomposed.any():
        return text
    return pl.select(pl.when(decomposed).then(text.str.normalize("NFC")).otherwise(text)).to_series().alias(text.name)
