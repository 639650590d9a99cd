"""Reversible column transforms shared by all generators.

One module per kind of data (``numeric``, ``categorical``, ``boolean``,
``datetime``), each with the same functions:

* ``analyze(series, column) -> dict``: JSON-ready stats that fully describe
  encoding and decoding (computed once, shared by every representation);
* ``to_uniform(series, stats, rng) -> np.ndarray``: values into (0, 1), NaN for nulls;
* ``from_uniform(u, stats, column) -> pl.Series``: the inverse, with the original dtype;

plus, for the other representations, ``values_of`` / ``from_values`` and the
mode-specific functions (numeric, datetime) or ``to_indices`` / ``from_indices``
(categorical, boolean).

:class:`TableEncoder` applies them to a whole table.
"""

from twinforge.encoders.categorical import RARE_PLACEHOLDER
from twinforge.encoders.table import DEFAULT_BINS, ENCODERS, EncodedColumn, ModeRows, Span, TableEncoder

__all__ = ["DEFAULT_BINS", "ENCODERS", "RARE_PLACEHOLDER", "EncodedColumn", "ModeRows", "Span", "TableEncoder"]
