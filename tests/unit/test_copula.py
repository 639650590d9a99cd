import json
import re

import numpy as np
import polars as pl
import pytest
import torch

from tests.conftest import load_error_under_memory_cap
from twinforge.generators import (
    GaussianCopulaGenerator,
    available_generators,
    create_generator,
    load_generator,
    register_generator,
)
from twinforge.generators.copula import nearest_correlation, pairwise_correlation
from twinforge.io.schema import infer_schema

N = 20_000


@pytest.fixture(scope="module")
def known_table() -> pl.DataFrame:
    rng = np.random.default_rng(42)
    x = rng.normal(size=N)
    y = 0.8 * x + 0.6 * rng.normal(size=N)  # corr(x, y) = 0.8
    return pl.DataFrame(
        {
            "normal": rng.normal(50, 10, N),
            "exponential": rng.exponential(2.0, N),
            "group": rng.choice(["a", "b", "c"], N, p=[0.6, 0.3, 0.1]),
            "flag": rng.random(N) < 0.2,
            "sometimes": pl.Series(rng.uniform(0, 1, N)).scatter(np.flatnonzero(rng.random(N) < 0.15), None),
            "x": x,
            "y": y,
            "day": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 12, 31), eager=True).sample(
                N, with_replacement=True, seed=1
            ),
        }
    )


@pytest.fixture(scope="module")
def fitted(known_table) -> GaussianCopulaGenerator:
    return GaussianCopulaGenerator(seed=7).fit(known_table, infer_schema(known_table))


@pytest.fixture(scope="module")
def synthetic(fitted) -> pl.DataFrame:
    return fitted.sample(N, seed=11)


def test_marginals_of_known_distributions_are_preserved(synthetic):
    normal = synthetic["normal"]
    assert normal.mean() == pytest.approx(50, abs=0.4)
    assert normal.std() == pytest.approx(10, abs=0.4)
    for q, expected in [(0.1, 50 - 12.82), (0.5, 50), (0.9, 50 + 12.82)]:
        assert normal.quantile(q) == pytest.approx(expected, abs=0.8)

    exponential = synthetic["exponential"]
    assert exponential.mean() == pytest.approx(2.0, abs=0.1)
    assert exponential.median() == pytest.approx(2.0 * np.log(2), abs=0.08)
    assert exponential.min() >= 0

    shares = synthetic["group"].value_counts(normalize=True).sort("group")["proportion"].to_list()
    assert shares == pytest.approx([0.6, 0.3, 0.1], abs=0.015)
    assert synthetic["flag"].mean() == pytest.approx(0.2, abs=0.015)
    assert synthetic["sometimes"].null_count() / N == pytest.approx(0.15, abs=0.015)
    assert synthetic["sometimes"].drop_nulls().mean() == pytest.approx(0.5, abs=0.02)


def test_correlation_is_preserved(synthetic):
    assert np.corrcoef(synthetic["x"].to_numpy(), synthetic["y"].to_numpy())[0, 1] == pytest.approx(0.8, abs=0.05)
    # Independent columns stay (nearly) independent.
    assert abs(np.corrcoef(synthetic["normal"].to_numpy(), synthetic["x"].to_numpy())[0, 1]) < 0.05


def test_dtypes_and_columns_are_preserved(known_table, synthetic):
    assert synthetic.schema == known_table.schema
    assert synthetic["day"].min() >= known_table["day"].min() and synthetic["day"].max() <= known_table["day"].max()


def test_same_seed_same_rows_other_seed_other_rows(fitted):
    assert fitted.sample(500, seed=3).equals(fitted.sample(500, seed=3))
    assert not fitted.sample(500, seed=3).equals(fitted.sample(500, seed=4))
    assert fitted.sample(500).equals(fitted.sample(500, seed=7))  # None means the fit seed


def test_fitting_twice_with_the_same_seed_gives_the_same_model(known_table):
    small = known_table.head(2000)
    a = GaussianCopulaGenerator(seed=5).fit(small, infer_schema(small))
    b = GaussianCopulaGenerator(seed=5).fit(small, infer_schema(small))
    assert torch.equal(a.state_dict()["correlation"], b.state_dict()["correlation"])


def test_sampling_goes_chunk_by_chunk(fitted):
    chunks = list(fitted.sample_chunks(1000, seed=1, chunk_rows=300))
    assert [c.height for c in chunks] == [300, 300, 300, 100]
    assert all(c.schema == chunks[0].schema for c in chunks)
    # each chunk's normals are drawn on a second thread while the one before is decoded: still one seed, one table
    again = list(fitted.sample_chunks(1000, seed=1, chunk_rows=300))
    assert pl.concat(again).equals(pl.concat(chunks))


def test_save_load_gives_identical_samples(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    state = torch.load(tmp_path / "model" / "weights.pt", weights_only=True)
    assert set(state) == {"correlation", "cholesky"} and all(isinstance(t, torch.Tensor) for t in state.values())
    description = json.loads((tmp_path / "model" / "model.json").read_text())
    assert description["generator"] == "copula" and description["seed"] == 7
    assert {"params", "twinforge_version", "schema", "transformer", "fit_summary"} <= description.keys()

    loaded = load_generator(tmp_path / "model")
    assert isinstance(loaded, GaussianCopulaGenerator) and loaded.params == fitted.params
    assert loaded.sample(1000, seed=9).equals(fitted.sample(1000, seed=9))
    assert loaded.sample(10).equals(fitted.sample(10))


def test_load_errors_name_the_path(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_generator(tmp_path / "nowhere")
    saved = fitted.save(tmp_path / "model")
    model_file = saved / "model.json"
    description = json.loads(model_file.read_text())

    model_file.write_text(json.dumps({**description, "generator": "wavelet"}))
    with pytest.raises(ValueError, match=r"'wavelet'.*model\.json.*available: .*copula"):
        load_generator(saved)

    model_file.write_text("{not json")
    with pytest.raises(ValueError, match="model.json is not a valid generator description"):
        load_generator(saved)

    model_file.write_text(json.dumps(description))
    (saved / "weights.pt").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="weights.pt"):
        load_generator(saved)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("format_version", 99, r"field 'format_version' is 99: this twinforge reads format 2"),
        ("format_version", None, r"field 'format_version' is None"),
        ("transformer", None, r"field 'transformer' must be an object, got null"),
        ("schema", [], r"field 'schema' must be an object, got a list"),
        ("params", "x", r"field 'params' must be an object, got a string"),
    ],
)
def test_a_tampered_description_is_refused_naming_the_file_and_field(fitted, tmp_path, field, value, says):
    """A layout from another format version is refused, not read as this one; a field of the wrong JSON type
    is named, never a bare AttributeError."""
    saved = fitted.save(tmp_path / "model")
    model_file = saved / "model.json"
    description = json.loads(model_file.read_text())
    model_file.write_text(json.dumps({**description, field: value}))
    with pytest.raises(ValueError, match=rf"model\.json.*{says}"):
        load_generator(saved)
    model_file.write_text(json.dumps([description]))
    with pytest.raises(ValueError, match=r"model\.json is not a valid generator description: .*an object"):
        load_generator(saved)


def test_registry():
    assert "copula" in available_generators()
    assert isinstance(create_generator("copula", seed=3), GaussianCopulaGenerator)
    with pytest.raises(ValueError, match="'wavelet'.*available: ") as error:
        create_generator("wavelet")
    # other test modules may register test generators; the built-in models must all be offered
    assert {"copula", "gan", "transformer", "vae"} <= set(str(error.value).split("available: ")[1].split(", "))
    with pytest.raises(ValueError, match="already taken"):
        register_generator(type("Impostor", (GaussianCopulaGenerator,), {"name": "copula"}))


def test_sample_errors(known_table, fitted):
    with pytest.raises(RuntimeError, match="not fitted"):
        GaussianCopulaGenerator().sample(10)
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="positive integer"):
            fitted.sample(bad)
    with pytest.raises(ValueError, match="empty table"):
        GaussianCopulaGenerator().fit(known_table.head(0), infer_schema(known_table))


def test_pairwise_correlation_matches_numpy_and_uses_observed_pairs():
    rng = np.random.default_rng(0)
    data = rng.multivariate_normal([0, 0, 0], [[1, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, 1]], 2000)
    expected = np.corrcoef(data, rowvar=False)
    np.testing.assert_allclose(pairwise_correlation(torch.from_numpy(data)).numpy(), expected, atol=1e-10)

    holes = data.copy()
    holes[:500, 0] = np.nan
    observed_pair = np.corrcoef(data[500:, 0], data[500:, 1])[0, 1]
    assert pairwise_correlation(torch.from_numpy(holes))[0, 1].item() == pytest.approx(observed_pair, abs=1e-10)


def test_nearest_correlation_makes_an_indefinite_matrix_usable():
    indefinite = torch.tensor([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]], dtype=torch.float64)
    assert torch.linalg.eigvalsh(indefinite).min() < 0
    fixed = nearest_correlation(indefinite)
    assert torch.linalg.eigvalsh(fixed).min() > 0
    torch.testing.assert_close(torch.diagonal(fixed), torch.ones(3, dtype=torch.float64))
    torch.linalg.cholesky(fixed)


def test_a_description_claiming_more_columns_than_the_weights_hold_is_refused_before_allocating(fitted, tmp_path):
    # an edited model.json with 40,000 columns made loading allocate two 40,000 x 40,000 matrices (25.6 GB)
    # before the weights were compared with it; a 6 GiB address-space cap shows nothing that size is made
    saved = fitted.save(tmp_path / "model")
    description = json.loads((saved / "model.json").read_text())
    numeric = next(c for c in description["transformer"]["columns"] if c["encoder"] == "numeric")
    numeric = {**numeric, "stats": {**numeric["stats"], "quantiles": numeric["stats"]["quantiles"][:3]}}
    description["transformer"]["columns"] = [{**numeric, "name": f"c{i}"} for i in range(40_000)]
    column = next(c for c in description["schema"]["columns"] if c["name"] == numeric["name"])
    schema = [{**column, "name": f"c{i}"} for i in range(40_000)]
    description["schema"]["columns"] = description["transformer"]["schema"]["columns"] = schema
    (saved / "model.json").write_text(json.dumps(description))
    said = load_error_under_memory_cap(saved)
    assert re.search(
        r"weights.pt does not hold valid weights for a '\w+' generator of the sizes model.json describes", said
    ), said
    assert "size mismatch for correlation" in said
