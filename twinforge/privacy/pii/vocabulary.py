"""Free text reduced to common vocabulary: every word that is not a common word of some language goes.

Pattern and name recognizers (:mod:`twinforge.privacy.pii.mask`) find identifiers by what they look like; they
miss the names and places no list or form foresaw. This pass works the other way round, as allow-list
de-identification of clinical notes does (Philter, UCSF): a word stays only when it is among the most frequent
words of one of wordfreq's 41 languages and is nobody's name, so what nobody foresaw is removed too. After
the recognizers have run, each remaining piece of a text is replaced by :data:`REDACTED` when it is

* a word (letters, marks, inner apostrophes) whose lower-cased form is not in :func:`kept_vocabulary`: rare
  words, made-up or unlisted names, words of languages wordfreq lacks;
* any run holding a digit: numbers, codes, dates of unforeseen forms (HIPAA Safe Harbor lets no element of a
  date but the year stay, and no record, account or device number), but measurements and amounts ("500 mg",
  "37.1 °C", "14%", "$4,400": :data:`UNITS`);
* a word in capitals beside a removed piece ("<PERSON> Brings Plenty", "Two Bulls, <PERSON>", "AG <PERSON>"), a
  listed name in lower case beside a removed word in lower case ("zubri hong"), after a title ("dr. lewis") or beside
  another after a comma ("taylor, margaret"), or a short word between two removed pieces (a name's connective:
  "<PERSON> dit <PERSON>", "<PERSON> boru <PERSON>", "<PERSON> ép. <PERSON>"), any word between two numbers (a date's
  month: "2 mati 1997"), and up to :data:`MONTH_MAX_WORDS` words between a day and a year ("31 Dwe mar Apar 1945",
  "3rd o December 1945") with a short word after the year ("1995 ар");
* an address's words (:func:`address_words`) beside its removed numbers and names ("rue 98, maison Agbeko",
  "д. 112, кв. 68"), and a street's name between its type and its number ("ул. Ленина 54/5-64").

Mask tokens (``<EMAIL>``, ``<PERSON>`` ...), spaces and punctuation stay. Words of scripts written without
spaces (Chinese, Japanese, Thai) form long runs that are rarely a listed word, so little of such text stays.
"""

from __future__ import annotations

import functools
import re

import polars as pl

from twinforge.parallel import map_on_threads
from twinforge.privacy.pii.disk_cache import kept_on_disk
from twinforge.privacy.pii.entities import ADDRESS, MASK_TOKENS, PERSON, UNLISTED
from twinforge.privacy.pii.recognizers import TITLES

REDACTED = MASK_TOKENS[UNLISTED]
VOCABULARY_SIZE = 20_000  # most frequent words kept per language
COMMON_RANK = 10_000  # a name that is also one of a language's most frequent words may be that word
LINKING_WORDS = 30  # "and", "et", "und": never a name's connective
FUNCTION_WORDS = 150  # most frequent words per language: kept even when they are also someone's name ("de", "la")
SLICE_ROWS = 100_000  # texts per slice: their pieces (some 20 a text) stay well under a gigabyte
SPREAD_STEPS = 3  # words in capitals beside a removed piece, removed in turn: "<PERSON> R. Kills Enemy"
CONNECTIVE_MAX_LETTERS = 5  # "dit", "boru", "anak", "binti" between two removed pieces
MONTH_MAX_WORDS = 4  # a month's name between a day and a year: "Dwe mar gi achiel" (Luo), "Orak ayı" (Gagauz)
YEAR_WORD_MAX_LETTERS = 4  # a word for "year" after a date's year: "г." (Russian), "ар" (Udmurt), "roku" (Polish)

_NAME_TOKENS = [MASK_TOKENS[PERSON], REDACTED]
# a number with its decimal or thousands marks is one piece ("37.1", "4,400"); so is a date written with dots
_PIECES = (
    r"<[A-Z_]+>|\p{Nd}+(?:[.,]\p{Nd}+)+|[\p{L}\p{M}\p{Nd}]+(?:['’][\p{L}\p{M}\p{Nd}]+)*"
    r"|[^\p{L}\p{M}\p{Nd}<]+|<"
)
# A measurement or an amount identifies no one: a number of at most four digits (and decimals) before a unit of
# measure or a percent or degree sign, or after a currency sign. Not years of age (an age over 89 is an
# identifier), nor a bare number (a day, a house number, part of a code).
UNITS = (
    "mg mcg µg ug g kg ml l dl cl mmhg cmh2o bpm mmol µmol umol mol meq iu u units unit cm mm m km ft lb lbs oz kcal"
    " cal kpa hz min mins h hr hrs hours hour days day wk wks weeks week months month x tabs tab tablets caps puffs"
    " drops gtt sec secs seconds minutes kwh kw w v mb gb tb"
).split()
_NUMBER = r"(?:0|[1-9]\p{Nd}{0,3})"  # a leading zero makes a code ("000M", "0049"), not a quantity
_MEASURE = rf"^{_NUMBER}(?:[.,]\p{{Nd}}{{1,3}})*$"
_GLUED_MEASURE = rf"(?i)^{_NUMBER}(?:[.,]\p{{Nd}}{{1,3}})?(?:" + "|".join(UNITS) + r")$"
_ELISION_MAX_LETTERS = 4  # "l'", "dell'", "qu'", "all'": the word after the apostrophe is looked up


@functools.cache
def _ranked_words() -> tuple[set[str], set[str], set[str], set[str]]:
    """Every language's :data:`VOCABULARY_SIZE`, :data:`COMMON_RANK`, :data:`FUNCTION_WORDS` and
    :data:`LINKING_WORDS` most frequent words (wordfreq), apostrophes as ASCII."""
    import wordfreq

    vocabulary: set[str] = set()
    common: set[str] = set()
    function: set[str] = set()
    linking: set[str] = set()
    for language in sorted(wordfreq.available_languages(wordlist="best")):
        ranked = [w.replace("’", "'") for w in wordfreq.top_n_list(language, VOCABULARY_SIZE, wordlist="best")]
        vocabulary.update(ranked)
        common.update(ranked[:COMMON_RANK])
        function.update(ranked[:FUNCTION_WORDS])
        linking.update(ranked[:LINKING_WORDS])
    return vocabulary, common, function, linking


def _other_script_names() -> set[str]:
    """The words of every Faker locale's first and last names not written in Latin letters ("小林", "করিম",
    "김"), lower-cased."""
    from twinforge.privacy.pii.recognizers import _NAME_LIST_ATTRS, faker_values

    return {
        word.lower()
        for value in faker_values("person", _NAME_LIST_ATTRS)
        for word in value.split()
        if not word.isascii()
    }


def _name_words_in(vocabulary: set[str], function: set[str]) -> set[str]:
    from twinforge.privacy.pii.recognizers import all_names, world_only_names

    names = {name.lower() for name in all_names()} | world_only_names() | _other_script_names()
    return (vocabulary & names) - function


def frequent_words() -> set[str]:
    """Every language's :data:`VOCABULARY_SIZE` most frequent words (wordfreq), names among them."""
    return _ranked_words()[0]


@kept_on_disk
def kept_vocabulary() -> frozenset[str]:
    """The words free text keeps wherever they stand: every language's :data:`VOCABULARY_SIZE` most frequent
    words (wordfreq), lower-cased, less those that are also a listed person name (Faker's names of every locale
    in any script, and names-dataset's that are mostly names), unless among a language's :data:`FUNCTION_WORDS`
    most frequent ("de", "la")."""
    vocabulary, _, function, _ = _ranked_words()
    return frozenset(vocabulary - _name_words_in(vocabulary, function) - _irish_surnames(vocabulary))


# "o'" and four letters or more: an Irish surname ("o'brien", "o'neill", "o'connell"), which the name lists hold
# without the apostrophe's form; "o'clock" is the one such word that is none (Uzbek's "o'na", "o'nu" are shorter)
_IRISH_SURNAME = re.compile(r"^o'[a-z]{4,}$")


def irish_surname(word: str) -> bool:
    """Whether a lower-cased ``word`` is an Irish surname written with "o'" ("o'brien"; not "o'clock")."""
    word = word.replace("’", "'")
    return bool(_IRISH_SURNAME.match(word)) and word != "o'clock"


def _irish_surnames(vocabulary: set[str]) -> set[str]:
    return {w for w in vocabulary if irish_surname(w)}


@kept_on_disk
def common_name_words() -> frozenset[str]:
    """Listed person names that are also among a language's :data:`COMMON_RANK` most frequent words ("mark",
    "rose", "pain", "lee"): kept in lower case and at the start of a sentence, removed elsewhere in capitals."""
    vocabulary, common, function, _ = _ranked_words()
    return frozenset(_name_words_in(vocabulary, function) & common)


@kept_on_disk
def linking_words() -> frozenset[str]:
    """Every language's :data:`LINKING_WORDS` most frequent words ("and", "et", "und", "y"): never taken for a
    name's connective."""
    return frozenset(_ranked_words()[3])


@kept_on_disk
def function_words() -> frozenset[str]:
    """Every language's :data:`FUNCTION_WORDS` most frequent words: a sentence's first word after a removed
    name stays when it is one ("<PERSON>. The patient")."""
    return frozenset(_ranked_words()[2])


def address_words() -> frozenset[str]:
    """Words addresses are made of, in any script (libpostal's dictionaries: street types, building, unit, floor,
    house-number and post-office words: "rue", "ул", "кв", "maison", "No", "bp")."""
    from twinforge.privacy.pii.recognizers import shipped_words

    return shipped_words("address_words.txt.gz")


@functools.lru_cache(maxsize=1)
def _word_lists() -> tuple[pl.Series, ...]:
    from twinforge.privacy.pii.recognizers import other_script_names

    given, surnames, _ = other_script_names()
    return tuple(
        pl.Series("word", sorted(words), dtype=pl.String).implode()
        for words in (
            kept_vocabulary(),
            common_name_words(),
            function_words(),
            linking_words(),
            address_words(),
            given,
            surnames,
        )
    )


def _shifted(column: str, offset: int) -> pl.Expr:
    """``column`` of the piece ``offset`` places before (after, when negative) in the same text; null past its ends.
    (Pieces of all texts are in one frame, in order: a plain shift, checked against the text's row, costs far less
    than a shift per text.)"""
    return pl.when(pl.col("text").shift(offset) == pl.col("text")).then(pl.col(column).shift(offset))


def keep_common_words(values: pl.Series) -> pl.Series:
    """``values`` (text, masked by :func:`~twinforge.privacy.pii.mask.mask_text` first) with every piece that is
    not a common word replaced by :data:`REDACTED` (the rules are in this module's docstring); nulls and empty
    texts stay as they are.

    Each distinct text is read once, :data:`SLICE_ROWS` at a time, side by side (:func:`~twinforge.parallel.map_on_threads`), so
    that a long column's pieces never fill memory at once; each text is read on its own, so the result is the same.
    """
    text = values.cast(pl.String)
    # each distinct text once: masked notes repeat ("Called <PERSON> about ...") far more than raw ones
    distinct = text.drop_nulls().unique(maintain_order=True)
    slices = max(1, -(-distinct.len() // SLICE_ROWS))
    size = max(1, -(-distinct.len() // slices))
    parts = [distinct.slice(i * size, size) for i in range(slices)]
    _word_lists()  # built once, before the threads
    kept = pl.DataFrame(
        {"value": distinct, "kept": _with_hyphen_partners(pl.concat(map_on_threads(_keep_common_words, parts)))}
    )
    out = pl.DataFrame({"value": text}).join(kept, on="value", how="left", maintain_order="left", nulls_equal=False)
    return out.get_column("kept").alias(values.name)


# a word joined by a hyphen to a removed name is part of it ("YA-<REDACTED>", "<PERSON>-SU"): removed as well
_NAME_TOKEN = "(" + "|".join(re.escape(t) for t in _NAME_TOKENS) + ")"
_BEFORE_NAME_TOKEN = rf"[\p{{L}}\p{{M}}]+-{_NAME_TOKEN}"
_AFTER_NAME_TOKEN = rf"{_NAME_TOKEN}-[\p{{L}}\p{{M}}]+"
HYPHEN_PASSES = 3  # "A-B-C-<PERSON>": one joined word more each pass


def _with_hyphen_partners(text: pl.Series) -> pl.Series:
    for _ in range(HYPHEN_PASSES):
        text = text.str.replace_all(_BEFORE_NAME_TOKEN, "${1}-${1}").str.replace_all(_AFTER_NAME_TOKEN, "${1}-${1}")
    return text


def _keep_common_words(text: pl.Series) -> pl.Series:
    vocabulary, name_words, function, linking, address, given, surnames = _word_lists()
    piece = pl.col("piece")
    lowered = piece.str.to_lowercase().str.replace_all("’", "'", literal=True)
    after_apostrophe = lowered.str.extract(rf"^[\p{{L}}\p{{M}}]{{1,{_ELISION_MAX_LETTERS}}}'([\p{{L}}\p{{M}}]+)$")
    is_word = piece.str.contains(r"^[\p{L}\p{M}\p{Nd}]")
    after = _shifted("piece", -1)
    measure = piece.str.contains(_MEASURE) & (
        after.str.contains(r"^[ \u00a0]?[%°‰€$£¥₹]").fill_null(False)
        | after.str.to_lowercase().is_in(UNITS).fill_null(False)  # "3.5mg": the number and the unit are two pieces
        | (
            after.str.contains(r"^[ \u00a0]$").fill_null(False)
            & _shifted("piece", -2).str.to_lowercase().is_in(UNITS).fill_null(False)
        )
        | _shifted("piece", 1).str.contains(r"[€$£¥₹]\s?$").fill_null(False)
    ) | piece.str.contains(_GLUED_MEASURE)
    is_name_word = lowered.is_in(name_words)
    # a listed name that is also a common word is that word in lower case, or in title case opening a sentence
    sentence_start = _shifted("piece", 1).str.contains(r"[.!?:;\n]\s*$").fill_null(True)
    as_word = piece.str.contains(r"^[^\p{Lu}]*$") | (piece.str.contains(r"^\p{Lu}[^\p{Lu}]*$") & sentence_start)
    caseless = piece.str.contains(r"^[\p{L}\p{M}]+$") & ~piece.str.contains(r"[\p{Lu}\p{Ll}\p{Lt}]")
    listed = measure | (
        ~piece.str.contains(r"\p{Nd}")
        & (lowered.is_in(vocabulary) | after_apostrophe.is_in(vocabulary).fill_null(False) | (is_name_word & as_word))
    )
    pieces = (
        pl.LazyFrame({"value": text})
        .with_row_index("text")
        .select("text", pl.col("value").str.extract_all(_PIECES).alias("piece"))
        .explode("piece")
        .drop_nulls("piece")
        .with_columns(
            is_word.alias("word"),
            # a word in capitals: title case, or all capitals unless one of a language's most frequent words that is no
            # listed name ("AG <PERSON>", "SKILLING, <PERSON>"; "OF", "DE" stay)
            (
                is_word
                & (
                    piece.str.contains(r"^\p{Lu}[^\p{Lu}]")
                    | (piece.str.contains(r"^[^\p{Ll}]*\p{Lu}[^\p{Ll}]*$") & (is_name_word | ~lowered.is_in(function)))
                )
            ).alias("capital_word"),
            (is_word & ~listed).alias("removed"),
            (is_word & is_name_word & ~piece.str.contains(r"\p{Lu}")).alias("lower_name"),
            # a given name and a surname of a script without capitals ("राहुल शर्मा", "محمد الخطيب")
            (caseless & lowered.is_in(given)).alias("caseless_given"),
            (caseless & lowered.is_in(surnames)).alias("caseless_surname"),
            (~lowered.is_in(function)).alias("not_function"),
            lowered.is_in(list(TITLES)).alias("title"),
            # a name's parts may be joined by a middle dot ("乌云·巴雅斯古楞", "Walis·Lahok")
            piece.str.contains(r"^[ \t]{1,2}$|^\.[ \t]$|^,[ \t]$|^[-·・]$").alias("gap"),
            piece.str.contains(r"^\.[ \t]$").alias("stop"),
            piece.str.contains(r"^,[ \t]?$").alias("comma"),
            piece.str.contains(r"^[ \t]$").alias("joint"),
            # a word of letters, elided or not ("d'agost"); a day, ordinal or not ("3rd", "1er")
            piece.str.contains(r"^[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)?$").alias("letters"),
            piece.str.contains(r"^\p{Nd}{1,2}\p{Ll}{0,2}$").alias("day"),
            piece.str.contains(r"^\p{Nd}{4}$").alias("year"),
            # an address's word ("rue", "кв", "No."): one of a letter, or a language's most frequent words ("no",
            # "la"), only with its dot
            (
                is_word
                & lowered.is_in(address)
                & (
                    ((piece.str.len_chars() > 1) & ~lowered.is_in(linking))
                    | _shifted("piece", -1).str.contains(r"^\.[\s,]").fill_null(False)
                    # "P.O. Box", "B.P." (not "a.m.")
                    | (
                        piece.str.contains(r"^\p{Lu}$")
                        & (_shifted("piece", -1) == ".").fill_null(False)
                        & _shifted("piece", -2).str.contains(r"^\p{Lu}$").fill_null(False)
                    )
                )
            ).alias("address_word"),
        )
        .with_columns(pl.col("address_word") & ~pl.col("title"))  # "Dr." is a doctor before a name
    )

    def at(column: str, offset: int) -> pl.Expr:
        return _shifted(column, offset).fill_null(False)

    # in a script without capitals, names that are also words go as a given name before a surname, each listed
    # in that script ("राहुल शर्मा"; alone, "राहुल" may be the word)
    caseless_name = (pl.col("caseless_given") & at("joint", -1) & at("caseless_surname", -2)) | (
        pl.col("caseless_surname") & at("joint", 1) & at("caseless_given", 2)
    )
    pieces = pieces.with_columns(pl.col("removed") | caseless_name)
    # a name's parts joined by a bare middle dot, words in title case or katakana, common words or not:
    # "Walis·Lahok", "ジョン・スミス"
    name_part = r"^\p{Lu}\p{Ll}|^[\p{Katakana}ー]+$"
    beside_name_part = lambda offset: (  # noqa: E731
        _shifted("piece", offset).is_in(["·", "・"]) & _shifted("piece", 2 * offset).str.contains(name_part)
    ).fill_null(False)
    dotted_name = piece.str.contains(name_part) & (beside_name_part(1) | beside_name_part(-1))
    pieces = pieces.with_columns(pl.col("removed") | dotted_name)

    def removed_word_at(offset: int) -> pl.Expr:
        """Whether the piece ``offset`` places away is a removed word (no digit in it)."""
        neighbour = _shifted("piece", offset)
        return (_shifted("removed", offset) & ~neighbour.str.contains(r"\p{Nd}")).fill_null(False)

    def removed_at(offset: int, numbers: bool = False) -> pl.Expr:
        """Whether the piece ``offset`` places away is a removed word or a name's token (or, with ``numbers``,
        a removed number)."""
        removed = at("removed", offset) if numbers else removed_word_at(offset)
        return removed | _shifted("piece", offset).is_in(_NAME_TOKENS).fill_null(False)

    def number_at(offset: int) -> pl.Expr:
        return _shifted("piece", offset).str.contains(r"\p{Nd}").fill_null(False)

    def removed_lower_word_at(offset: int) -> pl.Expr:
        neighbour = _shifted("piece", offset)
        removed = _shifted("removed", offset) & neighbour.str.contains(r"^[^\p{Lu}\p{Nd}]+$")
        return removed.fill_null(False)

    # A full stop ends what a removed piece takes unless it follows a name or an initial ("<PERSON> R. Kills Enemy")
    # and the next word is no function word ("<PERSON>. The patient"); a number takes the words in capitals after
    # it ("12 Rue Lilas"), not before ("Order 12").
    name_or_initial = _shifted("piece", 2).str.contains(r"^<PERSON>$|^\p{Lu}$").fill_null(False)
    across_stop = ~at("stop", 1) | (name_or_initial & pl.col("not_function"))
    for _ in range(SPREAD_STEPS):
        beside_removed = (
            (at("gap", 1) & removed_at(2) & across_stop)
            | (at("joint", 1) & removed_at(2, numbers=True) & pl.col("capital_word"))
            | (at("gap", -1) & removed_at(-2))
        )
        # a listed name in lower case goes beside a removed word in lower case ("zubri hong"; not "<PERSON> said"),
        # after a title ("dr. lewis"), or beside another after a comma, a surname first ("taylor, margaret"; not
        # "mild pain")
        beside_lower = (
            (at("gap", 1) & (removed_lower_word_at(2) | at("title", 2)))
            | (at("gap", -1) & removed_lower_word_at(-2))
            | (at("comma", 1) & at("lower_name", 2))
            | (at("comma", -1) & at("lower_name", -2))
        )
        pieces = pieces.with_columns(
            pl.col("removed") | (pl.col("capital_word") & beside_removed) | (pl.col("lower_name") & beside_lower)
        )
    # An address's words go, after the rest (so that "Case No. <REDACTED>" takes no word in capitals before it):
    # a street's name between an address word and a house number ("ул. Ленина 54/5-64", "пр. Победы 2/7"), then an
    # address word before a removed word ("maison Agbeko", "ул. <PERSON>"), in capitals after one ("Guangfu
    # Township"; not after a number, "1 point", nor a name, "<PERSON> Court"), or before a removed number in a list of
    # such parts ("д. 112, кв. 68"; not "room 12" alone)
    street_name = (
        pl.col("capital_word")
        & at("gap", 1)
        & at("address_word", 2)
        & at("gap", -1)
        & _shifted("piece", -2).str.contains(r"^\p{Nd}|^<[A-Z_]+>$").fill_null(False)  # "54/5-64" may be a <DATE>
    )
    pieces = pieces.with_columns(pl.col("removed") | street_name)
    # an address word before a removed piece, or in capitals after a removed word: "maison Agbeko", "rue 98",
    # "Guangfu Township" (not "<REDACTED> route"), "P.O. Box"
    beside = lambda offset: at("gap", offset) | (_shifted("piece", offset) == ".").fill_null(False)  # noqa: E731
    before_removed = pl.col("address_word") & beside(-1) & removed_at(-2, numbers=True)
    after_removed_word = pl.col("address_word") & piece.str.contains(r"^\p{Lu}") & beside(1) & removed_word_at(2)
    pieces = pieces.with_columns((before_removed | after_removed_word).alias("address_part"))

    # a list of an address's parts, a comma between: "д. 112, кв. 68", "Porte 170, Sotuba", "Tokoin, rue 98",
    # "Section 2, <ADDRESS>"
    def address_part_at(offset: int) -> pl.Expr:
        token = (_shifted("piece", offset) == MASK_TOKENS[ADDRESS]).fill_null(False)
        return at("address_part", offset) | token | removed_word_at(offset)

    address_near = (at("comma", -3) & address_part_at(-4)) | (
        at("comma", 1) & (address_part_at(2) | address_part_at(4))
    )
    pieces = pieces.with_columns(
        pl.col("removed") | (before_removed & (~number_at(-2) | address_near)) | after_removed_word
    )
    # a name's connective: "<PERSON> dit <PERSON>", "<PERSON> ép. <PERSON>", "<PERSON> br. <PERSON>"
    between_removed = at("joint", 1) & (at("joint", -1) | at("stop", -1)) & removed_at(2) & removed_at(-2)
    connective = (
        pl.col("word") & (piece.str.len_chars() <= CONNECTIVE_MAX_LETTERS) & ~lowered.is_in(linking) & between_removed
    )

    def run_to(number: str, steps: int) -> pl.Expr:
        """Whether the piece ``steps`` places before (after, when negative) is ``number`` ("day", "year"), with
        only words of letters and single spaces between."""
        direction = 1 if steps > 0 else -1
        run = at(number, steps)
        for step in range(1, abs(steps)):
            run = run & at("joint" if step % 2 else "letters", step * direction)
        return run

    def between_day_and_year() -> pl.Expr:
        """Whether a word of letters stands in a run of at most :data:`MONTH_MAX_WORDS` such words, single spaces
        between them, after a day (one or two digits) and before a year (four digits)."""
        sides = range(2, 2 * MONTH_MAX_WORDS + 1, 2)
        runs = [
            run_to("day", before) & run_to("year", -after)
            for before in sides
            for after in sides
            if before + after <= 2 * MONTH_MAX_WORDS + 2
        ]
        return pl.col("letters") & pl.any_horizontal(runs)

    # a word between two removed numbers is a date's month or a range's unit: "2 mati 1997", "23. júla 1958"
    between_numbers = (at("joint", 1) | at("stop", 1)) & at("joint", -1) & number_at(2) & number_at(-2)
    # words between a day and a year are a month however many words it takes: "31 Dwe mar Apar 1945"
    between_numbers = between_numbers | between_day_and_year()
    pieces = pieces.with_columns((pl.col("word") & between_numbers).alias("in_date"))
    # a year's word after a date's year: "27 оштолэзь 1995 ар", "12 мая 1950 года" (not "in 1995 he", nor a
    # language's 30 most frequent words: "3 May 1995 we met")
    year_word = (
        piece.str.contains(rf"^\p{{Ll}}{{1,{YEAR_WORD_MAX_LETTERS}}}$")
        & ~lowered.is_in(linking)
        & at("joint", 1)
        & at("year", 2)
        & at("joint", 3)
        & at("in_date", 4)
    )
    out = (
        pieces.with_columns(pl.col("removed") | connective | pl.col("in_date") | year_word)
        .with_columns(pl.when("removed").then(pl.lit(REDACTED)).otherwise(piece).alias("piece"))
        .group_by("text", maintain_order=True)
        .agg(pl.col("piece").str.join(""))
        .collect()
    )
    rebuilt = (
        pl.DataFrame({"value": text})
        .with_row_index("text")
        .join(out, on="text", how="left", maintain_order="left")
        .select(pl.when(pl.col("value").is_null() | (pl.col("value") == "")).then("value").otherwise("piece"))
    )
    return rebuilt.to_series()


__all__ = ["REDACTED", "keep_common_words", "kept_vocabulary"]
