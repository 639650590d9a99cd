"""Purpose-built test tables, the same on every run.

``planted_table``: PII of every type twinforge detects, in columns with honest names,
columns with misleading names, and free text; plus ordinary columns that must raise no
false positive (Faker with a fixed seed). ``nested_table``: PII inside structs and lists.
``mixed_table``: one column of every kind the generators handle.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

# column -> the entity detection must report for it
EXPECTED_COLUMNS = {
    "email": "EMAIL_ADDRESS",
    "contact": "EMAIL_ADDRESS",  # misleading name
    "phone": "PHONE_NUMBER",
    "reach_at": "PHONE_NUMBER",  # misleading name
    "card_number": "CREDIT_CARD",
    "ref_code": "CREDIT_CARD",  # misleading name
    "iban": "IBAN_CODE",
    "payout": "IBAN_CODE",  # misleading name
    "ssn": "US_SSN",
    "tax_ref": "US_SSN",  # misleading name
    "ip": "IP_ADDRESS",
    "last_seen_from": "IP_ADDRESS",  # misleading name
    "date_of_birth": "DATE_OF_BIRTH",
    "zip": "POSTAL_CODE",
    "first_name": "PERSON",
    "handle": "PERSON",  # misleading name: full names
}
TEXT_COLUMN = "notes"
TEXT_ENTITIES = {
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "POSTAL_CODE",
    "PERSON",
}
CLEAN_COLUMNS = ["amount", "category", "visits", "member", "visit_date", "status_note"]


def planted_table(n: int = 300, seed: int = 3) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The table, and for each PII column (and the notes) the planted strings that must not survive."""
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(seed)
    rng = np.random.default_rng(seed)
    us_phones = [f"({rng.integers(201, 989)}) {rng.integers(200, 999)}-{rng.integers(1000, 9999)}" for _ in range(n)]
    cols: dict[str, list] = {
        "email": [fake.unique.email() for _ in range(n)],
        "contact": [fake.unique.email() for _ in range(n)],
        "phone": [fake.numerify("+1 415 ###-####") for _ in range(n)],
        "reach_at": us_phones,
        "card_number": [fake.credit_card_number(card_type="visa16") for _ in range(n)],
        "ref_code": [_grouped(fake.credit_card_number(card_type="visa16")) for _ in range(n)],
        "iban": [fake.iban() for _ in range(n)],
        "payout": [fake.iban() for _ in range(n)],
        "ssn": [fake.ssn() for _ in range(n)],
        "tax_ref": [fake.ssn() for _ in range(n)],
        "ip": [fake.ipv4_public() for _ in range(n)],
        "last_seen_from": [fake.ipv6() if i % 2 else fake.ipv4_public() for i in range(n)],
        "date_of_birth": [_birth_date(fake) for _ in range(n)],
        "zip": [fake.postcode() for _ in range(n)],
        "first_name": [fake.first_name() for _ in range(n)],
        "handle": [fake.name() for _ in range(n)],
    }
    notes, note_values = [], []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        email, card, ssn, iban, ip = (
            fake.email(),
            fake.credit_card_number("visa16"),
            fake.ssn(),
            fake.iban(),
            fake.ipv4_public(),
        )
        dob = _birth_date(fake).isoformat()
        zip_code = fake.postcode()
        phone = f"({rng.integers(201, 989)}) {rng.integers(200, 999)}-{rng.integers(1000, 9999)}"
        templates = [
            f"Spoke with {first} {last} about the refund; reach them at {email} or {phone}.",
            f"Customer paid with card {card} and asked us to wire the rest to {iban}.",
            f"Identity check: SSN {ssn}, born on {dob}, zip {zip_code}.",
            f"Login from {ip} flagged; {first} {last} confirmed it was them.",
        ]
        notes.append(templates[i % 4])
        planted = {
            0: [first + " " + last, email, phone],
            1: [card, iban],
            2: [ssn, dob, zip_code],
            3: [ip, first + " " + last],
        }
        note_values.extend(planted[i % 4])
    cols[TEXT_COLUMN] = notes
    # ordinary data that must not be flagged
    cols["amount"] = np.round(rng.lognormal(3, 1, n), 2)
    cols["category"] = rng.choice(["grocery", "travel", "fuel", "online", "pharmacy"], n)
    cols["visits"] = rng.integers(0, 40, n)
    cols["member"] = rng.integers(0, 2, n).astype(bool)
    cols["visit_date"] = [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)]
    cols["status_note"] = rng.choice(["ok", "pending review", "closed by agent", "escalated to team b"], n)
    table = pl.DataFrame(cols)
    planted_values = {c: [str(v) for v in cols[c]] for c in EXPECTED_COLUMNS}
    planted_values[TEXT_COLUMN] = note_values
    return table, planted_values


def _birth_date(fake) -> dt.date:
    # a fixed range, not Faker's date_of_birth (ages counted from today): the same values every day
    return fake.date_between(dt.date(1936, 1, 1), dt.date(2006, 12, 31))


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


MIXED_ROWS = 1200


def mixed_table() -> pl.DataFrame:
    """Every column kind: float, integer with nulls, categorical (with a rare level), boolean,
    tz-aware datetime on whole hours, date, low-cardinality text with nulls, a 0/1 flag."""
    rng = np.random.default_rng(7)
    amount = rng.lognormal(3, 1, MIXED_ROWS)
    return pl.DataFrame(
        {
            "amount": np.round(amount, 2),
            "visits": pl.Series(rng.poisson(3, MIXED_ROWS)).scatter(np.flatnonzero(rng.random(MIXED_ROWS) < 0.1), None),
            "segment": pl.Series(rng.choice(["retail", "corporate", "public"], MIXED_ROWS, p=[0.6, 0.3, 0.1])).scatter(
                [5, 9], "rare"
            ),
            "active": rng.random(MIXED_ROWS) < 0.7,
            "seen_at": pl.datetime_range(
                pl.datetime(2023, 1, 1), pl.datetime(2023, 6, 30), "1h", eager=True, time_zone="America/New_York"
            ).sample(MIXED_ROWS, with_replacement=True, seed=3),
            "born": pl.date_range(pl.date(1950, 1, 1), pl.date(2005, 12, 31), eager=True).sample(
                MIXED_ROWS, with_replacement=True, seed=4
            ),
            "note": pl.Series(rng.choice(["call back", "ok", "vip"], MIXED_ROWS)).scatter(
                np.flatnonzero(rng.random(MIXED_ROWS) < 0.2), None
            ),
            "fraud": (amount > np.quantile(amount, 0.9)).astype(np.int64),
        }
    )


def nested_table(n: int = 60) -> tuple[pl.DataFrame, list[str]]:
    """Structs and lists holding PII, a list of plain tags, and the planted strings that must not survive."""
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(11)
    emails = [fake.unique.email() for _ in range(n)]
    phones = [f"({200 + i}) 555-{1000 + i}" for i in range(n)]
    firsts, lasts = [fake.first_name() for _ in range(n)], [fake.last_name() for _ in range(n)]
    relatives = [[fake.name(), fake.name()] for _ in range(n)]
    notes = [f"Called {f} {la} on {p} about the invoice" for f, la, p in zip(firsts, lasts, phones)]
    table = pl.DataFrame(
        {
            "subject": [
                {"email": e, "phone": p, "name": {"first": f, "last": la}, "visits": i % 7}
                for i, (e, p, f, la) in enumerate(zip(emails, phones, firsts, lasts))
            ],
            "relatives": relatives,
            "log": [[{"day": dt.date(2024, 1, 1 + i % 28), "note": t}] for i, t in enumerate(notes)],
            "tags": [["gold", "new"] if i % 2 else ["silver"] for i in range(n)],
            "amount": [float(i) for i in range(n)],
        }
    )
    planted = emails + phones + [f"{f} {la}" for f, la in zip(firsts, lasts)] + [r for rs in relatives for r in rs]
    return table, planted
