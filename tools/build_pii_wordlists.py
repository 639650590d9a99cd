"""Build the word lists that PII detection ships (``twinforge/privacy/pii/data/``) from their sources.

    python tools/build_pii_wordlists.py --names-dataset DIR --libpostal DIR [--max-rank 5000]

* ``person_names.txt.gz``: first and last names of the PyPI package ``names-dataset`` (3.3.1,
  Apache-2.0 by its LICENSE file, MIT by its metadata; 105 countries), lower-cased single words in Latin letters whose rank among a country's
  names is at most ``--max-rank`` in at least one country. ``DIR`` is where the package was
  installed (``pip install --no-deps --target DIR names-dataset==3.3.1``); its data are pickles,
  read here once, never at run time.
* ``street_types.txt.gz``: street-type words and their abbreviations ("ulica", "ul", "utca",
  "aleea", "sokak") of every language of libpostal's address dictionaries (MIT;
  ``resources/dictionaries/<language>/street_types.txt`` of a libpostal checkout), Latin letters only;
* ``address_units.txt.gz``: the words of those dictionaries for what follows a street's name:
  house numbers ("nr", "číslo"), flats, floors, staircases and entrances ("ap", "daire", "bl", "sc");
* ``address_words.txt.gz``: the single words of all those dictionaries and of its building and
  post-office ones, in any script ("ул", "кв", "д", "maison", "bp", "box").

The files are plain text, one word a line, gzip-compressed; the header lines (``#``) name the
source, its version and licence.
"""

from __future__ import annotations

import argparse
import gzip
import pickle  # noqa: S403  (names-dataset ships pickles; read once here, at build time)
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "twinforge" / "privacy" / "pii" / "data"


def _latin_word(value: str) -> bool:
    return value.isalpha() and all(c < "\u0250" for c in value)  # Basic Latin up to Latin Extended-B


def _write(path: Path, header: list[str], words: set[str]) -> None:
    text = "".join(f"# {line}\n" for line in header) + "".join(f"{w}\n" for w in sorted(words))
    path.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    print(f"{path.relative_to(ROOT)}: {len(words)} words, {path.stat().st_size / 1e6:.2f} MB")


def person_names(package_dir: Path, max_rank: int) -> set[str]:
    words: set[str] = set()
    for kind in ("first_names", "last_names"):
        with gzip.open(package_dir / "names_dataset" / "v3" / f"{kind}.pkl.gz", "rb") as f:
            table = pickle.load(f)  # noqa: S301
        for name, info in table.items():
            ranks = info.get("rank") or {}
            if not ranks or min(ranks.values()) > max_rank:
                continue
            for word in name.split():
                word = word.lower()
                if len(word) > 1 and _latin_word(word):
                    words.add(word)
    return words


STREET_DICTIONARIES = ("street_types.txt",)
UNIT_DICTIONARIES = (
    "house_numbers.txt",
    "unit_types_numbered.txt",
    "level_types_numbered.txt",
    "staircases.txt",
    "entrances.txt",
)


# every word an address is made of, in any script: street types, building, unit, level, staircase and
# entrance words, house-number words and post-office boxes ("ул", "кв", "д", "maison", "bp", "box")
ADDRESS_WORD_DICTIONARIES = (*STREET_DICTIONARIES, *UNIT_DICTIONARIES, "building_types.txt", "post_office.txt")


def dictionary_words(libpostal_dir: Path, file_names: tuple[str, ...], any_script: bool = False) -> set[str]:
    """Single-word entries of libpostal's dictionaries ``file_names`` of every language, lower-cased, trailing dots
    removed: in Latin letters of two or more, or (``any_script``) letters of any script, one or more."""
    words: set[str] = set()
    paths = [p for name in file_names for p in (libpostal_dir / "resources" / "dictionaries").glob(f"*/{name}")]
    for path in sorted(paths):
        for line in path.read_text(encoding="utf-8").splitlines():
            for variant in line.split("|"):
                variant = variant.strip().lower().rstrip(".")
                if variant.isalpha() if any_script else (len(variant) > 1 and _latin_word(variant)):
                    words.add(variant)
    return words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names-dataset", type=Path, help="where names-dataset 3.3.1 is installed")
    parser.add_argument("--libpostal", type=Path, help="a checkout of openvenues/libpostal")
    parser.add_argument("--libpostal-commit", default="unknown", help="the checkout's commit, for the header")
    parser.add_argument("--max-rank", type=int, default=5000)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    if args.names_dataset:
        _write(
            DATA / "person_names.txt.gz",
            [
                "first and last names from names-dataset 3.3.1 (https://pypi.org/project/names-dataset/, Philippe Remy;",
                "licence: Apache-2.0 by the wheel's LICENSE file, MIT by its metadata; see LICENSES.md):",
                "single words in Latin letters, lower-cased, ranked",
                f"<= {args.max_rank} among a country's names in at least one of its 105 countries",
            ],
            person_names(args.names_dataset, args.max_rank),
        )
    if args.libpostal:
        _write(
            DATA / "street_types.txt.gz",
            [
                "street types and abbreviations from libpostal's address dictionaries",
                f"(https://github.com/openvenues/libpostal, commit {args.libpostal_commit},",
                "resources/dictionaries/*/street_types.txt; MIT licence, Copyright (c) 2015 openvenues),",
                "single words in Latin letters, lower-cased, trailing dots removed",
            ],
            dictionary_words(args.libpostal, STREET_DICTIONARIES),
        )
        _write(
            DATA / "address_units.txt.gz",
            [
                "house-number, unit, floor, staircase and entrance words from libpostal's address dictionaries",
                f"(https://github.com/openvenues/libpostal, commit {args.libpostal_commit},",
                f"resources/dictionaries/*/{{{','.join(UNIT_DICTIONARIES)}}};",
                "MIT licence, Copyright (c) 2015 openvenues), single words in Latin letters, lower-cased",
            ],
            dictionary_words(args.libpostal, UNIT_DICTIONARIES),
        )
        _write(
            DATA / "address_words.txt.gz",
            [
                "street, building, unit, level, staircase, entrance, house-number and post-office words from",
                f"libpostal's address dictionaries (https://github.com/openvenues/libpostal, commit {args.libpostal_commit},",
                f"resources/dictionaries/*/{{{','.join(ADDRESS_WORD_DICTIONARIES)}}};",
                "MIT licence, Copyright (c) 2015 openvenues), single words in any script, lower-cased",
            ],
            dictionary_words(args.libpostal, ADDRESS_WORD_DICTIONARIES, any_script=True),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
