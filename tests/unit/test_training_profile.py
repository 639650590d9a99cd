"""The expectations a trained version is validated against follow the generator's own settings."""

import numpy as np
import polars as pl

from twinforge.config.spec import parse_spec
from twinforge.evaluation.expectations import validate_table
from twinforge.generators.training import train_generator


def test_values_the_generator_keeps_under_its_rare_min_count_are_expected(tmp_path):
    # "Nice" is seen 3 times: below the default threshold (5), kept by a generator told rare_min_count 2
    rng = np.random.default_rng(0)
    cities = ["Lyon"] * 200 + ["Paris"] * 97 + ["Nice"] * 3
    table = pl.DataFrame({"city": cities, "amount": rng.normal(100, 10, len(cities))})
    spec = parse_spec(
        {
            "name": "cities",
            "source": {"path": str(tmp_path / "unused.parquet")},
            "generator": {"model": "copula", "params": {"rare_min_count": 2}},
        }
    )
    trained = train_generator(table, spec, tmp_path / "model")
    synthetic = trained.generator.sample(3000, seed=1)
    assert (synthetic["city"] == "Nice").any()

    profile = trained.expectation_profile(table)
    assert "Nice" in profile["columns"]["city"]["categories"]
    outcome = validate_table(synthetic, profile)
    assert outcome.success, outcome.to_dict()
