"""The neural generators (gan, vae, transformer) and what every generator shares:
round trips of every column kind, seeds, save/load, conditional sampling and rebalancing."""

import json
import re

import numpy as np
import polars as pl
import pytest
import torch

from tests.conftest import load_error_under_memory_cap
from tests.planted import MIXED_ROWS, mixed_table
from twinforge.generators import available_generators, create_generator, load_generator
from twinforge.generators.base import ConditionError, EpochReport
from twinforge.generators.torch_base import EarlyStopping, resolve_device
from twinforge.io.schema import infer_schema

NEURAL = ["gan", "vae", "transformer"]
ALL_MODELS = ["copula", *NEURAL]
# Few epochs: these tests check plumbing and guarantees, not fidelity (that is the benchmark's job).
QUICK = {
    "copula": {},
    "gan": {"epochs": 10, "batch_size": 200},
    "vae": {"epochs": 30, "batch_size": 200},
    "transformer": {"epochs": 10, "condition_columns": ["fraud"]},  # fraud leads: native conditioning
}
N = MIXED_ROWS
NULL_RATE_TOLERANCE = {"copula": 0.03, "transformer": 0.03, "gan": 0.1, "vae": 0.1}


@pytest.fixture(scope="module")
def mixed() -> pl.DataFrame:
    return mixed_table()


@pytest.fixture(scope="module")
def fitted(mixed) -> dict:
    return {m: create_generator(m, seed=3, **QUICK[m]).fit(mixed, infer_schema(mixed)) for m in ALL_MODELS}


def test_registry_names_every_model():
    assert set(ALL_MODELS) <= set(available_generators())


@pytest.mark.parametrize("model", ALL_MODELS)
def test_round_trip_keeps_types_nulls_categories_and_ranges(model, mixed, fitted):
    # 20,000 rows: the sampled null share's own noise (s.e. 0.003) stays well inside the tolerances
    synthetic = fitted[model].sample(20_000, seed=1)
    assert synthetic.schema == mixed.schema and synthetic.height == 20_000
    for name in ("visits", "note"):  # null rates kept (loosely for the briefly trained GAN/VAE); never-null stays so
        real_rate, rate = mixed[name].null_count() / N, synthetic[name].null_count() / synthetic.height
        assert abs(rate - real_rate) <= NULL_RATE_TOLERANCE[model], (name, rate, real_rate)
    assert synthetic.drop("visits", "note").null_count().sum_horizontal().item() == 0
    frequent = {"retail", "corporate", "public"}
    assert set(synthetic["segment"].unique()) <= frequent  # a level seen twice is never output, nor "_RARE_"
    assert set(synthetic["note"].drop_nulls().unique()) <= {"call back", "ok", "vip"}
    assert set(synthetic["fraud"].unique()) <= {0, 1}
    for name in ("amount", "visits", "seen_at", "born"):
        assert synthetic[name].min() >= mixed[name].min() and synthetic[name].max() <= mixed[name].max(), name
    # datetimes come back on the whole hours they were recorded at, in their time zone
    assert (synthetic["seen_at"].dt.minute() == 0).all()
    assert synthetic["amount"].round(2).equals(synthetic["amount"])


@pytest.mark.parametrize("model", NEURAL)
def test_same_seed_same_model_and_rows(model, mixed, fitted):
    again = create_generator(model, seed=3, **QUICK[model]).fit(mixed, infer_schema(mixed))
    for key, tensor in fitted[model].state_dict().items():
        assert torch.equal(tensor, again.state_dict()[key]), key
    assert fitted[model].sample(300, seed=5).equals(again.sample(300, seed=5))
    assert not fitted[model].sample(300, seed=5).equals(fitted[model].sample(300, seed=6))


@pytest.mark.parametrize("model", NEURAL)
def test_save_load_gives_identical_samples(model, fitted, tmp_path):
    generator = fitted[model]
    generator.save(tmp_path / model)
    description = json.loads((tmp_path / model / "model.json").read_text())
    assert description["generator"] == model and description["seed"] == 3
    assert description["twinforge_version"] and description["params"]["epochs"] == QUICK[model]["epochs"]
    state = torch.load(tmp_path / model / "weights.pt", weights_only=True)
    assert all(isinstance(t, torch.Tensor) and t.device.type == "cpu" for t in state.values())
    loaded = load_generator(tmp_path / model)
    assert loaded.params == generator.params
    assert loaded.sample(500, seed=9).equals(generator.sample(500, seed=9))
    assert loaded.sample(50, seed=9, conditions={"segment": "public"}).equals(
        generator.sample(50, seed=9, conditions={"segment": "public"})
    )


@pytest.mark.parametrize("model", ALL_MODELS)
def test_conditional_sampling_returns_only_matching_rows(model, fitted):
    generator = fitted[model]
    public = generator.sample(400, seed=2, conditions={"segment": "public"})
    assert public.height == 400 and (public["segment"] == "public").all()
    both = generator.sample(200, seed=2, conditions={"segment": "corporate", "active": False})
    assert (both["segment"] == "corporate").all() and (~both["active"]).all()
    no_note = generator.sample(100, seed=2, conditions={"note": None})
    assert no_note["note"].null_count() == 100


@pytest.mark.parametrize("model", ["copula", "transformer"])
def test_numbers_and_datetimes_can_be_fixed(model, mixed):
    params = {**QUICK[model], **({"condition_columns": ["amount", "seen_at"]} if model == "transformer" else {})}
    generator = create_generator(model, seed=1, **params).fit(mixed, infer_schema(mixed))
    rows = generator.sample(100, seed=1, conditions={"amount": 20.5, "seen_at": "2023-03-01 10:00"})
    assert (rows["amount"] == 20.5).all()
    assert rows["seen_at"].dt.hour().unique().to_list() == [10]


def test_transformer_conditions_natively_on_leading_columns(mixed):
    generator = create_generator("transformer", seed=1, epochs=3, condition_columns=["fraud"]).fit(
        mixed, infer_schema(mixed)
    )
    assert generator.column_order[0] == "fraud"
    # native: every generated row already matches, so no row is drawn beyond those asked for
    chunks = list(generator._generate(500, 4, 500, {"fraud": 1}))
    assert (chunks[0]["fraud"] == 1).all()


def test_transformer_generates_last_columns_last(mixed):
    schema = infer_schema(mixed)
    generator = create_generator(
        "transformer", seed=1, epochs=1, condition_columns=["fraud"], last_columns=["fraud", "amount"]
    )
    generator.fit(mixed, schema)
    # a column in both lists leads (native conditioning wins); the others keep the table order
    assert generator.column_order == ["fraud", *[c for c in mixed.columns if c not in ("fraud", "amount")], "amount"]
    assert generator.sample(20).columns == mixed.columns
    with pytest.raises(ValueError, match=r"last_columns \['income'\] are not modelled columns"):
        create_generator("transformer", epochs=1, last_columns=["income"]).fit(mixed, schema)


def test_transformer_draws_last_columns_from_boosted_trees(mixed, tmp_path):
    schema = infer_schema(mixed)
    generator = create_generator("transformer", seed=2, epochs=10, last_columns=["fraud"]).fit(mixed, schema)
    summary = generator.fit_summary["last_column_boosters"]
    assert summary["columns"] == ["fraud"]
    # a small table: a fixed number of rounds on every row (no held-out rows to stop on)
    assert summary["boosters"]["fraud"] == {"rounds_run": 100, "best_round": 100, "trees": 100}
    (booster,) = generator.last_column_boosters.values()
    assert len(booster.numbers) >= 3
    rows = generator.sample(4000, seed=5)
    # fraud is an amount above its 90th percentile: the share holds, and fraud goes with the big amounts
    assert abs(rows["fraud"].mean() - 0.1) < 0.03
    threshold = float(np.quantile(mixed["amount"].to_numpy(), 0.9))
    assert (rows.filter(pl.col("fraud") == 1)["amount"] > threshold).mean() > 0.9
    assert (rows.filter(pl.col("fraud") == 0)["amount"] <= threshold).mean() > 0.95

    generator.save(tmp_path / "model")
    assert load_generator(tmp_path / "model").sample(300, seed=1).equals(generator.sample(300, seed=1))
    # weights saved without the boosters (turned off): the transformer's heads draw the column
    generator.load_state_dict(
        {k: v for k, v in generator.state_dict().items() if not k.startswith("last_column_boosters.")}
    )
    assert generator.last_column_boosters is None and generator.sample(50)["fraud"].is_in([0, 1]).all()


def test_transformer_saved_with_parameters_this_version_does_not_take_fails_clearly(mixed, tmp_path):
    schema = infer_schema(mixed)
    create_generator("transformer", seed=2, epochs=1).fit(mixed.head(200), schema).save(tmp_path / "model")
    description = json.loads((tmp_path / "model" / "model.json").read_text())
    description["params"]["last_column_mlp"] = True  # what twinforge wrote before the boosters
    (tmp_path / "model" / "model.json").write_text(json.dumps(description))
    with pytest.raises(
        ValueError,
        match=r"model.json: this 'transformer' generator was saved by twinforge .* with "
        r"parameters this twinforge .* does not take .*last_column_mlp.*fit it again",
    ):
        load_generator(tmp_path / "model")


@pytest.mark.parametrize(
    "model, sizes",
    [
        ("transformer", {"d_model": 16_384, "heads": 4}),  # 2 blocks of 16,384-wide layers: about 19 GB
        ("gan", {"generator_hidden": [65_536, 65_536]}),  # one 65,536 x 65,536 layer: 17 GB
        ("vae", {"hidden": [65_536, 65_536]}),
    ],
)
def test_a_description_asking_for_a_network_larger_than_its_weights_is_refused_before_building(
    model, sizes, fitted, tmp_path
):
    # the network is first made on torch's meta device (shapes, no memory) and compared with the weights; an
    # edited model.json made loading allocate the network it asked for. A 6 GiB address-space cap proves it
    saved = fitted[model].save(tmp_path / "model")
    description = json.loads((saved / "model.json").read_text())
    description["params"].update(sizes)
    (saved / "model.json").write_text(json.dumps(description))
    said = load_error_under_memory_cap(saved)
    assert re.search(
        r"weights.pt does not hold valid weights for a '\w+' generator of the sizes model.json describes", said
    ), said


def test_transformer_without_last_column_boosters(mixed):
    schema = infer_schema(mixed)
    off = create_generator("transformer", seed=2, epochs=1, last_columns=["fraud"], last_column_booster=False).fit(
        mixed, schema
    )
    assert off.last_column_boosters is None and "last_column_boosters" not in off.fit_summary
    # a tiny table still gets its booster: trees need no held-out rows
    tiny = create_generator("transformer", seed=2, epochs=1, last_columns=["fraud"]).fit(mixed.head(150), schema)
    assert tiny.last_column_boosters is not None and tiny.sample(20).height == 20


# The counts come from the base class, the same for every model; 100k rows for the fast copula.
@pytest.mark.parametrize(("model", "rows"), [("copula", 100_000), ("transformer", 20_000)])
def test_rebalancing_hits_the_requested_share_on_100k_rows(model, rows, fitted):
    sample = fitted[model].sample(rows, seed=4, rebalance={"fraud": {1: 0.3}})
    assert sample.height == rows
    assert abs((sample["fraud"] == 1).mean() - 0.3) <= 0.01
    shares = fitted[model].sample(20_000, seed=4, rebalance={"segment": {"public": 0.25, "corporate": 0.25}})
    counts = dict(shares["segment"].value_counts().iter_rows())
    assert counts["public"] == 5000 and counts["corporate"] == 5000


def test_rebalancing_is_exact_chunk_by_chunk(fitted):
    chunks = list(fitted["copula"].sample_chunks(10_000, seed=1, chunk_rows=3000, rebalance={"active": {True: 0.1}}))
    assert [c.height for c in chunks] == [3000, 3000, 3000, 1000]
    assert sum(int(c["active"].sum()) for c in chunks) == 1000
    assert all(abs(c["active"].mean() - 0.1) < 0.002 for c in chunks)


def test_conditions_that_cannot_be_met_raise_clear_errors(fitted):
    copula, gan = fitted["copula"], fitted["gan"]
    cases = [
        ({"segment": "rare"}, r"segment='rare' cannot be met.*fewer than 5 times"),
        ({"segment": "nonexistent"}, r"not a level the model learned.*'retail'"),
        ({"amount": 10**9}, r"outside the range seen in training"),
        ({"visits": 2.5}, r"whole numbers"),
        ({"active": None}, r"active=null cannot be met: column 'active' had no nulls"),
        ({"missing_column": 1}, r"no column 'missing_column'"),
        ({"seen_at": "not a date"}, r"not a value of column 'seen_at'"),
    ]
    for conditions, message in cases:
        with pytest.raises(ConditionError, match=message):
            copula.sample(10, conditions=conditions)
    with pytest.raises(ConditionError, match=r"add up to 1\.2, more than 1"):
        copula.sample(10, rebalance={"segment": {"public": 0.6, "retail": 0.6}})
    with pytest.raises(ConditionError, match="categorical or boolean"):
        copula.sample(10, rebalance={"amount": {20.5: 0.5}})
    with pytest.raises(ConditionError, match="exactly one column"):
        copula.sample(10, rebalance={"segment": {"public": 0.5}, "active": {True: 0.5}})
    # The GAN cannot condition on an exact amount: rejection gives up after a bounded number of rows.
    with pytest.raises(ConditionError, match=r"could not generate 10 rows with amount=20\.5.*gave up after"):
        gan.sample(10, conditions={"amount": 20.5})


def test_progress_losses_and_early_stopping(mixed):
    reports: list[EpochReport] = []
    generator = create_generator("transformer", seed=0, epochs=40, patience=1, learning_rate=0.02, d_model=32)
    generator.fit(mixed.head(600), infer_schema(mixed), progress=reports.append)
    assert [r.epoch for r in reports] == list(range(1, len(reports) + 1))
    assert len(reports) < 40  # stopped early on the validation loss
    assert {"loss", "validation_loss"} <= reports[0].losses.keys() and reports[0].epochs == 40
    assert generator.fit_summary["epochs_run"] == len(reports)
    assert generator.fit_summary["loss_history"][0]["epoch"] == 1


@pytest.mark.parametrize("model", NEURAL)
def test_time_budget_ends_training_after_the_epoch_that_spends_it(model, mixed):
    table = mixed.head(600)
    budgeted = create_generator(model, seed=0, epochs=50, patience=50, max_fit_seconds=1e-6, batch_size=100)
    budgeted.fit(table, infer_schema(table))
    assert budgeted.fit_summary["epochs_run"] == 1 and budgeted.fit_summary["stopped_by"] == "time budget"
    assert budgeted.params["max_fit_seconds"] == 1e-6
    assert budgeted.sample(50, seed=0).height == 50  # the weights of the epoch it ran are kept and usable
    unbudgeted = create_generator(model, seed=0, epochs=2, patience=50, batch_size=100).fit(table, infer_schema(table))
    assert unbudgeted.fit_summary["epochs_run"] == 2 and unbudgeted.fit_summary["stopped_by"] == "epochs"


def test_time_budget_is_checked_and_refused_with_dp():
    with pytest.raises(ValueError, match="max_fit_seconds must be positive"):
        create_generator("vae", max_fit_seconds=0)
    with pytest.raises(ValueError, match="cannot be combined with dp"):
        create_generator("vae", max_fit_seconds=60, dp={"epsilon": 1.0})
    with pytest.raises(ValueError, match="epoch_rows must be positive"):
        create_generator("transformer", epoch_rows=0)


# optimizer steps of one fit of 2 epochs of 300 rows in batches of 100 (the GAN: a critic and a generator step each)
EPOCH_ROWS_STEPS = {"transformer": 2 * 3, "vae": 2 * 3, "gan": 2 * 3 * 2}


@pytest.mark.parametrize("model", NEURAL)
def test_an_epoch_is_epoch_rows_rows_drawn_from_the_table(model, mixed):
    from torch.optim.optimizer import register_optimizer_step_post_hook

    table = mixed.head(1200)
    steps: list[int] = []
    handle = register_optimizer_step_post_hook(lambda optimizer, args, kwargs: steps.append(1))
    try:
        generator = create_generator(model, seed=0, epochs=2, patience=50, batch_size=100, epoch_rows=300)
        generator.fit(table, infer_schema(table))
    finally:
        handle.remove()
    # without the cap an epoch would pass over the 1,080 training rows (1,200 less 10% validation)
    assert len(steps) == EPOCH_ROWS_STEPS[model]
    assert generator.fit_summary["rows_per_epoch"] == 300 and generator.fit_summary["epochs_run"] == 2


def test_the_transformer_trains_large_tables_in_shorter_epochs_than_the_gan_and_vae():
    # an epoch of a 45,000-row training split: the transformer's early stopping judges progress every 20,000
    # rows (benchmarks/results/large_tables/stopping_rule.md), the gan's and vae's every 45,000 (a whole pass)
    def epoch(model: str) -> int:
        batches = create_generator(model, batch_size=500)._batches(45_000, torch.Generator().manual_seed(0))
        return sum(len(b) for b in batches)

    assert epoch("transformer") == 20_000
    assert epoch("vae") == 45_000 and epoch("gan") == 45_000
    rows = create_generator("transformer", batch_size=500, epoch_rows=50_000)._batches(45_000, torch.Generator())
    assert sum(len(b) for b in rows) == 45_000  # a set epoch_rows wins


def test_validation_rows_of_a_large_table_are_capped():
    from twinforge.generators.torch_base import MAX_VALIDATION_ROWS

    vae = create_generator("vae", validation_fraction=0.1)
    train, validation = vae._split_rows(200_000, np.random.default_rng(0))
    assert len(validation) == MAX_VALIDATION_ROWS and len(train) == 200_000 - MAX_VALIDATION_ROWS
    train, validation = vae._split_rows(5_000, np.random.default_rng(0))
    assert len(validation) == 500 and len(train) == 4_500  # a small table keeps its fraction


def test_early_stopping_keeps_the_best_weights():
    net = torch.nn.Linear(2, 1)
    stopper = EarlyStopping(patience=2)
    assert not stopper.update(1.0, 1, net)
    best = {k: v.clone() for k, v in net.state_dict().items()}
    torch.nn.init.constant_(net.weight, 5.0)
    assert not stopper.update(2.0, 2, net)
    assert stopper.update(3.0, 3, net)
    stopper.restore(net)
    assert all(torch.equal(best[k], v) for k, v in net.state_dict().items()) and stopper.best_epoch == 1


def test_early_stopping_counts_only_real_progress_and_can_keep_the_lowest_loss():
    net = torch.nn.Linear(2, 1)
    # 0.2% of the loss is progress: 1.0 -> 0.999 -> 0.9985 is not, so the third small step stops it
    plain, lowest = EarlyStopping(2, min_delta=2e-3), EarlyStopping(2, min_delta=2e-3, keep_lowest=True)
    for stopper in (plain, lowest):
        assert not stopper.update(1.0, 1, net)
        assert not stopper.update(0.999, 2, net)
        torch.nn.init.constant_(net.weight, 7.0)
        assert stopper.update(0.9985, 3, net)
        torch.nn.init.constant_(net.weight, 0.0)
    assert (plain.best_epoch, lowest.best_epoch) == (1, 3)
    lowest.restore(net)
    assert torch.all(net.weight == 7.0)
    assert EarlyStopping(2, min_delta=2e-3, keep_lowest=True).update(1.0, 1, net) is False
    with pytest.raises(ValueError, match="min_delta"):
        create_generator("transformer", min_delta=1.5)
    assert create_generator("transformer").params["min_delta"] == 2e-3


def test_transformer_keeps_the_moving_average_of_its_weights(mixed):
    with pytest.raises(ValueError, match="ema_decay"):
        create_generator("transformer", ema_decay=1.0)
    table = mixed.head(400)
    fit = lambda **params: create_generator("transformer", seed=0, epochs=2, d_model=16, **params).fit(
        table, infer_schema(table)
    )  # noqa: E731
    averaged, raw, slower = fit(), fit(ema_decay=0.0), fit(ema_decay=0.99)
    assert averaged.params["ema_decay"] == 0.95
    # Same seed and data, so the same training steps: only the averaging of the kept weights differs,
    # and a slower average lags further behind the trained weights.
    distance = lambda a, b: sum(float((p - q).detach().norm()) for p, q in zip(a.net.parameters(), b.net.parameters()))  # noqa: E731
    assert 0 < distance(averaged, raw) < distance(slower, raw)
    assert averaged.sample(50).height == raw.sample(50).height == slower.sample(50).height == 50


def test_device_is_chosen_automatically_and_checked():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            create_generator("vae", device="cuda")
    with pytest.raises(ValueError, match="unknown device"):
        create_generator("gan", device="tpu-9")
    with pytest.raises(ValueError, match="multiple of pac"):
        create_generator("gan", batch_size=105)


def test_transformer_handles_thousands_of_categories():
    rng = np.random.default_rng(0)
    levels = np.repeat([f"code_{i:04d}" for i in range(3000)], 5)
    df = pl.DataFrame({"code": rng.permutation(levels), "value": rng.normal(size=levels.size)})
    generator = create_generator("transformer", seed=0, epochs=1).fit(df, infer_schema(df))
    assert generator.encoder.token_layout(generator.bins)[0] == ("code", 2001)  # capped, the rest share a bucket
    sample = generator.sample(2000)
    assert sample["code"].n_unique() > 500


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_gan_and_vae_never_build_a_dense_one_hot_table_of_all_rows(model):
    """Training rows stay compact (one index per one-hot stretch) and are expanded a batch at a time:
    numpy's peak while fitting stays far below the dense float32 table of rows x slots."""
    import tracemalloc

    rng = np.random.default_rng(0)
    codes = rng.permutation(np.repeat([f"code_{i:04d}" for i in range(1000)], 12))  # each level common enough to keep
    rows = len(codes)
    df = pl.DataFrame({"code": codes, "value": rng.normal(size=rows)})
    schema = infer_schema(df)
    create_generator(model, seed=0, epochs=1).fit(df.head(600), schema)  # the libraries' lazy imports, untraced
    generator = create_generator(model, seed=0, epochs=1)
    tracemalloc.start()
    try:
        generator.fit(df, schema)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_bytes = rows * generator.encoder.mode_spans()[-1].stop * 4
    assert dense_bytes > 40e6
    assert peak < dense_bytes / 4, (peak, dense_bytes)
    assert generator.sample(200)["code"].n_unique() > 50


@pytest.mark.parametrize("model", ALL_MODELS)
def test_a_table_of_numbers_only_fits_and_samples(model):
    """No discrete column: the GAN's and VAE's conditional vector is empty, not an error."""
    rng = np.random.default_rng(0)
    df = pl.DataFrame({"amount": rng.lognormal(size=400), "count": rng.integers(0, 9, 400)})
    generator = create_generator(model, seed=0, **({} if model == "copula" else {"epochs": 2})).fit(
        df, infer_schema(df)
    )
    sample = generator.sample(300)
    assert sample.columns == df.columns and sample.height == 300
    assert sample["count"].is_between(0, 8).all()


@pytest.mark.parametrize("expanded_once", [True, False])
def test_mode_matrix_expands_the_rows_asked_for_on_the_device(mixed, expanded_once, monkeypatch):
    from twinforge.encoders import TableEncoder
    from twinforge.generators import torch_base
    from twinforge.generators.torch_base import ModeMatrix

    encoder = TableEncoder.fit(mixed, infer_schema(mixed), modes=True)
    rows = encoder.to_mode_rows(mixed, np.random.default_rng(0))
    if not expanded_once:  # a table too large to expand whole: a batch at a time
        monkeypatch.setattr(torch_base, "DENSE_MATRIX_FLOATS", N * rows.width - 1)
    matrix = ModeMatrix(rows, torch.device("cpu"))
    assert (matrix.dense is not None) == expanded_once
    some = np.array([3, 1, 1, N - 1])
    assert len(matrix) == N
    assert torch.equal(matrix[some], torch.from_numpy(rows.dense(some)))
    assert torch.equal(matrix[torch.from_numpy(some)], matrix[some])


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_wide_chunks_are_generated_in_bounded_passes_with_nothing_lost(model, fitted, mixed, monkeypatch):
    import twinforge.generators.torch_base as torch_base

    def draw() -> list[pl.DataFrame]:
        return list(fitted[model].sample_chunks(3000, seed=5, chunk_rows=2500))

    whole = pl.concat(draw())
    monkeypatch.setattr(torch_base, "DENSE_PASS_FLOATS", 1)  # 1024 rows a pass: 1024 + 1024 + 452, then 500
    chunks = draw()
    assert [c.height for c in chunks] == [2500, 500]
    passes = pl.concat(chunks)
    assert passes.schema == whole.schema and not passes.equals(whole)  # other batches: other draws
    assert passes.equals(pl.concat(draw()))  # still seeded
    # the same model's distribution, drawn in other batches
    assert abs((passes["segment"] == "retail").mean() - (whole["segment"] == "retail").mean()) < 0.05
    assert abs(passes["visits"].is_null().mean() - whole["visits"].is_null().mean()) < 0.05


def test_sampling_reports_its_progress_chunk_by_chunk(mixed):
    from twinforge.generators.base import SAMPLE_CHUNK_ROWS

    generator = create_generator("copula", seed=0).fit(mixed, infer_schema(mixed))
    calls = []
    rows = 2 * SAMPLE_CHUNK_ROWS + 7
    sample = generator.sample(rows, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(SAMPLE_CHUNK_ROWS, rows), (2 * SAMPLE_CHUNK_ROWS, rows), (rows, rows)]
    assert sample.equals(generator.sample(rows, seed=1))  # reporting changes nothing


@pytest.mark.parametrize(
    ("model", "continuous"),
    [("vae", "normal_scores"), ("vae", "mixture"), ("gan", "mixture"), ("gan", "normal_scores")],
)
def test_gan_and_vae_lay_out_continuous_columns_as_asked_and_load_them_back(model, continuous, mixed, tmp_path):
    """Either encoding of continuous columns fits, saves and loads to the same rows; a model saved before the
    choice existed (no ``continuous`` parameter, mixture stats without an ``encoding``) still loads as a mixture."""
    generator = create_generator(model, seed=1, continuous=continuous, epochs=2).fit(mixed, infer_schema(mixed))
    roles = {s.role for s in generator.encoder.mode_spans() if s.column == "amount"}
    assert roles == ({"alpha"} if continuous == "normal_scores" else {"alpha", "mode"})
    generator.save(tmp_path / "m")
    assert load_generator(tmp_path / "m").sample(200, seed=4).equals(generator.sample(200, seed=4))
    if continuous == "mixture":
        description = json.loads((tmp_path / "m" / "model.json").read_text())
        del description["params"]["continuous"]
        (tmp_path / "m" / "model.json").write_text(json.dumps(description))
        assert load_generator(tmp_path / "m").sample(200, seed=4).equals(generator.sample(200, seed=4))
    with pytest.raises(ValueError, match="continuous must be one of"):
        create_generator(model, continuous="quantiles")


def test_the_vae_reproduces_a_value_most_rows_share_exactly():
    """Normal scores (the vae's default) decode a whole stretch of scores to a point mass: a column that is 0 in
    80% of the rows comes back 0 in about as many, where mixture modes blur most zeros into small amounts."""
    rng = np.random.default_rng(0)
    n = 2000
    income = rng.lognormal(8, 0.5, n).round(0)
    df = pl.DataFrame({"debt": np.where(rng.random(n) < 0.8, 0.0, rng.lognormal(6, 1, n).round(0)), "income": income})
    shares = {}
    for continuous in ("normal_scores", "mixture"):
        generator = create_generator("vae", seed=0, epochs=40, continuous=continuous).fit(df, infer_schema(df))
        shares[continuous] = float((generator.sample(4000, seed=1)["debt"] == 0).mean())
    real = float((df["debt"] == 0).mean())
    assert abs(shares["normal_scores"] - real) < 0.1, shares  # 0.89 against 0.80 at 40 epochs
    assert abs(shares["normal_scores"] - real) < abs(shares["mixture"] - real) / 2, shares  # mixture: 0.43


def test_a_date_condition_the_model_cannot_meet_is_named_by_its_date_not_its_day_number():
    import datetime as dt

    rng = np.random.default_rng(0)
    df = pl.DataFrame(
        {
            "d": [dt.date(2020, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 3000, 300)],
            "c": rng.choice(["a", "b"], 300).tolist(),
        }
    )
    generator = create_generator("vae", seed=0, epochs=1).fit(df, infer_schema(df))
    with pytest.raises(ConditionError, match=re.escape("with d=datetime.date(2020, 1, 30):")):
        generator.sample(20, conditions={"d": dt.date(2020, 1, 30)})
