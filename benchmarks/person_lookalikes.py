"""Benchmark: person-name columns by content against look-alikes made by Faker in every locale it has.

    python benchmarks/person_lookalikes.py [--rows 60] [--seeds 3]

For each Faker locale (names in other scripts romanized as the corpora do, :mod:`twinforge.privacy.pii.corpus`)
and seed: columns of towns, companies, jobs, colours and catch phrases (none of them people) and two columns of
people (``name()``, and ``last_name first_name``), each of ``--rows`` values, judged by :func:`detect_pii` with
neutral column names. Prints, per kind, how many columns were taken for person names, and the look-alikes taken.
It is no held-out measurement: the corpora draw their look-alikes from the same providers.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings

import polars as pl
from _machine import describe as describe_machine

LOOK_ALIKES = ("city", "company", "job", "color_name", "catch_phrase")
PEOPLE = ("name", "last_name first_name")


def romanized_faker(locale: str):
    """Faker for ``locale``, wrapped as the corpora wrap it when its names are in another script."""
    from faker import Faker

    from twinforge.privacy.pii import corpus

    wrappers = (
        (corpus._ROMANIZED_LOCALES, corpus._Romanized),
        (corpus._ROMANIZED_MORE_LOCALES, corpus._RomanizedMore),
        (corpus._ROMANIZED_KOREAN_ARMENIAN_LOCALES, corpus._RomanizedKoreanArmenian),
        (corpus._ROMANIZED_DEVANAGARI_LOCALES, corpus._RomanizedDevanagari),
        (corpus._ROMANIZED_INDIC_LOCALES, corpus._RomanizedIndic),
        (corpus._ROMANIZED_ABJAD_LOCALES, corpus._RomanizedAbjad),
        (corpus._ROMANIZED_SINHALA_LOCALES, corpus._RomanizedSinhala),
        (corpus._ROMANIZED_THAI_LOCALES, corpus._RomanizedThai),
    )
    fake = Faker(locale)
    for locales, wrapper in wrappers:
        if locale in locales:
            return wrapper(fake), fake
    return fake, fake


def columns_of(locale: str, seeds: int, rows: int) -> dict[str, list[str]]:
    wrapped, fake = romanized_faker(locale)
    columns = {}
    for seed in range(seeds):
        fake.seed_instance(1000 + seed)
        random.seed(1000 + seed)  # some providers draw from Python's global generator
        for kind in (*LOOK_ALIKES, *PEOPLE):
            try:
                if kind == "last_name first_name":
                    values = [f"{wrapped.last_name()} {wrapped.first_name()}" for _ in range(rows)]
                else:
                    values = [str(getattr(wrapped, kind)()) for _ in range(rows)]
            except (AttributeError, TypeError, ValueError):  # a provider the locale lacks
                continue
            columns[f"{kind}/{seed}"] = values
    return columns


def main() -> int:
    from faker.config import AVAILABLE_LOCALES

    from twinforge.privacy.pii import detect_pii

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # Faker's deprecated locales
    started = time.perf_counter()
    taken: dict[str, int] = {}
    total: dict[str, int] = {}
    wrong = []
    for locale in sorted(AVAILABLE_LOCALES):
        columns = columns_of(locale, args.seeds, args.rows)
        if not columns:
            continue
        names = {key: f"col_{i}" for i, key in enumerate(columns)}
        report = detect_pii(pl.DataFrame({names[k]: v for k, v in columns.items()}))
        for key, column in names.items():
            kind = key.split("/")[0]
            finding = report.columns[column].column_finding
            person = finding is not None and finding.entity == "PERSON"
            total[kind] = total.get(kind, 0) + 1
            taken[kind] = taken.get(kind, 0) + person
            if person and kind in LOOK_ALIKES:
                wrong.append(f"{locale}/{key}")
    print(f"{'kind':<22} {'columns':>8} {'taken for person names':>24}")
    for kind in (*LOOK_ALIKES, *PEOPLE):
        print(f"{kind:<22} {total.get(kind, 0):>8} {taken.get(kind, 0):>24}")
    looked = sum(total.get(k, 0) for k in LOOK_ALIKES)
    print(f"look-alikes taken for person names: {len(wrong)} of {looked}: {', '.join(wrong) or 'none'}")
    print(f"machine: {describe_machine()}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
