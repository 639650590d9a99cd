"""Birth dates of the Republic of China's calendar, as Taiwan writes them (issue 17: birth-date columns).

Reproduced on a held-out corpus: a column of "民國74年3月12日" (year 74 of the ROC: 1985) was no birth-date column."""

import numpy as np

from tests.pii_cases import column_entity, mask_one


def test_a_column_of_roc_birth_dates_is_a_birth_date_column():
    rng = np.random.default_rng(4)
    values = [f"民國{rng.integers(20, 100)}年{rng.integers(1, 13)}月{rng.integers(1, 29)}日" for _ in range(60)]
    assert column_entity(values) == "DATE_OF_BIRTH"


def test_an_roc_date_in_text_is_masked():
    out = mask_one("出生日期：民國74年3月12日，電話見下")
    assert "74" not in out and "3月" not in out and "12日" not in out
