"""What every generator shares, module by module: params (one list, the constructor's), the conditional
sampler (twinforge.generators.sampling) and persistence (twinforge.generators.persistence)."""

import inspect
import json

import numpy as np
import polars as pl
import pytest

from tests.planted import mixed_table
from twinforge.generators import (
    ConditionError,
    available_generators,
    base,
    create_generator,
    generator_class,
    persistence,
    sampling,
)
from twinforge.io.schema import infer_schema

MODELS = ["copula", "gan", "vae", "transformer"]


@pytest.fixture(scope="module")
def copula():
    table = mixed_table()
    return create_generator("copula", seed=2).fit(table, infer_schema(table))


# --- params ---


@pytest.mark.parametrize("model", MODELS)
def test_params_are_the_constructor_parameters_and_rebuild_the_generator(model):
    cls = generator_class(model)
    signature = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
    generator = cls(seed=4)
    assert cls.param_names() == signature
    assert list(generator.params) == signature  # in signature order, nothing missing, nothing extra
    assert type(generator)(**generator.params).params == generator.params
    json.dumps(generator.params)  # saved as plain JSON


def test_params_hold_the_values_as_the_constructor_stored_them():
    gan = create_generator("gan", epochs=3, generator_hidden=(32, 16), device="cpu")
    assert gan.params["epochs"] == 3 and gan.params["generator_hidden"] == [32, 16]
    assert gan.params["device"] == "cpu" and gan.device.type == "cpu"  # the argument, not the torch.device
    assert gan.params["batch_size"] == gan.default_batch_size and gan.params["validation_fraction"] == 0.0
    transformer = create_generator("transformer", last_columns="fraud")
    assert transformer.params["last_columns"] == ["fraud"]


def test_every_registered_generator_has_a_params_for_each_constructor_parameter():
    for name in available_generators():
        cls = generator_class(name)
        try:
            generator = cls()
        except TypeError:  # needs arguments: nothing to check here
            continue
        assert set(generator.params) == set(cls.param_names()), name


# --- the conditional sampler ---


def test_exact_counts_split_a_total_by_largest_remainders():
    assert sampling.exact_counts(10, [0.3, 0.7]) == [3, 7]
    assert sampling.exact_counts(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(sampling.exact_counts(1001, [0.25, 0.25, 0.5])) == 1001
    with pytest.raises(ValueError, match="positive sum"):
        sampling.exact_counts(5, [0.0, 0.0])


def test_derived_seeds_are_reproducible_and_distinct():
    assert sampling.derived_seed(3, 0, 1) == sampling.derived_seed(3, 0, 1)
    seeds = {sampling.derived_seed(3, i, j) for i in range(5) for j in (-1, 0, 1)}
    assert len(seeds) == 15
    assert sampling.derived_seed(-1, 2) == sampling.derived_seed(2**32 - 1, 2)  # masked to 32 bits


def test_conditions_and_rebalances_are_checked_before_sampling(copula):
    encoder = copula.encoder
    assert sampling.normalize_conditions(encoder, None) == {}
    assert sampling.normalize_conditions(encoder, {"segment": "public", "active": "false"}) == {
        "segment": "public",
        "active": False,
    }
    with pytest.raises(ConditionError, match="must map column names"):
        sampling.normalize_conditions(encoder, [("segment", "public")])
    request = sampling.rebalance_shares(encoder, {"segment": {"public": 0.2}}, {})
    assert request == sampling.Rebalance("segment", ["public"], [0.2], pytest.approx(0.8))
    assert sampling.rebalance_shares(encoder, None, {}) is None
    with pytest.raises(ConditionError, match="both fixed by a condition and rebalanced"):
        sampling.rebalance_shares(encoder, {"segment": {"public": 0.2}}, {"segment": "retail"})
    with pytest.raises(ConditionError, match="categorical or boolean"):
        sampling.rebalance_shares(encoder, {"amount": {20.5: 0.5}}, {})
    assert issubclass(ConditionError, ValueError) and base.ConditionError is ConditionError


def test_conditional_chunks_meet_the_conditions_with_exact_rebalanced_counts(copula):
    encoder = copula.encoder
    fixed = {"active": True}
    request = sampling.rebalance_shares(encoder, {"segment": {"public": 0.5}}, fixed)
    chunks = list(sampling.conditional_chunks(copula._generate, encoder, 700, 1, 300, fixed, request))
    assert [c.height for c in chunks] == [300, 300, 100]
    rows = chunks[0].vstack(chunks[1]).vstack(chunks[2])
    assert rows["active"].all() and (rows["segment"] == "public").sum() == 350
    again = list(sampling.conditional_chunks(copula._generate, encoder, 700, 1, 300, fixed, request))
    assert all(a.equals(b) for a, b in zip(chunks, again))


def test_rejection_gives_up_after_its_budget_with_a_clear_error(copula):
    def never(n, seed, chunk_rows, conditions=None):  # a model that never produces the condition
        for chunk in copula._generate(n, seed, chunk_rows):
            yield chunk.with_columns(segment=pl.lit("retail"))

    fixed = {"segment": "public"}
    with pytest.raises(ConditionError, match=r"could not generate 10 rows with segment='public'.*gave up after"):
        list(sampling.conditional_chunks(never, copula.encoder, 10, 0, 10, fixed, None))


# --- persistence ---


def test_save_and_load_give_the_same_rows(copula, tmp_path):
    directory = copula.save(tmp_path / "model")
    assert (directory / persistence.MODEL_FILE).is_file() and (directory / persistence.WEIGHTS_FILE).is_file()
    description = json.loads((directory / persistence.MODEL_FILE).read_text())
    assert description["format_version"] == persistence.FORMAT_VERSION
    assert description["generator"] == "copula" and description["params"] == copula.params
    loaded = persistence.load_generator(directory)
    assert loaded.params == copula.params and loaded.fit_summary == copula.fit_summary
    assert loaded.sample(200, seed=3).equals(copula.sample(200, seed=3))
    assert loaded.sample(50, seed=3, conditions={"segment": "public"}).equals(
        copula.sample(50, seed=3, conditions={"segment": "public"})
    )


def test_loading_refuses_what_this_version_cannot_read(copula, tmp_path):
    directory = copula.save(tmp_path / "model")
    description = json.loads((directory / persistence.MODEL_FILE).read_text())
    description["params"]["bandwidth"] = 0.5  # a parameter of another version
    (directory / persistence.MODEL_FILE).write_text(json.dumps(description))
    with pytest.raises(ValueError, match=r"parameters this twinforge .* does not take .*bandwidth.*fit it again"):
        persistence.load_generator(directory)
    (directory / persistence.WEIGHTS_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="weights.pt is missing"):
        persistence.load_generator(directory)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        persistence.load_generator(tmp_path / "nowhere")


def test_an_unfitted_generator_is_not_saved(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted: nothing to save"):
        persistence.save_generator(create_generator("copula"), tmp_path)
    assert not np.any([p.exists() for p in (tmp_path / persistence.MODEL_FILE, tmp_path / persistence.WEIGHTS_FILE)])
