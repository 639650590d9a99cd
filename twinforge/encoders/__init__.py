"""Reversible column transforms shared by all generators.

* Kind modules, one per kind of data (``numeric``, ``datetime``, ``categorical``,
  ``boolean``), all with the same functions (:mod:`.kinds` describes the
  interface): ``analyze`` (JSON-ready stats, computed once), ``to_uniform`` /
  ``from_uniform``, and the functions of the continuous kinds (``values_of`` /
  ``from_values``) or of the discrete ones (``to_indices`` / ``from_indices``, ...).
* :mod:`.columns`: a fitted column (:class:`EncodedColumn`) and the registry of kind modules.
* Representation modules, one per model family: :mod:`.uniform` (the copula),
  :mod:`.modes` (the GAN and VAE: :class:`ModeRows`, :class:`Span`), :mod:`.tokens`
  (the transformer); :mod:`.conditions` for sampling conditions.
* :class:`TableEncoder` (:mod:`.table`): the fit, serialization, and the facade
  the generators use for all of the above.
"""

from twinforge.encoders.categorical import RARE_PLACEHOLDER
from twinforge.encoders.columns import ENCODERS, EncodedColumn
from twinforge.encoders.modes import ModeRows, Span
from twinforge.encoders.table import TableEncoder
from twinforge.encoders.tokens import DEFAULT_BINS

__all__ = ["DEFAULT_BINS", "ENCODERS", "RARE_PLACEHOLDER", "EncodedColumn", "ModeRows", "Span", "TableEncoder"]
