"""How a text source wrote the values a column was typed from ("5/17/2024", "$1,610.16"), so that a text
output (CSV) writes a twin's values the same way and reads back as the source did. Only the spreadsheet forms
that typing reads (:mod:`twinforge.io.typing_rules`) have one: ISO dates and plain numbers are written as
they are. A form is learned from the whole column (its commonest separator, symbol and number of decimals),
never stores a value, and is applied by :func:`render`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from twinforge.io.typing_rules import AMOUNT_FIELDS, AMOUNT_PATTERN, day_month_parts


@dataclass(frozen=True)
class DateForm:
    """A strftime format (chrono's: ``%-m`` is a month without its leading zero)."""

    strftime: str

    def render(self, values: pl.Series) -> pl.Series:
        return values.dt.strftime(self.strftime) if values.dtype.is_temporal() else values


@dataclass(frozen=True)
class AmountForm:
    """A number written with a currency symbol or percent sign, grouped thousands and a fixed number of
    decimals: ``$1,610.16``, ``(1,234.56)``, ``1.234,56 €``, ``12.5%``."""

    symbol: str = ""  # "$", "€", "%" or none
    symbol_first: bool = True
    space: bool = False  # between the symbol and the number
    thousands: str = ""  # "," or "." (or none)
    decimal_mark: str = "."
    decimals: int = 2
    parentheses: bool = False  # negatives as (1,234.56)
    minus_after_symbol: bool = False  # $-5 rather than -$5

    def render(self, values: pl.Series) -> pl.Series:
        if not values.dtype.is_numeric():
            return values
        return pl.Series(values.name, [None if v is None else self._text(v) for v in values.to_list()], pl.String)

    def _text(self, value: float) -> str:
        grouped = f"{abs(value):,.{self.decimals}f}" if self.thousands else f"{abs(value):.{self.decimals}f}"
        number = grouped.replace(",", "\0").replace(".", self.decimal_mark).replace("\0", self.thousands)
        negative = value < 0
        minus = "-" if negative and not self.parentheses else ""
        gap = " " if self.space else ""
        if not self.symbol:
            body = f"{minus}{number}"
        elif not self.symbol_first:
            body = f"{minus}{number}{gap}{self.symbol}"
        elif self.minus_after_symbol:
            body = f"{self.symbol}{gap}{minus}{number}"
        else:
            body = f"{minus}{self.symbol}{gap}{number}"
        return f"({body})" if negative and self.parentheses else body


WrittenForm = DateForm | AmountForm


def written_forms(text: pl.DataFrame, typed: pl.DataFrame, decimal: str = ".") -> dict[str, WrittenForm]:
    """The form of each column of ``text`` (the values as read) that typing read as spreadsheet dates or
    amounts in ``typed``."""
    forms: dict[str, WrittenForm] = {}
    # polars builds a schema (and a column list) afresh on each access: read once, never per column, or a wide
    # table costs time quadratic in its width
    text_schema, typed_schema = text.schema, typed.schema
    for name, text_dtype in text_schema.items():
        dtype = typed_schema.get(name)
        if dtype is None or text_dtype != pl.String:
            continue
        values = text.get_column(name).str.strip_chars()
        form = date_form(values) if dtype.is_temporal() else amount_form(values, decimal) if dtype.is_float() else None
        if form is not None:
            forms[name] = form
    return forms


def date_form(values: pl.Series) -> DateForm | None:
    """The form of dates written day and month first (:func:`~twinforge.io.typing_rules.day_month_parts`):
    which comes first (the part above 12 is the day), the separator, leading zeros, and the time's parts."""
    parts = day_month_parts(values)
    if parts is None:
        return None
    first, second = (parts.get_column(c).drop_nulls() for c in ("first", "second"))
    month_first = int((second.cast(pl.Int64) > 12).sum()) >= int((first.cast(pl.Int64) > 12).sum())
    month, day = (first, second) if month_first else (second, first)
    month_code = "%m" if _zero_padded(month) else "%-m"
    day_code = "%d" if _zero_padded(day) else "%-d"
    sep = _commonest(parts.get_column("sep")) or "/"
    date = f"{month_code}{sep}{day_code}" if month_first else f"{day_code}{sep}{month_code}"
    hours = parts.get_column("hour").drop_nulls()
    time = ""
    if hours.len():
        time = f" {'%H' if _zero_padded(hours) else '%-H'}:%M"
        time += ":%S" if parts.get_column("second_of_minute").is_not_null().any() else ""
    return DateForm(f"{date}{sep}%Y{time}")


def amount_form(values: pl.Series, decimal: str = ".") -> AmountForm | None:
    """The form of amounts (:data:`~twinforge.io.typing_rules.AMOUNT_PATTERN`): the commonest symbol and its
    place, grouped thousands, the commonest number of decimals, and how negatives are written. None for plain
    numbers (no symbol, percent sign or grouping)."""
    parts = values.str.extract_groups(AMOUNT_PATTERN).struct.rename_fields(list(AMOUNT_FIELDS)).struct.unnest()
    prefix, suffix = parts.get_column("symbol").drop_nulls(), parts.get_column("suffix").drop_nulls()
    numbers = parts.get_column("number").drop_nulls()
    group_mark = "." if decimal == "," else ","
    grouped = bool(numbers.str.contains(group_mark, literal=True).any())
    if not (prefix.len() or suffix.len() or grouped):
        return None
    symbol_first = prefix.len() >= suffix.len()
    symbol = _commonest(prefix if symbol_first else suffix) or ""
    symbol_at = r"^[(\-\s]*[$€£¥]\s" if symbol_first else r"\d\s+[$€£¥%]\s*\)?$"
    fraction = numbers.str.extract(rf"\{decimal}(\d+)$").str.len_chars().fill_null(0)
    return AmountForm(
        symbol=symbol,
        symbol_first=symbol_first,
        space=bool((values.str.contains(symbol_at).mean() or 0) >= 0.5),
        thousands=group_mark if grouped else "",
        decimal_mark=decimal,
        decimals=int(_commonest(fraction) or 0),
        parentheses=bool(parts.get_column("open").is_not_null().any()),
        minus_after_symbol=int(parts.get_column("minus_after").is_not_null().sum())
        > int(parts.get_column("minus").is_not_null().sum()),
    )


def render(table: pl.DataFrame, forms: Mapping[str, WrittenForm]) -> pl.DataFrame:
    """``table`` with each column that has a form written in it, as text; other columns as they are."""
    names = set(table.columns)
    present = {name: form for name, form in forms.items() if name in names}
    if not present:
        return table
    return table.with_columns(form.render(table.get_column(name)) for name, form in present.items())


def _zero_padded(parts: pl.Series) -> bool:
    """Whether numbers written as text keep a leading zero (``05``) rather than drop it (``5``)."""
    return bool(parts.str.contains(r"^0\d$").any())


def _commonest(values: pl.Series):
    counts = Counter(values.drop_nulls().to_list())
    return counts.most_common(1)[0][0] if counts else None
