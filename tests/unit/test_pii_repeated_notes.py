"""Notes written many times over are read for the people, birth dates and addresses they mention.

A column of a few sentences, each repeated across many rows, is no free text by its distinct share: a generator
learns its sentences as categories and writes them out whole. Its sentences are read as free text's are, and once
one of them names someone the column is masked as free text.
"""

import random

import polars as pl
import pytest

from twinforge.cli import main
from twinforge.privacy.anonymize import anonymize_table
from twinforge.privacy.pii.detect import detect_pii

KEY = b"k-9f3Jq2xLm8Zp4Rt7Vw1Yb6Nc0Hd5Gs"
FIRST = ["John", "Maria", "Ahmed", "Olga", "Pierre", "Lucia"]
LAST = ["Smith", "Garcia", "Ivanova", "Dubois", "Rossi", "Tanaka"]
# a name no list holds, in the same notes: it goes as a word that is not common
UNLISTED_NAME = "Qwizzlebot"


def _notes_table(n: int, distinct: int, seed: int = 3) -> tuple[pl.DataFrame, list[str]]:
    rng = random.Random(seed)
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(distinct)]
    notes = [f"Patient {p} seen today, referred by nurse {UNLISTED_NAME} for follow-up" for p in people]
    table = pl.DataFrame(
        {
            "age": [rng.randint(20, 80) for _ in range(n)],
            "note": [notes[i % distinct] for i in range(n)],
        }
    )
    return table, [w for p in people for w in p.split()] + [UNLISTED_NAME]


@pytest.mark.parametrize("distinct", [4, 120])
def test_repeated_notes_naming_people_are_masked_as_free_text(distinct):
    table, planted = _notes_table(400, distinct)
    assert table["note"].n_unique() / table.height < 0.5  # below free text's distinct share
    note = detect_pii(table).columns["note"]
    assert note.free_text
    assert "PERSON" in {f.entity for f in note.text_findings}
    masked = anonymize_table(table, key=KEY).table["note"].to_list()
    assert len(masked) == table.height
    assert not [w for w in planted if any(w in m for m in masked)]
    assert all("seen today" in m for m in masked)  # common words stay


def test_repeated_notes_with_a_birth_date_or_an_address_are_read_as_text():
    notes = ["Mother born 12/03/1961, lives with daughter", "Moved to 42 Elm Street last spring with family"]
    table = pl.DataFrame({"note": [notes[i % 2] for i in range(300)]})
    found = {f.entity for f in detect_pii(table).columns["note"].text_findings}
    assert {"DATE_OF_BIRTH", "STREET_ADDRESS"} <= found
    masked = anonymize_table(table, key=KEY).table["note"].to_list()
    assert not [m for m in masked if "1961" in m or "Elm" in m or "42" in m]


def test_long_categories_without_pii_keep_their_words():
    levels = [
        "Type 2 diabetes mellitus without complications",
        "Essential (primary) hypertension",
        "Chronic obstructive pulmonary disease, unspecified",
        "pending review by the billing team",
    ]
    table = pl.DataFrame({"diagnosis": [levels[i % 4] for i in range(400)]})
    detection = detect_pii(table).columns["diagnosis"]
    assert not detection.free_text and not detection.findings
    assert anonymize_table(table, key=KEY).table["diagnosis"].to_list() == table["diagnosis"].to_list()


def test_cli_anonymize_masks_repeated_notes(tmp_path, capsys):
    table, planted = _notes_table(300, 6)
    source, out = tmp_path / "visits.csv", tmp_path / "out.parquet"
    table.write_csv(source)
    assert main(["anonymize", str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "free text containing PERSON" in printed.out
    masked = pl.read_parquet(out)["note"].to_list()
    assert len(masked) == 300
    leaked = [w for w in planted if any(w in m for m in masked) or w in printed.out + printed.err]
    assert not leaked
