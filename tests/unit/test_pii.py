"""PII detection and masking on planted values of every type, and no false positives on the demo."""

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from tests.planted import CLEAN_COLUMNS, EXPECTED_COLUMNS, TEXT_COLUMN, TEXT_ENTITIES, planted_table
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii import detect_pii, mask_text
from twinforge.privacy.pii.recognizers import analyze

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"


@pytest.fixture(scope="module")
def planted():
    table, values = planted_table()
    return table, values, detect_pii(table)


def test_every_planted_column_is_detected_with_its_type(planted):
    _, _, report = planted
    found = {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}
    assert found == EXPECTED_COLUMNS  # including the misleadingly named ones, and nothing else


def test_free_text_findings(planted):
    _, _, report = planted
    notes = report.columns[TEXT_COLUMN]
    assert notes.free_text
    assert {f.entity for f in notes.text_findings} == TEXT_ENTITIES
    assert not report.columns["status_note"].free_text  # few distinct values: a category, not free text


def test_no_false_positives(planted, demo_table):
    _, _, report = planted
    assert {c: report.columns[c].findings for c in CLEAN_COLUMNS} == {c: [] for c in CLEAN_COLUMNS}
    demo = detect_pii(demo_table)
    flagged = {c for c, d in demo.columns.items() if d.findings or d.free_text}
    assert flagged == {"fake_first_name", "fake_last_name"}  # Game-of-Thrones names, found by column name


def test_report_holds_no_values(planted):
    table, values, report = planted
    text = json.dumps(report.to_dict()) + report.format_table()
    leaked = [v for vs in values.values() for v in vs if v in text]
    assert not leaked
    assert {"column", "entity", "confidence", "share", "method", "scope"} <= set(report.rows()[0])


def test_no_planted_value_survives_default_anonymization(planted):
    table, values, _ = planted
    result = anonymize_table(table, key=KEY)
    out = result.table
    # the generalized columns are checked below: a birth year's "YYYY-01-01" may equal a planted date
    # elsewhere by chance without anything surviving
    generalized = ("date_of_birth", "zip")
    text = "\n".join(str(v) for c in out.columns if c not in generalized for v in out[c].to_list())
    for column, planted_values in values.items():
        if column in generalized:
            continue
        survivors = [v for v in planted_values if v in text or v.replace(" ", "") in text.replace(" ", "")]
        assert not survivors, (column, survivors[:3])
    assert all(d.month == 1 and d.day == 1 for d in out["date_of_birth"].drop_nulls())
    assert out["zip"].str.len_chars().max() == 3
    assert set(CLEAN_COLUMNS) | {TEXT_COLUMN, "date_of_birth", "zip"} == set(out.columns)
    assert out.height == table.height
    assert out[CLEAN_COLUMNS].equals(table[CLEAN_COLUMNS])  # what is not PII is untouched


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail ana.lopez@example.org today", "mail <EMAIL> today"),
        ("call (415) 555-2671 or +44 20 7946 0958", "call <PHONE> or <PHONE>"),
        ("card 4111 1111 1111 1111 ok", "card <CREDIT_CARD> ok"),
        ("wire to GB82 WEST 1234 5698 7654 32.", "wire to <IBAN>."),
        ("ssn 536-22-8726", "ssn <SSN>"),
        ("from 192.168.10.4 and 2001:db8:85a3::8a2e:370:7334", "from <IP_ADDRESS> and <IP_ADDRESS>"),
        ("born on 12/03/1985, seen 2024-01-05", "born on <DATE_OF_BIRTH>, seen <DATE>"),
        (
            "zip 02139, office SW1A 1AA, Cambridge MA 02115",
            "zip <POSTAL_CODE>, office <POSTAL_CODE>, Cambridge MA <POSTAL_CODE>",
        ),
        ("Maria Garcia met Dr Smith", "<PERSON> <PERSON> met Dr <PERSON>"),
        ("dose 2.5 mg twice, room 12", "dose 2.5 mg twice, room 12"),
    ],
)
def test_mask_text_replaces_each_type_with_its_token(text, masked):
    assert mask_text(pl.Series("t", [text, None])).to_list() == [masked, None]


def test_table_names_are_masked_in_any_case():
    notes = pl.Series("n", ["melisandre called about grunt's results"])
    assert mask_text(notes, frozenset({"melisandre", "grunt"}))[0] == "<PERSON> called about <PERSON>'s results"


def test_validators_reject_lookalikes():
    assert [e for e, *_ in analyze("4111 1111 1111 1112")] != ["CREDIT_CARD"]  # fails Luhn
    assert "IBAN_CODE" not in [e for e, *_ in analyze("GB82 WEST 1234 5698 7654 33")]  # bad checksum
    assert "IP_ADDRESS" not in [e for e, *_ in analyze("999.10.10.1")]
    assert [e for e, *_ in analyze("ana.lopez@example.org")] == ["EMAIL_ADDRESS"]  # offline public-suffix list


# ------------------------------------------------------------------ detection by content (issue 17)


@pytest.mark.parametrize(
    "phone",
    [
        "458.478.4005x75668",
        "(488)827-6859x557",
        "+1-780-563-6083x7783",
        "001-458-478-4005",
        "02521 216223",
        "(00184) 134198",
        "289.698.5717 ext. 147",
        "+44 20 7946 0958",
    ],
)
def test_phones_with_extensions_and_local_formats_are_masked_whole(phone):
    assert mask_text(pl.Series("t", [f"call {phone} now"]))[0] == "call <PHONE> now"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Patient Ana Fitzwilliam called", "Patient <PERSON> <PERSON> called"),
        ("Patient Fitzwilliam called", "Patient <PERSON> called"),
        ("seen by Dr. J. Smith-Quarvel today", "seen by Dr. <PERSON>. <PERSON>-<PERSON> today"),
        ("spoke with Zugorxo P. Nudendra", "spoke with <PERSON> <PERSON>. <PERSON>"),
        ("The meeting is on Monday in March", "The meeting is on Monday in March"),
    ],
)
def test_person_names_are_masked_over_their_full_span(text, masked):
    assert mask_text(pl.Series("t", [text]))[0] == masked


def test_addresses_and_urls_are_masked_in_text():
    text = "moved to 12 Harbour View Road, see https://example.org/u/ana?ref=1 and Hauptstraße 5."
    assert mask_text(pl.Series("t", [text]))[0] == "moved to <ADDRESS>, see <URL> and <ADDRESS>."


def test_unlisted_names_birth_dates_addresses_and_urls_under_neutral_column_names():
    from twinforge.privacy.pii.recognizers import all_names

    rng = np.random.default_rng(0)
    known = all_names()
    syllables = ["ka", "zu", "ri", "mo", "tan", "vel", "xo", "bri", "dor", "quen"]

    def invented() -> str:
        while (word := "".join(rng.choice(syllables, 3))) in known:
            pass
        return word.capitalize()

    n = 60
    table = pl.DataFrame(
        {
            "col_a": [f"{invented()} {invented()}" for _ in range(n)],
            "col_b": [dt.date(1950, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 50 * 365, n)],
            "col_c": [
                f"{d:%d/%m/%Y}"
                for d in (dt.date(1940, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 60 * 365, n))
            ],
            "col_d": [f"{rng.integers(1, 999)} {invented()} Road" for _ in range(n)],
            "col_e": [f"https://{invented().lower()}.com/p/{i}" for i in range(n)],
            "visits": [dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n)],
            "city": rng.choice(["Paris", "Lyon", "Leeds", "Graz", "Turin"], n),
        }
    )
    report = detect_pii(table)
    found = {c: d.column_finding.entity for c, d in report.columns.items() if d.column_finding is not None}
    assert found == {
        "col_a": "PERSON",
        "col_b": "DATE_OF_BIRTH",
        "col_c": "DATE_OF_BIRTH",
        "col_d": "STREET_ADDRESS",
        "col_e": "URL",
    }


def test_recall_and_precision_on_the_evaluation_corpus():
    """The column targets (recall >= 99.5% per type at >= 95% precision) on a moderate corpus
    generated with the evaluation seed, locales and sentences; in free text every type keeps recall
    >= 98%. Its misses have been looked at and fixed since, so this guards against regressions; the
    held-out corpora (``corpus.HOLDOUT_2``) are measured by ``benchmarks/pii_detection.py`` only."""
    from twinforge.privacy.pii.corpus import COLUMN_ENTITIES, EVALUATION, evaluate, make_corpus

    scores = evaluate(make_corpus(EVALUATION, columns_per_entity=2, rows=20, texts=600))
    assert set(scores.columns) >= set(COLUMN_ENTITIES)
    table = scores.table()
    for entity in COLUMN_ENTITIES:
        column, text = scores.columns[entity], scores.text.get(entity)
        assert column.recall >= 0.995 and column.precision >= 0.95, table
        if text is not None and text.expected:
            assert text.recall >= 0.98, table


@pytest.mark.parametrize("control", ["", "\x00", "\x00\ufdd0\ufdd1\x1f"])
def test_masking_a_column_masks_each_text_as_alone(control):
    # the texts are rebuilt from their pieces in one pass: none may shift onto its neighbour's row,
    # whatever control characters the texts hold
    texts = [
        f"Maria Garcia met Dr Smith{control}",
        "",
        None,
        "nothing to see",
        f"{control}call Ana Lopez",
        "!!",
        "Zugorxo P. Nudendra",
    ]
    alone = [mask_text(pl.Series("t", [t], dtype=pl.String))[0] for t in texts]
    assert mask_text(pl.Series("t", texts)).to_list() == alone
    assert alone[0] == f"<PERSON> <PERSON> met Dr <PERSON>{control}"
    assert alone[1:4] == ["", None, "nothing to see"]


def test_a_long_column_is_masked_in_slices_with_the_same_result(monkeypatch):
    import twinforge.privacy.pii.mask as mask

    texts = [
        "Maria Garcia met Dr Smith",
        "",
        None,
        "call Ana Lopez on 458.478.4005x75668",
        "Zugorxo P. Nudendra",
        "mail ana@example.org",
    ] * 4
    whole = mask_text(pl.Series("t", texts)).to_list()
    monkeypatch.setattr(mask, "PARALLEL_SLICE_ROWS", 5)  # 24 rows: five slices, cut inside the pattern
    sliced = mask_text(pl.Series("t", texts))
    assert sliced.name == "t" and sliced.to_list() == whole
    assert whole[:6] == [
        "<PERSON> <PERSON> met Dr <PERSON>",
        "",
        None,
        "call <PERSON> <PERSON> on <PHONE>",
        "<PERSON> <PERSON>. <PERSON>",
        "mail <EMAIL>",
    ]


def _name_column(values):
    report = detect_pii(pl.DataFrame({"col_a": values}))
    finding = report.columns["col_a"].column_finding
    return finding.entity if finding is not None else None


def test_invented_names_behind_other_locales_honorifics_are_a_name_column():
    from twinforge.privacy.pii.corpus import invented_name
    from twinforge.privacy.pii.recognizers import all_names

    rng = np.random.default_rng(11)
    known = all_names()
    honorifics = ["Sig.ra", "Dott.", "pani", "pan", "Sr.", "Dña."]
    values = []
    for i in range(60):
        first, last = invented_name(rng, known), invented_name(rng, known)
        values.append(f"{honorifics[i % len(honorifics)]} {first} {last}" if i % 3 == 0 else f"{first} {last}")
    assert _name_column(values) == "PERSON"


def test_invented_names_in_any_case_or_script_are_a_name_column_and_rare_phrases_are_not():
    from twinforge.privacy.pii.corpus import invented_name
    from twinforge.privacy.pii.recognizers import all_names

    rng = np.random.default_rng(5)
    known = all_names()
    syriac = "ܐܒܓܕܗܘܙܚܛܝܟܠܡܢܣܥܦܨܩܪܫܬ"
    values = []
    for i in range(60):
        first, last = invented_name(rng, known), invented_name(rng, known)
        shapes = [
            f"{first} {last}".lower(),
            f"{last.upper()},{first.upper()}",
            f"{first} ({first[:3]}) {last}",
            " ".join("".join(rng.choice(list(syriac), 5)) for _ in range(2)),
        ]
        values.append(shapes[i % len(shapes)])
    # the shapes of names in no list: no value is capitalised words only, a quarter in a script without case
    assert _name_column(values) == "PERSON"
    # the same words as romanized phrases: a conjunction, long words
    phrases = [
        f"{invented_name(rng, known)}naia i {invented_name(rng, known).lower()}ovannaia {invented_name(rng, known)}"
        for _ in range(60)
    ]
    assert _name_column(phrases) is None
    # ... and as settlements after their kind: one word in many values
    kinds = ["selo", "misto", "khutir", "selyshche"]
    assert _name_column([f"{kinds[i % 4]} {invented_name(rng, known)}" for i in range(60)]) is None


def test_places_shaped_like_names_are_no_name_column():
    from twinforge.privacy.pii.recognizers import name_lists

    firsts = sorted(n.capitalize() for n in name_lists()[0] if n.isascii())[::97][:60]
    # one word in every value: a place type, not a surname
    assert _name_column([f"{f} Kilbarrack" for f in firsts]) is None
    # French place names: lower-case words joined by hyphens
    lasts = sorted(n.capitalize() for n in name_lists()[1] if n.isascii())[::89][:60]
    places = [f"{last}-{['la-Forêt', 'sur-Mer', 'les-Bains'][i % 3]}" for i, last in enumerate(lasts)]
    assert _name_column(places) is None
    assert _name_column([f"{f} {last}" for f, last in zip(firsts, lasts)]) == "PERSON"  # the same words as people


def test_detection_loads_no_torch_and_leaves_it_importable():
    # spaCy and presidio are imported without torch (seconds of start-up), also by two columns masked at once
    # on threads in a new process; torch still works afterwards
    import subprocess
    import sys

    script = (
        "import sys, polars as pl\n"
        "from twinforge.privacy.pii import detect_pii\n"
        "from twinforge.privacy.anonymize import apply_policy\n"
        "texts = pl.Series(['Call Maria Garcia on 555-123-4567'] * 3)\n"
        "out, _ = apply_policy(pl.DataFrame({'a': texts, 'b': texts}), {'a': 'mask', 'b': 'mask'})\n"
        "assert out['a'].to_list() == out['b'].to_list() == ['Call <PERSON> <PERSON> on <PHONE>'] * 3\n"
        "report = detect_pii(pl.DataFrame({'a': ['ana@example.org', 'bo@example.com'] * 10}))\n"
        "assert report.columns['a'].column_finding.entity == 'EMAIL_ADDRESS'\n"
        "print('torch' in sys.modules)\n"
        "import torch\n"
        "print(float(torch.ones(3).sum()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "3.0"]


def test_a_corpus_is_the_same_whatever_the_global_random_state():
    """Faker's uk_UA number plates draw from Python's global ``random``: the corpus seeds it itself
    (so two runs score the same corpus) and gives the caller's state back."""
    import random

    from twinforge.privacy.pii.corpus import HOLDOUT_6, make_corpus

    random.seed(1)
    first = make_corpus(HOLDOUT_6, columns_per_entity=10, rows=5, texts=10)  # uk_UA is its fifth locale
    after_first = random.random()
    random.seed(2)
    second = make_corpus(HOLDOUT_6, columns_per_entity=10, rows=5, texts=10)
    assert first.columns.equals(second.columns)
    assert first.texts == second.texts
    random.seed(1)
    assert random.random() == after_first  # the caller's sequence goes on as if no corpus was made
