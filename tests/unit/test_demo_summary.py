"""`make run`'s summary says what a batch's k-anonymity means, not just its number."""

from pipelines.demo import k_anonymity_line


def test_the_k_anonymity_line_explains_a_group_of_one_and_says_when_nothing_was_measured():
    alone = k_anonymity_line({"quasi_identifiers": ["age", "gender"], "k_anonymity_min_class": 1})
    assert alone.startswith("k-anonymity over age, gender: 1 (some record is alone")
    assert "privacy.k" in alone
    assert k_anonymity_line({"quasi_identifiers": ["age"], "k_anonymity_min_class": 12}) == "k-anonymity over age: 12"
    assert "not measured" in k_anonymity_line({"quasi_identifiers": [], "k_anonymity_min_class": 3000})
