"""Canaries: rare records planted in a training table are not reproduced by any generator.

Five canaries go into 2,000 rows of the demo table: extreme values (an age, a turnaround time and a cycle
threshold far beyond every real one) and rare combinations of real categories, each with an age no real row
has, so each canary's quasi-identifier combination (age, gender, clinic, patient class) is unique in the
training table. Every registered generator is fitted (few epochs) and samples as many rows. Asserted:

* no synthetic row equals a canary (every column), and none carries a canary's quasi-identifier combination.
  By chance, with the generator reproducing the training marginals but no canary, the expected number of such
  rows is below ``n_synthetic * (1 / n_train) * p(gender) * p(clinic) * p(class)`` per canary, far below 1
  (computed in the test);
* exposure: each canary's distance to the closest synthetic row (twinforge's Gower-like distance, as in the
  quality report's DCR) ranks at or above the median of the training rows' distances. A memorised canary is
  at distance 0, at the bottom of that ranking with the copied rows; a canary the generator did not learn is
  an outlier, farther from every synthetic row than a typical training row.

The same checks run on a copy of the training rows first, where they must flag every canary: the test can fail.

Measured, not asserted: how far each generator's samples reach toward a canary's extreme value beyond every
other row (``extreme_values``; ``pytest -s`` prints it). Without differential privacy the encoders keep the
exact range, and some generators sample close to the canary's value (docs/privacy.md, "Canaries").
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import DEMO_CSV
from twinforge.evaluation.columns import DistanceSpace, compared_columns
from twinforge.generators import available_generators, create_generator
from twinforge.io.schema import infer_schema

COLUMNS = [
    "age",
    "gender",
    "clinic_name",
    "patient_class",
    "payor_group",
    "result",
    "ct_result",
    "col_rec_tat",
    "drive_thru_ind",
]
QUASI_IDENTIFIERS = ["age", "gender", "clinic_name", "patient_class"]
N_TRAIN = 2_000
FAST = {
    "copula": {},
    "gan": {"epochs": 10, "batch_size": 200},
    "vae": {"epochs": 30, "batch_size": 200},
    "transformer": {"epochs": 3},
}
# ages with two decimals: no real age has one (they have at most one), so each combination is unique
CANARIES = pl.DataFrame(
    {
        "age": [163.37, 33.33, 7.77, 58.51, 2.22],
        "gender": ["female", "male", "male", "female", "female"],
        "clinic_name": ["cardiology", "neurology", "otolaryngology", "apheresis", "periop complex"],
        "patient_class": ["outpatient", "emergency", "inpatient", "observation", "day surgery"],
        "payor_group": ["medical assistance", "self pay", "commercial", "government", "charity care"],
        "result": ["positive", "negative", "invalid", "positive", "negative"],
        "ct_result": [45.0, 2.5, 17.25, 45.0, 38.75],
        "col_rec_tat": [3.1, 87_654.3, 1.9, 0.4, 12.6],
        "drive_thru_ind": [0, 1, 0, 1, 0],
    }
)
MIN_EXPOSURE_RANK = 0.5

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def training() -> pl.DataFrame:
    real = pl.read_csv(DEMO_CSV).select(COLUMNS).sample(N_TRAIN - CANARIES.height, seed=5)
    rows = pl.concat([real, CANARIES.cast(real.schema)])
    return rows.sample(fraction=1.0, shuffle=True, seed=6)


def _matches(table: pl.DataFrame, canary: dict, columns: list[str]) -> int:
    return table.filter(pl.all_horizontal(pl.col(c) == canary[c] for c in columns)).height


def exposure(training: pl.DataFrame, synthetic: pl.DataFrame) -> list[dict]:
    """Per canary: synthetic rows equal to it, rows with its quasi-identifiers, its distance to the closest
    synthetic row and that distance's rank among every training row's (0 = closest)."""
    from sklearn.neighbors import NearestNeighbors

    columns, _ = compared_columns(infer_schema(training), training, synthetic)
    space = DistanceSpace.fit(columns, training)
    search = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(space.transform(synthetic.select(COLUMNS)))
    distances = search.kneighbors(space.transform(training))[0][:, 0]
    out = []
    for canary in CANARIES.iter_rows(named=True):
        own = float(search.kneighbors(space.transform(pl.DataFrame([canary], schema=training.schema)))[0][0, 0])
        out.append({
            "exact": _matches(synthetic, canary, COLUMNS),
            "quasi_identifiers": _matches(synthetic, canary, QUASI_IDENTIFIERS),
            "distance": own,
            "rank": float((distances < own).mean()),
            "extreme_values": _extreme_value_exposure(training, synthetic, canary),
        })  # fmt: skip
    return out


def _extreme_value_exposure(training: pl.DataFrame, synthetic: pl.DataFrame, canary: dict) -> dict[str, float]:
    """For each of the canary's values beyond every other training row's: how far into the gap between the
    other rows and the canary the synthetic values reach (0: not beyond the other rows, 1: the canary's value)."""
    out = {}
    for column in ("age", "ct_result", "col_rec_tat"):
        value, values = canary[column], training.get_column(column).drop_nulls().sort()
        samples = synthetic.get_column(column).drop_nulls()
        if values[-1] == value > values[-2]:
            out[column] = max(0.0, (samples.max() - values[-2]) / (value - values[-2]))
        elif values[0] == value < values[1]:
            out[column] = max(0.0, (values[1] - samples.min()) / (values[1] - value))
    return out


def test_the_canaries_are_unique_in_training(training):
    for canary in CANARIES.iter_rows(named=True):
        assert _matches(training, canary, QUASI_IDENTIFIERS) == 1


def test_the_checks_flag_every_canary_of_a_copy(training):
    for found in exposure(training, training):
        assert found["exact"] == 1 and found["quasi_identifiers"] == 1
        assert found["distance"] == 0 and found["rank"] < MIN_EXPOSURE_RANK


def _chance_matches(training: pl.DataFrame, canary: dict, n_synthetic: int) -> float:
    """Expected synthetic rows with the canary's quasi-identifiers if they were drawn from the training
    marginals independently (its age is a value held by one training row)."""
    p = 1 / training.height
    for c in QUASI_IDENTIFIERS[1:]:
        p *= _matches(training, canary, [c]) / training.height
    return n_synthetic * p


@pytest.mark.parametrize("model", available_generators())
def test_no_generator_reproduces_a_canary(training, model):
    schema = infer_schema(training)
    generator = create_generator(model, seed=0, **FAST.get(model, {}))
    synthetic = generator.fit(training, schema).sample(training.height, seed=1).select(COLUMNS)
    found = exposure(training, synthetic)
    # the measurement docs/privacy.md records (pytest -s shows it)
    print(
        f"\n{model}: " + "; ".join(f"d={f['distance']:.3f} rank={f['rank']:.2f} {f['extreme_values']}" for f in found)
    )
    for canary, f in zip(CANARIES.iter_rows(named=True), found):
        assert _chance_matches(training, canary, synthetic.height) < 0.01
        assert f["exact"] == 0, f"{model} reproduced canary {canary['age']}"
        assert f["quasi_identifiers"] == 0, f"{model} reproduced canary {canary['age']}'s quasi-identifiers"
        assert f["rank"] >= MIN_EXPOSURE_RANK, f"{model}: canary {canary['age']} is exposed: {f}"
