"""IBANs written with hyphens between their groups ("AL47-2121-1009-..."), and in lower case: a column of them is
an account-number column, and free text loses them; hyphenated codes that fail the IBAN checksum (licence keys,
serial numbers) are no IBANs."""

import random

import polars as pl

from tests.pii_cases import column_entity
from twinforge.privacy.pii import recognizers as rec
from twinforge.privacy.pii.mask import mask_text


def _iban(country: str, bban: str) -> str:
    """``country`` + the check digits ISO 7064 gives + ``bban``."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def _hyphenated(iban: str) -> str:
    return "-".join(iban[i : i + 4] for i in range(0, len(iban), 4))


_RNG = random.Random(20)
_IBANS = [
    _iban(c, "".join(_RNG.choice("0123456789") for _ in range(n)))
    for c, n in [("AL", 24), ("MC", 23), ("UA", 25), ("BR", 25), ("PS", 25), ("LI", 17)] * 10
]


def test_hyphen_grouped_ibans_are_ibans_and_their_column_an_account_column():
    assert all(rec.iban_shaped(_hyphenated(i)) for i in _IBANS)
    assert all(rec.iban_shaped(_hyphenated(i).lower()) for i in _IBANS)
    assert column_entity([_hyphenated(i) if k % 2 else i for k, i in enumerate(_IBANS)]) == "IBAN_CODE"


def test_hyphenated_codes_failing_the_checksum_are_no_ibans():
    keys = [f"XK{_RNG.randint(10, 99)}-{_RNG.randint(1000, 9999)}-AB{_RNG.randint(10, 99)}-CDEF" for _ in range(60)]
    keys = [k for k in keys if not rec._iban_checksum_valid(k.replace("-", ""))]
    assert not any(rec.iban_shaped(k) for k in keys)
    assert column_entity(keys) != "IBAN_CODE"


def test_a_hyphen_grouped_iban_in_text_is_masked():
    text = f"Please wire the deposit to {_hyphenated(_IBANS[0])} by Friday."
    assert mask_text(pl.Series([text]))[0] == "Please wire the deposit to <IBAN> by Friday."


def test_an_iban_with_a_space_after_its_country_code_is_masked_in_text():
    iban = _IBANS[1]
    spaced = f"{iban[:2]} {iban[2:4]} " + " ".join(iban[i : i + 4] for i in range(4, len(iban), 4))
    assert mask_text(pl.Series([f"Konto: {spaced}, danke."]))[0] == "Konto: <IBAN>, danke."
    # two letters, a number and words of four letters are prose: in lower case, or with fewer than two groups
    prose = ["no se permiten más de 14 pasajeros", "más de 14 para todo este mes", "Shipped to NY 10 cases, 2 pallets"]
    assert mask_text(pl.Series(prose)).to_list() == prose
