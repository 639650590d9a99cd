"""Process-driven columns: values drawn from a known (or fitted) distribution, not learned.

When the process behind a column is known (times between failures with a given MTBF,
defect counts with a rate), a spec declares it under ``process_columns:``
(:class:`ProcessColumnSpec`). The generator learns the rest of the row; at sampling,
each process column is drawn from its distribution given the row's group
(:class:`ProcessModel`, fitted by :func:`fit_process_model` and saved with the model as
JSON). :func:`.moments.process_moments_report` compares a synthetic table's moments with the
distributions'. Distributions, parameters and fits: :mod:`.distributions`.
"""

from twinforge.process.declaration import ProcessColumnSpec, ProcessParameters
from twinforge.process.distributions import DISTRIBUTIONS
from twinforge.process.model import FittedProcessColumn, ProcessModel, fit_process_model

__all__ = [
    "DISTRIBUTIONS",
    "FittedProcessColumn",
    "ProcessColumnSpec",
    "ProcessModel",
    "ProcessParameters",
    "fit_process_model",
]
