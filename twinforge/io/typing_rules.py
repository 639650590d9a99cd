"""Typing of ingested columns: text values parsed into integers, floats, booleans and dates.

A column whose kind the spec declares must parse as that kind: a value that does
not is a bad row (reported with its row, or quarantined). A column the spec is
silent about gets the narrowest type that every one of its values parses as, or
failing that one that at least ``TYPE_MAJORITY`` of them parse as: the rest are bad
rows, never a reason to turn the column into text. Codes that look numeric but are not numbers stay
text: digit strings with a leading zero (postcodes, phone numbers) and digit
strings longer than ``MAX_NUMBER_DIGITS`` (card and account numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from twinforge.io.schema import ColumnKind

MAX_NUMBER_DIGITS = 12
# Share of a text column's non-null values that must parse as a kind for the column to take it when not
# all do; the others are bad rows. High, so that a code column with some letters (14, 14B) stays text.
TYPE_MAJORITY = 0.9
_LEADING_ZERO = r"^[+-]?0\d"
_LONG_DIGITS = rf"^[+-]?\d{{{MAX_NUMBER_DIGITS + 1},}}$"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


def number_kinds(table: pl.DataFrame) -> dict[str, ColumnKind]:
    """Kinds :func:`twinforge.io.schema.infer_schema` does not give, as overrides for it: a decimal column (SQL
    NUMERIC, Parquet decimal128) is a number (FLOAT: it is modelled as one and comes back as a decimal of its
    scale), not text."""
    return {name: ColumnKind.FLOAT for name, dtype in table.schema.items() if dtype.is_decimal()}


@dataclass(frozen=True)
class Declared:
    kind: ColumnKind
    format: str | None = None  # strptime format for datetimes given as text


def whole_numbers(series: pl.Series) -> pl.Series:
    """A float column's whole numbers as Int64, its other values (fractions, NaN, infinities, beyond int64) null:
    an integer column with a missing value is written as floats ("94110.0") by pandas and many exports, and its
    codes, phone numbers and SSNs are the integers. Other columns as they are."""
    if not series.dtype.is_float():
        return series
    whole = series.is_finite() & (series == series.floor()) & (series.abs() < 2**63)
    return pl.select(pl.when(whole).then(series.cast(pl.Int64, strict=False))).to_series().alias(series.name)


def code_text(series: pl.Series) -> pl.Series:
    """A code column as text. Codes stored as numbers (floats' whole numbers included) lost their leading
    zeros, so they are zero-padded to the widest value's digits: ``2139`` beside ``94110`` is ``02139``."""
    numbers = whole_numbers(series)
    if not numbers.dtype.is_integer():
        return numbers.cast(pl.String)
    text = numbers.cast(pl.String)
    return text.str.zfill(int(text.str.len_chars().max() or 0))


def _looks_like_code(s: pl.Series) -> pl.Series:
    return s.str.contains(_LEADING_ZERO) | s.str.contains(_LONG_DIGITS)


def _as_integer(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        stripped = s.str.strip_chars()
        return stripped.cast(pl.Int64, strict=False)
    if s.dtype.is_float():
        whole = s.is_not_null() & (s == s.floor())
        return pl.select(pl.when(whole).then(s.cast(pl.Int64, strict=False))).to_series().alias(s.name)
    return s.cast(pl.Int64, strict=False)


def _as_float(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        return s.str.strip_chars().cast(pl.Float64, strict=False)
    return s.cast(pl.Float64, strict=False)


def _as_boolean(s: pl.Series, words: tuple[tuple[str, ...], tuple[str, ...]] = (_TRUE, _FALSE)) -> pl.Series:
    if s.dtype == pl.Boolean:
        return s
    text = s.cast(pl.String).str.strip_chars().str.to_lowercase()
    true, false = words
    return (
        pl.select(pl.when(text.is_in(true)).then(True).when(text.is_in(false)).then(False).otherwise(None))
        .to_series()
        .alias(s.name)
    )


def _as_datetime(s: pl.Series, fmt: str | None) -> pl.Series:
    if s.dtype.is_temporal():
        return s
    text = s.cast(pl.String).str.strip_chars()
    if fmt is not None:
        has_time = any(code in fmt for code in ("%H", "%I", "%M", "%S", "%T", "%R"))
        return text.str.to_datetime(fmt, strict=False) if has_time else text.str.to_date(fmt, strict=False)
    as_date = text.str.to_date(strict=False)
    if (as_date.is_null() & text.is_not_null()).any():
        inferred = text.str.to_datetime(strict=False)  # one format, inferred from the first value
        mixed = _mixed_iso(text)
        return mixed if mixed.null_count() < inferred.null_count() else inferred
    return as_date


def parse_as(s: pl.Series, declared: Declared) -> pl.Series:
    """``s`` converted to the declared kind; values that do not parse become null (see :func:`failures`)."""
    kind = declared.kind
    if kind is ColumnKind.INTEGER:
        return _as_integer(s)
    if kind is ColumnKind.FLOAT:
        return _as_float(s)
    if kind is ColumnKind.BOOLEAN:
        return _as_boolean(s)
    if kind is ColumnKind.DATETIME:
        return _as_datetime(s, declared.format)
    return s  # categorical, text and identifier columns take any value as it is


# a number written with a decimal comma: "45123,50", "-0,5", "1.234.567,89" (thousands parted by points), "1.234"
_DECIMAL_COMMA_NUMBER = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"


def decimal_point(s: pl.Series) -> pl.Series:
    """Text ``s`` with its numbers written with a decimal comma rewritten with a decimal point (thousands
    points dropped); other values as they are."""
    stripped = s.str.strip_chars()
    point = stripped.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return pl.select(pl.when(stripped.str.contains(_DECIMAL_COMMA_NUMBER)).then(point).otherwise(s)).to_series()


def looks_decimal_comma(s: pl.Series) -> bool:
    """Whether text ``s`` holds numbers written with a decimal comma: most values read as such numbers, and some
    have a comma (a column of plain integers is no evidence)."""
    present = s.drop_nulls().str.strip_chars()
    if present.len() == 0:
        return False
    numbers = present.str.contains(_DECIMAL_COMMA_NUMBER)
    return bool(numbers.mean() >= TYPE_MAJORITY and (numbers & present.str.contains(",", literal=True)).any())


def failures(original: pl.Series, parsed: pl.Series) -> pl.Series:
    """Rows with a value that did not survive parsing."""
    return original.is_not_null() & parsed.is_null()


def infer_text(s: pl.Series) -> tuple[pl.Series, ColumnKind | None]:
    """The column parsed as the narrowest kind its non-null values take, and that kind (None: it stays text).

    A kind that every value parses as wins; failing that, one that at least ``TYPE_MAJORITY`` of the
    values parse as, and the rest are values that do not parse (bad rows, see :func:`failures`): one
    stray word in a number column never turns the column into text.
    """
    present = s.drop_nulls()
    if present.len() == 0:
        return s, None
    stripped = s.str.strip_chars()
    candidates = [(ColumnKind.BOOLEAN, lambda: _as_boolean(s, (("true",), ("false",))))]
    if not _looks_like_code(stripped.drop_nulls()).any():
        candidates.append((ColumnKind.INTEGER, lambda: _as_integer(s)))
        candidates.append((ColumnKind.FLOAT, lambda: _as_float(s)))
    candidates.append((ColumnKind.DATETIME, lambda: _as_iso_datetime(stripped)))
    parsed = []
    for kind, make in candidates:
        values = make()
        if values.null_count() == s.null_count():
            return values.alias(s.name), kind
        parsed.append((kind, values))
    for kind, values in parsed:
        if (values.len() - values.null_count()) >= TYPE_MAJORITY * present.len():
            return values.alias(s.name), kind
    return s, None


# The ISO shapes one column may mix: spreadsheets write a datetime whose time is midnight as the date
# alone ("2024-08-11" beside "2024-08-11 15:00"), and exports differ in the separator and the seconds.
_ISO_SHAPES = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
)


def _mixed_iso(text: pl.Series) -> pl.Series:
    """Values in any of :data:`_ISO_SHAPES` as (naive) datetimes, a date alone at midnight; others null."""
    shapes = [pl.lit(text).str.to_datetime(shape, strict=False) for shape in _ISO_SHAPES]
    return pl.select(pl.coalesce(shapes)).to_series().alias(text.name)


def _as_iso_datetime(stripped: pl.Series) -> pl.Series:
    """ISO dates (``2024-01-05``) as dates, else ISO timestamps as datetimes (also a mix of dates and
    timestamps, as datetimes); 01/02/03 is ambiguous: text."""
    is_date = stripped.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    dates = pl.select(pl.when(is_date).then(stripped)).to_series().str.to_date("%Y-%m-%d", strict=False)
    if dates.null_count() == stripped.null_count():
        return dates
    present = stripped.len() - stripped.null_count()
    # only ISO-looking texts reach polars' format inference, which follows the first value it sees
    iso = stripped.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
    if dates.null_count() - stripped.null_count() <= (1 - TYPE_MAJORITY) * present:
        best = dates
    else:
        best = pl.select(pl.when(iso).then(stripped)).to_series().str.to_datetime(strict=False)
    if not iso.any():
        return best
    # a column mixing shapes: each value read in its own, so that no date of it is left as text
    mixed = _mixed_iso(stripped)
    return mixed if mixed.null_count() < best.null_count() else best


def null_out(table: pl.DataFrame, columns: list[str], na_values: list[str]) -> pl.DataFrame:
    """Text cells equal to one of ``na_values`` once trimmed of spaces (e.g. "", "NA", "?") become null."""
    if not na_values or not columns:
        return table
    tokens = pl.Series(sorted({v.strip() for v in na_values}), dtype=pl.String)
    return table.with_columns(
        pl.when(pl.col(c).str.strip_chars().is_in(tokens.implode())).then(None).otherwise(pl.col(c)).alias(c)
        for c in columns
    )
