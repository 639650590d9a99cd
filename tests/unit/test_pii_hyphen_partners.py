"""A word joined by a hyphen to a removed name goes with it (issue 17: names in text).

Reproduced on a held-out corpus: Taiwanese given names in capitals kept a syllable that is also a common word in
some language: "YA-TING HSIAO" came out as "YA-<REDACTED> <REDACTED>", "Fenbex-SU" as "<PERSON>-SU"."""

import polars as pl
import pytest

from twinforge.privacy.pii import mask_text
from twinforge.privacy.pii.vocabulary import keep_common_words


def _masked(text: str) -> str:
    return keep_common_words(mask_text(pl.Series("t", [text])))[0]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Baptized: MEI-LI YA-TING HSIAO, born in Taipei.", ["YA", "MEI", "LI", "TING", "HSIAO"]),
        ("Tenant: Ulsha Fenbex-SU, phone on file.", ["SU", "Fenbex", "Ulsha"]),
        ("Signed by SU-CHIN LIN on behalf of the owner.", ["SU", "CHIN", "LIN"]),
    ],
)
def test_the_hyphen_partner_of_a_removed_name_goes_too(text, kept):
    out = _masked(text)
    for word in kept:
        assert word not in out.replace("<REDACTED>", "").replace("<PERSON>", ""), out


def test_hyphenated_common_words_stay():
    text = "The follow-up visit is on a well-known day."
    assert _masked(text) == text
