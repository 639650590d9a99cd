"""A few card numbers among small integers: the column stays integers (one long value is no reason to turn it into
text), and the card numbers are found and masked as they are in text. Long integers that are no card numbers
(timestamps in milliseconds, ids) are left alone."""

import random

import polars as pl
from faker import Faker

from twinforge.cli import main
from twinforge.privacy.pii.detect import detect_pii


def _amounts_with_cards(n: int = 200) -> tuple[pl.DataFrame, list[str]]:
    fake = Faker()
    fake.seed_instance(1)
    rng = random.Random(0)
    values = [rng.randint(1, 500) for _ in range(n)]
    cards = [fake.credit_card_number(card_type="visa16") for _ in range(8)]
    for i, card in enumerate(cards):
        values[i * 20 + 3] = int(card)
    return pl.DataFrame({"amount": values, "age": [rng.randint(18, 90) for _ in range(n)]}), cards


def test_card_numbers_among_small_integers_are_masked(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path / "home"))
    table, cards = _amounts_with_cards()
    amount = detect_pii(table).columns["amount"]
    assert [(f.entity, f.scope) for f in amount.findings] == [("CREDIT_CARD", "text")]
    source, out = tmp_path / "amounts.csv", tmp_path / "out.csv"
    table.write_csv(source)
    assert main(["anonymize", str(source), "--out", str(out)]) == 0
    written = out.read_text()
    assert not [c for c in cards if c in written]
    assert written.count("<CREDIT_CARD>") == len(cards)


def test_long_integers_that_are_no_cards_are_no_finding():
    rng = random.Random(2)
    table = pl.DataFrame(
        {
            "at_ms": [1_700_000_000_000 + rng.randint(0, 10**10) for _ in range(300)],
            "count": [rng.randint(0, 50) if i % 30 else 1_700_000_000_123 for i in range(300)],
        }
    )
    report = detect_pii(table)
    assert {c: d.findings for c, d in report.columns.items()} == {"at_ms": [], "count": []}
