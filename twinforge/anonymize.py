"""Anonymization policy: what happens to each column before anything learns from it.

Actions per column: ``keep``, ``drop``, ``pseudonymize`` (keyed HMAC-SHA256, so the
same input maps to the same token across runs while nobody without the key can
reverse or recompute it). The key comes from the environment only and is never
logged, stored or returned.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Mapping

import polars as pl

PSEUDONYM_KEY_ENV = "TWINFORGE_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
ACTIONS = ("keep", "drop", "pseudonymize")


class MissingKeyError(RuntimeError):
    """Pseudonymisation was requested but no (usable) key is configured."""


def pseudonym_key_from_env(env: Mapping[str, str] | None = None) -> bytes | None:
    value = (env if env is not None else os.environ).get(PSEUDONYM_KEY_ENV)
    return value.encode("utf-8") if value else None


def pseudonymize(series: pl.Series, key: bytes) -> pl.Series:
    """HMAC-SHA256 of each value's text, as hex; nulls stay null.

    Hashing the distinct values once keeps this fast on long columns with repeats.
    """
    distinct = series.drop_nulls().unique().cast(pl.String)
    mapping = {v: hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in distinct.to_list()}
    return series.cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)


@dataclass
class AnonymizationReport:
    rows: int
    actions: dict[str, str] = field(default_factory=dict)

    def columns_with(self, action: str) -> list[str]:
        return [c for c, a in self.actions.items() if a == action]

    def to_dict(self) -> dict:
        return {
            "rows": self.rows,
            "actions": dict(self.actions),
            "dropped": self.columns_with("drop"),
            "pseudonymized": self.columns_with("pseudonymize"),
            "kept": self.columns_with("keep"),
        }


def apply_policy(
    df: pl.DataFrame, policy: Mapping[str, str], key: bytes | None = None
) -> tuple[pl.DataFrame, AnonymizationReport]:
    """Apply ``policy`` (column -> action); columns the policy does not name are kept.

    Raises ``KeyError`` naming policy columns absent from the table and
    ``MissingKeyError`` when a pseudonymize action has no key of at least
    ``MIN_KEY_LENGTH`` bytes.
    """
    unknown = sorted(set(policy) - set(df.columns))
    if unknown:
        raise KeyError(f"anonymization policy names columns not in the table: {unknown}")
    bad = {c: a for c, a in policy.items() if a not in ACTIONS}
    if bad:
        raise ValueError(f"unknown anonymization actions {bad}; choose from {ACTIONS}")
    wanted = [c for c, a in policy.items() if a == "pseudonymize"]
    if wanted and not key:
        raise MissingKeyError(
            f"columns {wanted} are to be pseudonymized but {PSEUDONYM_KEY_ENV} is not set; "
            f"set it to a secret of at least {MIN_KEY_LENGTH} characters"
        )
    if wanted and len(key) < MIN_KEY_LENGTH:
        raise MissingKeyError(f"{PSEUDONYM_KEY_ENV} is too short: use at least {MIN_KEY_LENGTH} characters")

    report = AnonymizationReport(rows=df.height, actions={c: policy.get(c, "keep") for c in df.columns})
    out = df.with_columns([pseudonymize(df.get_column(c), key).alias(c) for c in wanted])
    out = out.drop(report.columns_with("drop"))
    return out, report
