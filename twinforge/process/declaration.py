"""How a dataset spec declares a process column (``process_columns:``).

.. code-block:: yaml

    process_columns:
      hours_between_failures:          # Weibull, MTBF 10,000 h, except where a group says otherwise
        distribution: weibull
        shape: 1.5
        mean: 10000
        by: engine_type
        groups:
          turboprop: {mean: 6000}      # replaces the mean; the shape stays 1.5
      defects_per_batch: {distribution: poisson, fit: true, by: line}

Declared parameters are the defaults for every group not listed under ``groups``
and must be complete; a group's parameters replace the defaults' of the same slot
(``mean`` or ``scale`` of a Weibull, for instance). ``fit: true`` fits every
parameter from the training data instead (per group with ``by``).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twinforge.process.distributions import PARAMETER_NAMES, Distribution, canonical_params, slot_of


def group_key(value: Any) -> str | None:
    """The key a group value has in parameter tables (text, as spec keys are); None for a null (or NaN).

    A whole float is the integer it codes (pandas reads integer codes with a gap as 1.0, 2.0, while a
    spec names them 1, 2); text is kept exactly as it is (no case folding: ``Turboprop`` is not
    ``turboprop``).
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    return str(value)


class ProcessParameters(BaseModel):
    """Declared parameters of a distribution; which ones it takes: :mod:`twinforge.process.distributions`."""

    model_config = ConfigDict(extra="forbid")

    mean: float | None = None
    rate: float | None = None
    shape: float | None = None
    scale: float | None = None
    sd: float | None = None
    meanlog: float | None = None  # lognormal: mean of the log of the values
    sdlog: float | None = None  # lognormal: standard deviation of the log of the values

    def given(self) -> dict[str, float]:
        given = self.model_dump(include=set(PARAMETER_NAMES), exclude_none=True)
        return {name: float(value) for name, value in given.items()}


class ProcessColumnSpec(ProcessParameters):
    """One process column: its distribution, declared (defaults + per-group changes) or fitted."""

    distribution: Distribution
    by: str | None = None  # a categorical column: parameters per group of it
    fit: bool = False  # fit the parameters from the training data (scipy maximum likelihood)
    groups: dict[str, ProcessParameters] = Field(default_factory=dict)  # group value -> parameters

    @field_validator("groups", mode="before")
    @classmethod
    def _group_names_as_text(cls, value: Any) -> Any:
        # YAML reads `1:` or `true:` as numbers or booleans; groups are matched by their text, the
        # key a data value has (`2.0:` is the group 2, as a float code 2.0 in the data is)
        return {group_key(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _complete(self) -> ProcessColumnSpec:
        given = self.given()
        if self.groups and self.by is None:
            raise ValueError("'groups' needs 'by' (the column whose values name the groups)")
        if self.fit:
            if given or self.groups:
                named = sorted({*given, *(f"groups.{g}" for g in self.groups)})
                raise ValueError(f"fit: true fits every parameter from the data; remove {', '.join(named)}")
            return self
        try:
            canonical_params(self.distribution, given)
        except ValueError as error:
            raise ValueError(f"{error} (the defaults, for every group not listed under 'groups')") from None
        for group in self.groups:
            try:
                self.declared_params(group)
            except ValueError as error:
                raise ValueError(f"groups.{group}: {error}") from None
        return self

    def declared_params(self, group: str | None = None) -> dict[str, float]:
        """Canonical parameters of ``group`` (None: the defaults): the group's slots replace the defaults'."""
        params = self.given()
        if group is not None and group in self.groups:
            changes = self.groups[group].given()
            replaced = {slot_of(self.distribution, name) for name in changes}
            params = {n: v for n, v in params.items() if slot_of(self.distribution, n) not in replaced}
            params.update(changes)
        return canonical_params(self.distribution, params)
