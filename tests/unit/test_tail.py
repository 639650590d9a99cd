"""The generated tail of categorical and text columns (twinforge.encoders.tail)."""

import numpy as np
import polars as pl
import pytest

from twinforge.encoders import tail
from twinforge.encoders.tail import NgramModel, analyze_tail, choose_unit, generate_pool, is_long_text, normalized

SENIORITY = ["senior", "junior", "lead", "chief", "assistant", "head"]
FIELD = ["software", "sales", "data", "marketing", "nursing", "finance", "legal"]
ROLE = ["engineer", "manager", "analyst", "officer", "clerk"]


def titles() -> list[str]:
    """Half of the seniority x field x role combinations: the other half are new titles to compose."""
    every = [f"{s} {f} {r}" for s in SENIORITY for f in FIELD for r in ROLE]
    return sorted(np.random.default_rng(0).choice(every, len(every) // 2, replace=False).tolist())


def test_word_model_draws_only_words_shared_by_several_values():
    values = [*titles(), "senior quantum llama whisperer"]  # three words of one value only
    model = NgramModel("word").fit(values)
    drafts = model.sample(3000, np.random.default_rng(0))
    words = {w for d in drafts for w in d.split()}
    assert len(drafts) > 2000
    assert words <= set(SENIORITY + FIELD + ROLE)
    assert not {"quantum", "llama", "whisperer"} & words
    assert len(set(drafts) - set(values)) > 0  # it composes new titles, not only known ones


def test_char_model_keeps_the_shape_of_values_and_is_reproducible():
    rng = np.random.default_rng(1)
    codes = [f"AB-{rng.integers(1000, 9999)}" for _ in range(400)]
    model = NgramModel("char").fit(codes)
    first, second = model.sample(500, np.random.default_rng(7)), model.sample(500, np.random.default_rng(7))
    assert first == second
    assert all(len(d) <= model.max_tokens for d in first)
    assert np.mean([d.startswith("AB-") for d in first]) > 0.95


def test_model_weights_values_by_count():
    model = NgramModel("word").fit(["red car", "blue car", "red bike", "blue bike"], counts=[97, 1, 1, 1])
    drafts = model.sample(2000, np.random.default_rng(2))
    assert np.mean([d.startswith("red") for d in drafts]) > 0.9


def test_pool_never_holds_a_forbidden_value_in_any_spelling():
    values = titles()
    forbidden = values[:40]
    pool = generate_pool(values, [1] * len(values), [v.upper() + "  " for v in forbidden], np.random.default_rng(3))
    assert len(pool) == tail.DEFAULT_POOL_SIZE
    assert not {normalized(v) for v in pool} & {normalized(v) for v in forbidden}
    assert all(v.strip() for v in pool)


def test_tail_source_depends_on_how_much_tail_there_is():
    many, few = titles(), titles()[: tail.MIN_TAIL_VALUES - 1]
    seed = (0, 1)
    pool = analyze_tail(many, [1] * len(many), "generate", string_column=True, has_frequent=True, seed=seed)
    assert pool["source"] == "pool" and not set(pool["values"]) & set(many)
    assert len(pool["values"]) == tail.MIN_POOL_SIZE  # twice the tail's rows, at least MIN_POOL_SIZE
    bigger = analyze_tail(many, [20] * len(many), "generate", string_column=True, has_frequent=True, seed=seed)
    assert len(bigger["values"]) == min(2 * 20 * len(many), tail.DEFAULT_POOL_SIZE)
    frequent = analyze_tail(few, [1] * len(few), "generate", string_column=True, has_frequent=True, seed=seed)
    assert frequent == {"policy": "generate", "source": "frequent", "values": []}
    nothing = analyze_tail(few, [1] * len(few), "generate", string_column=True, has_frequent=False, seed=seed)
    assert nothing["source"] == "null"
    numbers = analyze_tail(many, [1] * len(many), "generate", string_column=False, has_frequent=True, seed=seed)
    assert numbers["source"] == "frequent"  # a number column never gets generated strings
    assert analyze_tail(many, [1] * len(many), "rare_token", True, True, seed)["source"] == "rare_token"
    with pytest.raises(ValueError, match="unknown rare policy 'drop'"):
        analyze_tail(many, [1] * len(many), "drop", True, True, seed)


def test_units_and_long_text():
    assert choose_unit(titles(), [1] * len(titles())) == "word"
    assert choose_unit(["smith", "jones", "o'brien"], [1, 1, 1]) == "char"
    notes = pl.Series([f"patient {i} came back today and said the pain was better than last week" for i in range(50)])
    assert (
        is_long_text(notes)
        and not is_long_text(pl.Series(titles()))
        and not is_long_text(pl.Series([None], dtype=pl.String))
    )
    with pytest.raises(ValueError, match="unit must be one of"):
        NgramModel("sentence")
