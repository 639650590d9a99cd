"""A small orders table that obeys one rule of each kind, and those rules (shared by the rules tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

ORDER_RULES = [
    "checkout >= checkin",
    "total == price * quantity",
    "discount <= 0.5 * price",
    {"fixed_combinations": ["city", "country"]},
    {"unique": ["order_id"]},
    {"format": {"column": "order_id", "regex": "ORD-[0-9]{6}"}},
    {"null_if": {"column": "cancel_reason", "when": "status != 'cancelled'"}},
    {"range": {"column": "age", "min": 18, "max": 90}},
]


def orders_table(n: int = 400, seed: int = 0) -> pl.DataFrame:
    """``n`` orders meeting every rule of :data:`ORDER_RULES` (real ids are "R" + digits, never the format)."""
    rng = np.random.default_rng(seed)
    price = rng.uniform(1, 100, n).round(2)
    quantity = rng.integers(1, 5, n)
    city = rng.choice(["Paris", "Lyon", "Berlin", "Munich"], n)
    status = rng.choice(["ok", "cancelled"], n, p=[0.8, 0.2])
    checkin = [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n)]
    return pl.DataFrame(
        {
            "order_id": [f"R{i:05d}" for i in range(n)],
            "price": price,
            "quantity": quantity,
            "total": price * quantity,
            "discount": np.floor(price * rng.uniform(0, 0.5, n) * 100) / 100,
            "city": city,
            "country": np.where(np.isin(city, ["Paris", "Lyon"]), "FR", "DE"),
            "status": status,
            "cancel_reason": [rng.choice(["late", "price"]) if s == "cancelled" else None for s in status],
            "age": rng.integers(18, 91, n),
            "checkin": checkin,
            "checkout": [c + dt.timedelta(days=int(d)) for c, d in zip(checkin, rng.integers(0, 10, n))],
        }
    )
