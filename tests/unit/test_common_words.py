"""Free text reduced to common words (twinforge.privacy.pii.vocabulary): what nobody foresaw is removed too."""

from __future__ import annotations

import polars as pl
import pytest

from twinforge.privacy.anonymize import apply_policy, resolve_policy
from twinforge.privacy.pii import detect_pii, mask_text
from twinforge.privacy.pii.vocabulary import REDACTED, keep_common_words


def _kept(text: str) -> str:
    return keep_common_words(pl.Series("note", [text])).item()


def test_common_words_punctuation_and_mask_tokens_stay():
    text = "The patient reports chest pain since <DATE>; seen with <PERSON> (<EMAIL>)."
    assert _kept(text) == text


def test_nulls_and_empty_texts_stay():
    out = keep_common_words(pl.Series("note", [None, "", "fine"])).to_list()
    assert out == [None, "", "fine"]


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Patient Ravbrizar Quenthol was admitted", ["Ravbrizar", "Quenthol"]),  # names in no list
        ("lives at farm Tjørnehøj near the river", ["Tjørnehøj"]),
        ("room 12, bed 4B, order 998877", ["12", "4B", "998877"]),  # every number
        ("seen on 14/03/1985 at ward", ["14", "03", "1985"]),
    ],
)
def test_words_that_are_not_common_and_numbers_are_removed(text, gone):
    out = _kept(text)
    for word in gone:
        assert word not in out
    assert REDACTED in out


def test_measurements_and_amounts_keep_their_numbers_bare_numbers_and_ages_do_not():
    out = _kept("metformin 500 mg, 3.5mg, T 37.1 °C, 98% on air, fee $4,400 or 380 €; room 12, aged 92 years.")
    for kept in ("500 mg", "3.5mg", "37.1 °C", "98%", "$4,400", "380 €"):
        assert kept in out, kept
    assert "12" not in out and "92" not in out
    assert _kept("account 000M, batch 0049 mg") == f"account {REDACTED}, batch {REDACTED} mg"  # codes, not quantities


def test_a_name_that_is_also_a_word_goes_in_capitals_mid_sentence_only():
    out = _kept("Pain in the knee. Seen with Rose today, near the rose garden.")
    # "Pain" and "Rose" are listed names; at a sentence's start the word is likelier
    assert out == f"Pain in the knee. Seen with {REDACTED} today, near the rose garden."


def test_names_that_are_also_words_go_in_lower_case_beside_each_other_or_after_a_title():
    r = REDACTED
    assert _kept("Patient name: taylor, margaret") == f"Patient name: {r}, {r}"
    assert _kept("seen by dr. lewis today") == f"seen by dr. {r} today"
    # one such name alone, or beside a word that is no name, is the word; so are two without a comma
    assert _kept("the rose and the grace period") == "the rose and the grace period"
    assert _kept("reports mild pain") == "reports mild pain"


def test_words_in_capitals_beside_a_removed_name_go_with_it():
    assert _kept("<PERSON> Brings Plenty came") == f"<PERSON> {REDACTED} {REDACTED} came"
    assert _kept("Two Bulls, <PERSON> called") == f"{REDACTED} {REDACTED}, <PERSON> called"
    # a middle dot joins a name's parts as a space does; inside a word ("col·legi") it joins nothing removed
    assert _kept("<PERSON>·Lahok came to the col·legi") == f"<PERSON>·{REDACTED} came to the col·legi"
    # two words in title case or katakana joined by a bare middle dot are a name's parts, common words or not
    assert _kept("Walis·Lahok came") == f"{REDACTED}·{REDACTED} came"
    assert _kept("ジョン・スミス and Mona・Lisa") == f"{REDACTED}・{REDACTED} and {REDACTED}・{REDACTED}"
    assert _kept("seen at the Grand·market") == "seen at the Grand·market"  # one such word is not enough


def test_a_given_name_and_a_surname_of_a_script_without_capitals_go_together_though_each_is_a_word():
    r = REDACTED
    assert _kept("रोगी राहुल शर्मा को बुखार है") == f"रोगी {r} {r} को बुखार है"
    assert _kept("Referred by د. محمد الخطيب today") == f"Referred by د. {r} {r} today"
    # alone, or beside a word that is no surname, the word stays
    assert _kept("राहुल आया") == "राहुल आया"
    assert _kept("विजय दिवस मनाया गया") == "विजय दिवस मनाया गया"


def test_words_in_all_capitals_beside_a_removed_name_go_unless_most_frequent():
    r = REDACTED
    assert _kept("Guide: AG <PERSON>, SKILLING, <PERSON>") == f"Guide: {r} <PERSON>, {r}, <PERSON>"
    # a heading keeps its words away from a name, and its most frequent words ("OF") beside one
    assert _kept("PATIENT RECORD - STATE OF <PERSON>") == "PATIENT RECORD - STATE OF <PERSON>"


def test_a_number_takes_the_words_in_capitals_after_it_not_before():
    out = _kept("Order 12345 was sent to 12 Main Street yesterday")
    assert out == f"Order {REDACTED} was sent to {REDACTED} {REDACTED} {REDACTED} yesterday"


def test_a_sentence_after_a_name_keeps_its_first_word():
    assert _kept("Seen by <PERSON>. The patient rested.") == "Seen by <PERSON>. The patient rested."


def test_a_short_connective_between_removed_names_goes_but_not_and():
    assert _kept("<PERSON> dit <PERSON> came") == f"<PERSON> {REDACTED} <PERSON> came"
    assert _kept("<PERSON> and <PERSON> came") == "<PERSON> and <PERSON> came"


def test_a_word_between_two_numbers_goes_with_them():
    assert _kept("born 2 mati 1997 in town") == f"born {REDACTED} {REDACTED} {REDACTED} in town"
    assert _kept("nar. 23. júla 1958") == f"nar. {REDACTED}. {REDACTED} {REDACTED}"


def test_the_words_of_a_month_between_a_day_and_a_year_go_however_many():
    r = REDACTED
    assert _kept("born 31 Dwe mar Apar 1945 in town") == f"born {r} {r} {r} {r} {r} in town"
    assert _kept("born 9 Dwe mar gi achiel 1946 in town") == f"born {r} {r} {r} {r} {r} {r} in town"
    # a year's word after a date's year; not a language's most frequent words, nor after a year alone
    assert _kept("born 27 оштолэзь 1995 ар in town") == f"born {r} {r} {r} {r} in town"
    assert _kept("on 3 May 1995 we met; in 1995 he left") == f"on {r} {r} {r} we met; in {r} he left"
    # an ordinal day, an elided month
    assert _kept("born 3rd o December 1945 in town") == f"born {r} {r} {r} {r} in town"
    assert _kept("nat el 23 d'agost de 1950") == f"nat el {r} {r} {r} {r}"
    # more words than a month takes, or no year after them: the common words stay
    assert _kept("gave 2 doses and then more over 2019") == f"gave {r} doses and then more over {r}"
    assert _kept("room 12 has a view over 42 roofs") == f"room {r} has a view over {r} roofs"


def test_the_words_of_an_address_go_with_its_numbers_and_names():
    r = REDACTED
    assert _kept("ул. Балтахинова, д. 112, кв. 68") == f"{r}. {r}, {r}. {r}, {r}. {r}"
    assert _kept("Tokoin, rue 98, maison Agbeko") == f"{r}, {r} {r}, {r} {r}"
    # a street's name between its type and the house number, though a common word ("Lenin's")
    assert _kept("lives at ул. Ленина 54/5-64 now") == f"lives at {r}. {r} {r}/{r}-{r} now"
    assert _kept("Section 9, Lot 61") == f"{r} {r}, {r} {r}"


def test_an_address_word_alone_before_a_number_is_the_word():
    r = REDACTED
    # "room", "gate" and "no" are address words too; alone, or after a number ("1 point"), they stay; so does "a.m."
    out = _kept("seen in room 12 today, at 9 a.m.; earned 1 point")
    assert out == f"seen in room {r} today, at {r} a.m.; earned {r} point"
    assert _kept("Case No. 4512 was heard, gate 4") == f"Case No. {r} was heard, gate {r}"
    # after a removed word, only in capitals: a district's type, not a common noun
    assert _kept("the Kahoolawe route was closed") == f"the {r} route was closed"
    assert _kept("No. 190, Guangfu Township") == f"{r}. {r}, {r} {r}"


def test_elisions_keep_a_common_word_and_remove_a_name():
    out = _kept("l'hôpital d'Angelo, O'Brien")
    assert out == f"l'hôpital {REDACTED}, {REDACTED}"


def test_free_text_is_masked_with_common_words_by_default_and_on_request_by_recognizers_alone():
    notes = [
        f"Patient Quenthol Ravbrizar, room {100 + i}, reports mild pain after the procedure."
        if i % 2
        else f"Called back on day {i}: the dressing was changed and the wound looks clean."
        for i in range(60)
    ]
    table = pl.DataFrame({"note": notes})
    detection = detect_pii(table)
    assert detection.columns["note"].free_text

    policy = resolve_policy(table, detection=detection)
    assert policy["note"].params.get("common_words") is True
    out, _ = apply_policy(table, policy)
    text = " ".join(out["note"].to_list())
    assert "Quenthol" not in text and "Ravbrizar" not in text and "101" not in text
    assert "reports mild pain after the procedure" in text

    from twinforge.config.spec import ColumnPolicy

    recognized = resolve_policy(table, {"note": ColumnPolicy(mask_words="recognized")}, detection)
    assert recognized["note"].params.get("common_words") is False
    assert mask_text(pl.Series(notes)).to_list() == apply_policy(table, recognized)[0]["note"].to_list()


def test_scoring_tells_a_slots_word_from_the_same_word_in_the_text_around_it():
    """When a word of the text was masked too, a slot counts as found when its own words are gone, though one of
    them also stands in the text around it ("mail" below); a slot whose words are left is not."""
    from twinforge.privacy.pii.corpus import Corpus, score_text
    from twinforge.privacy.pii.entities import EMAIL

    texts = [[("Please mail ", None), ("ana@mail.com", EMAIL), (" about Quenthol.", None)]]
    corpus = Corpus(pl.DataFrame(), {}, texts)
    assert score_text(corpus, ["Please mail <EMAIL> about <REDACTED>."])[EMAIL].recall == 1.0
    assert score_text(corpus, ["Please mail ana@mail.com about <REDACTED>."])[EMAIL].recall == 0.0
    assert score_text(corpus)[EMAIL].recall == 1.0  # as free text is masked by default
