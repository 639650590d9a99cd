"""Leaks found by planting invented PII the way hospital, bank and HR tables hold it (red team, rt_leak): each test
plants values that reached the anonymized table, and checks that none of them is left."""

import polars as pl

from twinforge.config.spec import PrivacySpec
from twinforge.privacy.anonymize import anonymize_table

SAFE_HARBOR = PrivacySpec(profile="hipaa_safe_harbor")
SURNAMES = [
    "van der Wielenga", "de la Fuentecilla", "O'Fearghail", "McCorquodale", "MacIlwraith", "Brannigan-Thorpe",
    "Quennellby", "Oyelaranwo", "D'Arcangelo", "von Hochstetter", "St. Clairmont", "Ní Bhriainín", "Abernethyx",
    "Kowalczykowa", "Thistlewaite", "Pemberton-Oyelade", "ter Horstmann", "Fitzwilliams", "Drummondgale",
    "Vasquez-Oyelaran",
]  # fmt: skip
WARDS = ["cardiology", "oncology", "maternity", "ortho"]


def _family_table(n: int = 400) -> pl.DataFrame:
    """A surname among the levels of a column (twenty families, twenty rows each), beside the ward."""
    return pl.DataFrame(
        {
            "f2": [SURNAMES[(i * 7 + i // 20) % 20] for i in range(n)],
            "ward": [WARDS[i % 4] for i in range(n)],
            "amount": [float(i % 37) for i in range(n)],
        }
    )


def test_safe_harbor_masks_every_word_of_a_column_whose_levels_are_names():
    """The profile masks the words that are not common in a column some of whose levels are people's names, as it
    does in free text: a surname alone ("McCorquodale", "O'Fearghail") is no whole name to the level check, and the
    column's surnames stayed as they were."""
    out = anonymize_table(_family_table(), {}, SAFE_HARBOR)
    assert out.policy["f2"].action == "mask"
    kept = set(out.table.get_column("f2").to_list())
    leaked = [s for s in SURNAMES if any(p.lower() in v.lower() for v in kept for p in s.split() if len(p) > 3)]
    assert not leaked, leaked
    assert out.table.get_column("ward").to_list() == _family_table().get_column("ward").to_list()


def test_values_that_name_a_persons_record_are_an_identifier_whatever_the_column_is_called():
    """Record numbers that say what they are ("MRN10075486", "PAT-0042917") under a neutral name ("chart") were kept
    by the default policy, as the anonymized table's values; a column named "mrn" or "patient_id" is dropped. Codes
    of things ("SKU-20417") stay."""
    n = 400
    table = pl.DataFrame(
        {
            "chart": [f"MRN{10075486 + 7919 * (i // 4)}" for i in range(n)],  # 100 patients, four visits each
            "ref": [f"PAT-{42917 + 13 * i:07d}" for i in range(n)],
            "sku": [f"SKU-{20417 + 31 * (i % 60)}" for i in range(n)],
            "ward": [WARDS[i % 4] for i in range(n)],
        }
    )
    out = anonymize_table(table)
    assert out.policy["chart"].action == "drop", out.policy["chart"]
    assert out.policy["ref"].action == "drop", out.policy["ref"]
    assert {"chart", "ref"}.isdisjoint(out.table.columns)
    assert out.table.get_column("sku").to_list() == table.get_column("sku").to_list()
    assert out.table.get_column("ward").to_list() == table.get_column("ward").to_list()


def test_irish_surnames_with_o_apostrophe_are_no_common_words_in_free_text():
    """Surnames "O'Brien", "O'Neill", "O'Connor", "O'Reilly", "O'Donnell" and "O'Connell" are frequent English words to wordfreq
    and no listed name in the apostrophe's form, so the common-words pass kept them; "o'clock" and the short words
    written with "o'" stay."""
    from twinforge.privacy.pii.mask import mask_text
    from twinforge.privacy.pii.vocabulary import keep_common_words

    notes = pl.Series(
        "notes",
        [
            "Seen by O'Brien today about the refund",
            "call o'neill re: the new card",
            "Referred to Dr O'Connor and O'Reilly for review",
            "O'Donnell and O'CONNELL were both at the desk",
            "The clinic opens at 9 o'clock every day",
        ],
    )
    out = keep_common_words(mask_text(notes)).to_list()
    leaked = [
        s for s in ("brien", "neill", "connor", "reilly", "donnell", "connell") if any(s in v.lower() for v in out)
    ]
    assert not leaked, out
    assert out[-1] == "The clinic opens at <REDACTED> o'clock every day"
    assert "the refund" in out[0] and "every day" in out[-1]


GIVEN = [
    "John", "Mary", "Aoife", "Pieter", "Maria", "Jose", "Fatima", "Kwame", "Liam", "Sofia",
    "Ahmed", "Chen", "Olga", "Luca", "Emma", "Noah", "Ines", "Tariq", "Hana", "Oscar",
]  # fmt: skip
FAMILY = [
    "Murphy", "Kowalski", "O'Brien", "García", "Nguyen", "Okafor", "Fitzgerald", "MacDonald", "McCarthy", "van Dijk",
    "de la Cruz", "Schmidt", "Rossi", "Johansson", "Papadopoulos", "Novak", "Silva", "Kelly", "Byrne", "Walsh",
]  # fmt: skip


def _split_names(n: int = 400, beside: dict[str, list[str]] | None = None) -> pl.DataFrame:
    columns = {"f1": [GIVEN[i % 20] for i in range(n)], "f2": [FAMILY[(i * 7 + i // 20) % 20] for i in range(n)]}
    if beside:
        columns = {"f1": columns["f1"], **{k: [v[i % len(v)] for i in range(n)] for k, v in beside.items()}}
    return pl.DataFrame(
        {**columns, "ward": [WARDS[i % 4] for i in range(n)], "amount": [float(i % 37) for i in range(n)]}
    )


def test_a_column_of_surnames_beside_a_column_of_given_names_is_a_name_column():
    """A name split in two columns (given names, then surnames), twenty families of twenty rows: the given names were
    dropped, the surnames kept (a single word is no person's name as a level), so every surname but "de la Cruz" and
    "van Dijk" reached the anonymized table."""
    out = anonymize_table(_split_names())
    assert out.policy["f1"].action == "drop"
    assert out.policy["f2"].action == "drop", out.policy["f2"]
    assert out.table.columns == ["ward", "amount"]


def test_towns_and_categories_beside_given_names_stay():
    """The surname rule reads only a column next to given names whose values are surnames: towns, wards, codes,
    drugs and specialties there stay."""
    towns = ["Boston", "Leeds", "Cork", "Utrecht", "Porto", "Valencia", "Lyon", "Munich", "Dublin", "Seattle"]
    for beside in (
        {"town": towns},
        {"dept": ["Radiology", "Oncology", "Cardiology", "Pharmacy", "Pediatrics", "Surgery", "Urology"]},
        {"code": ["A12", "B7", "C19", "D4", "E22", "F3"]},
        {"status": ["Active", "Inactive", "Pending", "Closed", "Suspended"]},
        {"drug": ["Atorvastatin", "Metformin", "Lisinopril", "Amlodipine", "Omeprazole", "Losartan", "Gabapentin"]},
        {"specialty": ["Cardiology", "Nephrology", "Radiology", "Dermatology", "Neurology", "Urology"]},
    ):
        out = anonymize_table(_split_names(beside=beside))
        (column,) = beside
        assert out.policy[column].action == "keep", (column, out.policy[column])
