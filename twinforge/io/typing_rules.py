"""Typing of ingested columns: text values parsed into integers, floats, booleans and dates.

A column whose kind the spec declares must parse as that kind: a value that does
not is a bad row (reported with its row, or quarantined). A column the spec is
silent about gets the narrowest type that every one of its values parses as, or
failing that one that at least ``TYPE_MAJORITY`` of them parse as: the rest are bad
rows, never a reason to turn the column into text. Codes that look numeric but are not numbers stay
text: digit strings with a leading zero (postcodes, phone numbers) and digit
strings longer than ``MAX_NUMBER_DIGITS`` (card and account numbers) where they are more than the
``1 - TYPE_MAJORITY`` share of strays (one long integer among small ones is an integer, or, beyond the int64
range, a bad value: never the reason a column of integers turns into text or floats).

Dates as spreadsheets export them (``5/17/2024``, ``17.05.2024``) are dates when the column's values
settle which part is the day (see :func:`day_month_formats` for the columns none settles), and amounts
as they write them (``$1,610.16``, ``(1,234.56)``, ``12.5%``) are numbers (see :func:`amounts`).
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
_INTEGER_DIGITS = r"^[+-]?\d+$"
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


def _looks_like_codes(s: pl.Series) -> bool:
    """Whether text ``s`` (non-null, stripped) holds codes, not numbers: a value with a leading zero, or more
    values longer than ``MAX_NUMBER_DIGITS`` digits than a column's strays (a card number column)."""
    if s.len() == 0:
        return False
    return bool(s.str.contains(_LEADING_ZERO).any() or s.str.contains(_LONG_DIGITS).mean() > 1 - TYPE_MAJORITY)


def beyond_int64(original: pl.Series, parsed: pl.Series) -> pl.Series:
    """Cells of text ``original`` written as integers (digits only) that ``parsed`` (its integers) lost: they
    are beyond the int64 range."""
    if original.dtype != pl.String:
        return pl.Series([False] * original.len(), dtype=pl.Boolean)
    return (failures(original, parsed) & original.str.strip_chars().str.contains(_INTEGER_DIGITS)).fill_null(False)


def _no_number(s: pl.Series, dtype: pl.DataType) -> pl.Series:
    """``s`` (dates, times, durations) as numbers: all null, so that each value is a bad row. Cast, they would
    be counts of a unit the data never named (days since 1970, nanoseconds since midnight)."""
    return pl.Series(s.name, [None] * s.len(), dtype=dtype)


def _as_integer(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        stripped = s.str.strip_chars()
        return stripped.cast(pl.Int64, strict=False)
    if s.dtype.is_float():
        whole = s.is_not_null() & (s == s.floor())
        return pl.select(pl.when(whole).then(s.cast(pl.Int64, strict=False))).to_series().alias(s.name)
    if s.dtype.is_decimal():  # a cast would cut the fraction off: 424.46 is no integer, as the float is not
        integers = s.cast(pl.Int64, strict=False)
        whole = integers.cast(s.dtype, strict=False) == s
        return pl.select(pl.when(whole).then(integers)).to_series().alias(s.name)
    if s.dtype.is_temporal():
        return _no_number(s, pl.Int64)
    return s.cast(pl.Int64, strict=False)


def _as_float(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        return s.str.strip_chars().cast(pl.Float64, strict=False)
    if s.dtype.is_temporal():
        return _no_number(s, pl.Float64)
    return s.cast(pl.Float64, strict=False)


def _as_float_or_amount(s: pl.Series, decimal: str) -> pl.Series:
    """``s`` as floats, text that is no plain number read as an amount (see :func:`amounts`): for a column
    declared (or pinned by a first batch) as a float."""
    plain = _as_float(s)
    if s.dtype != pl.String or plain.null_count() == s.null_count():
        return plain
    return plain.fill_null(amounts(s, decimal))


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


def _inferred_datetimes(text: pl.Series) -> pl.Series:
    """Text ``text`` as datetimes in the one format polars infers from its values, others null; all null when
    no value gives a format (polars raises then: a column of no dates is bad cells, not an unreadable file)."""
    try:
        return text.str.to_datetime(strict=False)
    except pl.exceptions.ComputeError:
        return pl.Series(text.name, [None] * text.len(), dtype=pl.Datetime("us"))


def _as_datetime(s: pl.Series, fmt: str | None) -> pl.Series:
    if s.dtype.is_temporal():
        return s
    text = s.cast(pl.String).str.strip_chars()
    if fmt is not None:
        has_time = any(code in fmt for code in ("%H", "%I", "%M", "%S", "%T", "%R"))
        return text.str.to_datetime(fmt, strict=False) if has_time else text.str.to_date(fmt, strict=False)
    day_month = _day_month_dates(text)
    if day_month is not None:
        return day_month
    if day_month_parts(text) is not None:  # written day and month first in an order no value settles: no guess
        return pl.Series(s.name, [None] * s.len(), dtype=pl.Date)
    as_date = text.str.to_date(strict=False)
    if (as_date.is_null() & text.is_not_null()).any():
        inferred = _inferred_datetimes(text)  # one format, inferred from the values
        mixed = _mixed_iso(text)
        return mixed if mixed.null_count() < inferred.null_count() else inferred
    return as_date


def parse_as(s: pl.Series, declared: Declared, decimal: str = ".") -> pl.Series:
    """``s`` converted to the declared kind; values that do not parse become null (see :func:`failures`).
    ``decimal`` is the decimal mark of amounts written with a currency symbol (``source.decimal``)."""
    kind = declared.kind
    if kind is ColumnKind.INTEGER:
        return _as_integer(s)
    if kind is ColumnKind.FLOAT:
        return _as_float_or_amount(s, decimal)
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


def infer_text(s: pl.Series, decimal: str = ".") -> tuple[pl.Series, ColumnKind | None]:
    """The column parsed as the narrowest kind its non-null values take, and that kind (None: it stays text).

    A kind that every value parses as wins; failing that, one that at least ``TYPE_MAJORITY`` of the
    values parse as, and the rest are values that do not parse (bad rows, see :func:`failures`): one
    stray word in a number column never turns the column into text. Amounts (``$1,610.16``, see
    :func:`amounts`, with ``decimal`` as their decimal mark) are floats.
    """
    present = s.drop_nulls()
    if present.len() == 0:
        return s, None
    stripped = s.str.strip_chars()
    candidates = [(ColumnKind.BOOLEAN, lambda: _as_boolean(s, (("true",), ("false",))))]
    if not _looks_like_codes(stripped.drop_nulls()):
        candidates.append((ColumnKind.INTEGER, lambda: _as_integer(s)))
        candidates.append((ColumnKind.FLOAT, lambda: _as_float(s)))
        candidates.append((ColumnKind.FLOAT, lambda: _as_amounts(stripped, decimal)))
    candidates.append((ColumnKind.DATETIME, lambda: _as_dates(stripped)))
    parsed = []
    for kind, make in candidates:
        values = make()
        if values.null_count() == s.null_count():
            return values.alias(s.name), kind
        lost = failures(s, values)
        if kind is ColumnKind.INTEGER and (lost == beyond_int64(s, values)).all():
            # integers all but a few beyond the int64 range: those are bad values, the column is not floats
            if values.len() - values.null_count() >= TYPE_MAJORITY * present.len():
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
        best = _inferred_datetimes(pl.select(pl.when(iso).then(stripped)).to_series())
    if not iso.any():
        return best
    # a column mixing shapes: each value read in its own, so that no date of it is left as text
    mixed = _mixed_iso(stripped)
    return mixed if mixed.null_count() < best.null_count() else best


# an amount as spreadsheets write it: a currency symbol before or after the number, a minus before or after
# the symbol, parentheses for a negative (accounting), or a percent sign: $1,610.16, -$5, $-5, (1,234.56),
# ($12), 1.234,56 €, 12.5%. Groups: open, minus, symbol, minus, number, symbol or %, close.
AMOUNT_PATTERN = r"^(\()?\s*(-)?\s*([$€£¥])?\s*(-)?\s*(\d[\d.,]*)\s*([$€£¥%])?\s*(\))?$"
AMOUNT_FIELDS = ("open", "minus", "symbol", "minus_after", "number", "suffix", "close")
# the number of an amount with a decimal point: thousands parted by commas (1,610.16) or none (1610.16)
_POINT_NUMBER = r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
# an undecorated number that can only be an amount with thousands commas and a decimal point: 1,610.16
_GROUPED_POINT_NUMBER = r"^\d{1,3}(?:,\d{3})+\.\d+$"


def amounts(s: pl.Series, decimal: str = ".") -> pl.Series:
    """Text ``s`` read as amounts (:data:`AMOUNT_PATTERN`) as floats, the symbol or percent sign dropped (12.5% is
    12.5) and negatives (a minus, parentheses) negative; with ``decimal`` ",", points part thousands and a
    comma is the decimal mark (``€1.234,56``). Other values, and ones with two signs or two symbols, null."""
    parts = (
        s.str.strip_chars().str.extract_groups(AMOUNT_PATTERN).struct.rename_fields(list(AMOUNT_FIELDS)).struct.unnest()
    )
    if decimal == ",":
        number = decimal_point(parts.get_column("number"))
        number = pl.select(pl.when(number.str.contains(r"^\d+(?:\.\d+)?$")).then(number)).to_series()
    else:
        number = parts.get_column("number")
        number = pl.select(pl.when(number.str.contains(_POINT_NUMBER)).then(number)).to_series()
        number = number.str.replace_all(",", "", literal=True)
    signs = pl.sum_horizontal(pl.col("open", "minus", "minus_after").is_not_null())
    symbols = pl.sum_horizontal(pl.col("symbol", "suffix").is_not_null())
    valid = (pl.col("open").is_null() == pl.col("close").is_null()) & (signs <= 1) & (symbols <= 1)
    value = number.cast(pl.Float64, strict=False)
    signed = pl.when(signs == 1).then(-pl.lit(value)).otherwise(pl.lit(value))
    return parts.select(pl.when(valid).then(signed).alias(s.name)).to_series()


def _as_amounts(stripped: pl.Series, decimal: str) -> pl.Series:
    """``stripped`` read as :func:`amounts` when some value shows it holds amounts (a currency symbol or
    percent sign, or with a decimal point thousands commas before it: 1,610.16); else all null."""
    decorated = stripped.str.contains(r"[$€£¥%]")
    if decimal == ".":
        decorated = decorated | stripped.str.contains(_GROUPED_POINT_NUMBER)
    if not decorated.any():
        return pl.Series(stripped.name, [None] * stripped.len(), dtype=pl.Float64)
    return amounts(stripped, decimal)


def _as_dates(stripped: pl.Series) -> pl.Series:
    """ISO dates and timestamps (see :func:`_as_iso_datetime`), else dates written day and month first in the
    order the column's values settle (see :func:`_day_month_dates`), whichever reads more values."""
    iso = _as_iso_datetime(stripped)
    if iso.null_count() == stripped.null_count():
        return iso
    day_month = _day_month_dates(stripped)
    return iso if day_month is None or day_month.null_count() >= iso.null_count() else day_month


# a date with its day and month first and a four-digit year, as spreadsheets export them, maybe with a time:
# 5/17/2024, 05/17/2024, 17.05.2024, 5-17-2024 13:45, 17/05/2024 13:45:07 (two-digit years stay text)
_DAY_MONTH = r"^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_DAY_MONTH_FIELDS = ("first", "sep", "second", "sep2", "year", "hour", "minute", "second_of_minute")


def day_month_parts(stripped: pl.Series) -> pl.DataFrame | None:
    """The parts of each value written as :data:`_DAY_MONTH` (a row of nulls for other values), or None when
    fewer than ``TYPE_MAJORITY`` of the non-null values are written so."""
    present = stripped.len() - stripped.null_count()
    if present == 0 or stripped.str.contains(_DAY_MONTH).sum() < TYPE_MAJORITY * present:
        return None
    groups = stripped.str.extract_groups(_DAY_MONTH).struct.rename_fields(list(_DAY_MONTH_FIELDS))
    parts = groups.struct.unnest()
    return parts.with_columns(  # one separator per value: 5/17-2024 is no date
        pl.when(pl.col("sep") == pl.col("sep2")).then(pl.col("first")).alias("first")
    )


def _read_day_month(parts: pl.DataFrame, month_first: bool) -> pl.Series:
    """The values of :func:`day_month_parts` read as month/day (``month_first``) or day/month: datetimes when
    some value has a time (a date alone at midnight), else dates; impossible dates (31/04) null."""
    month, day = ("first", "second") if month_first else ("second", "first")
    iso = pl.concat_str(
        pl.col("year"),
        pl.col(month).str.zfill(2),
        pl.col(day).str.zfill(2),
        pl.col("hour").fill_null("0").str.zfill(2),
        pl.col("minute").fill_null("00"),
        pl.col("second_of_minute").fill_null("00"),
        separator="-",
    )
    read = parts.select(iso.str.to_datetime("%Y-%m-%d-%H-%M-%S", strict=False)).to_series()
    return read if parts.get_column("hour").is_not_null().any() else read.dt.date()


def _day_month_dates(stripped: pl.Series) -> pl.Series | None:
    """Dates written day and month first (:data:`_DAY_MONTH`) read in the order that reads more of them: a
    first part above 12 in a value says the day comes first, a second part above 12 that the month does. None
    when they are not such dates, or when both orders read as many (no value settles it, or as many values
    say one order as the other): a guess would swap days and months."""
    parts = day_month_parts(stripped)
    if parts is None:
        return None
    month_first, day_first = _read_day_month(parts, True), _read_day_month(parts, False)
    if month_first.null_count() == day_first.null_count():
        return None
    best = month_first if month_first.null_count() < day_first.null_count() else day_first
    return best.alias(stripped.name)


def day_month_formats(s: pl.Series) -> tuple[str, str] | None:
    """For a text column of dates written day and month first whose values do not settle which comes first
    (every part is 12 or less), the two strptime formats it may be in, month first then day first; else None."""
    if s.dtype != pl.String:
        return None
    parts = day_month_parts(s.str.strip_chars())
    if parts is None:
        return None
    numbers = parts.select(pl.col("first", "second").cast(pl.Int64)).drop_nulls()
    if numbers.height == 0 or (numbers.max_horizontal() > 12).any():
        return None
    sep = parts.get_column("sep").drop_nulls().mode().sort()[0]
    hours, seconds = parts.get_column("hour").is_not_null(), parts.get_column("second_of_minute").is_not_null()
    time = (" %H:%M:%S" if seconds.any() else " %H:%M") if hours.any() else ""
    return f"%m{sep}%d{sep}%Y{time}", f"%d{sep}%m{sep}%Y{time}"


def null_out(table: pl.DataFrame, columns: list[str], na_values: list[str]) -> pl.DataFrame:
    """Text cells equal to one of ``na_values`` once trimmed of spaces (e.g. "", "NA", "?") become null."""
    if not na_values or not columns:
        return table
    tokens = pl.Series(sorted({v.strip() for v in na_values}), dtype=pl.String)
    return table.with_columns(
        pl.when(pl.col(c).str.strip_chars().is_in(tokens.implode())).then(None).otherwise(pl.col(c)).alias(c)
        for c in columns
    )
