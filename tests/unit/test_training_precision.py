"""The `gan`'s training precision: bfloat16 matrix products where the CPU computes them natively
(``precision: auto``), float32 weights, losses and sampling whatever the precision."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import torch

from twinforge.generators import create_generator
from twinforge.generators.torch_base import native_bfloat16, resolve_precision
from twinforge.io.schema import infer_schema

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    group = rng.choice(["a", "b"], 600, p=[0.7, 0.3])
    return pl.DataFrame({"group": group, "amount": np.where(group == "a", rng.normal(10, 1, 600), 40.0)})


class LinearOutputs:
    """The dtypes of every ``nn.Linear`` output while the block runs."""

    def __enter__(self):
        self.dtypes: set[torch.dtype] = set()

        def hook(module, inputs, output):
            if isinstance(module, torch.nn.Linear):
                self.dtypes.add(output.dtype)

        self._handle = torch.nn.modules.module.register_module_forward_hook(hook)
        return self

    def __exit__(self, *exc):
        self._handle.remove()


def test_auto_is_bfloat16_only_on_a_cpu_that_computes_it_natively(monkeypatch):
    assert resolve_precision("auto", CPU) == (torch.bfloat16 if native_bfloat16(CPU) else torch.float32)
    for native, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda native=native: native)
        assert resolve_precision("auto", CPU) == expected
    # a GPU trains in float32 unless asked; an explicit choice is taken as it is
    assert resolve_precision("auto", torch.device("cuda")) == torch.float32
    assert resolve_precision("float32", CPU) == torch.float32
    assert resolve_precision("bfloat16", CPU) == torch.bfloat16


def test_a_torch_without_the_cpu_check_trains_in_float32(monkeypatch):
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    assert not native_bfloat16(CPU)
    assert resolve_precision("auto", CPU) == torch.float32


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(ValueError, match="'fp16'.*auto, float32, bfloat16"):
        resolve_precision("fp16", CPU)
    with pytest.raises(ValueError, match="gan: unknown precision 'half'"):
        create_generator("gan", precision="half")


def test_a_private_fit_refuses_bfloat16():
    with pytest.raises(ValueError, match="private fit.*float32"):
        create_generator("gan", precision="bfloat16", dp={"epsilon": 1.0})
    assert create_generator("gan", dp={"epsilon": 1.0}).precision == "auto"


def test_bfloat16_training_multiplies_in_bfloat16_and_keeps_float32_weights_and_sampling(table):
    uncalibrated = create_generator("gan", seed=0, epochs=1, batch_size=100, precision="bfloat16", calibrate=False)
    with LinearOutputs() as training:
        uncalibrated.fit(table, infer_schema(table))
    assert training.dtypes == {torch.bfloat16}
    generator = create_generator("gan", seed=0, epochs=2, batch_size=100, precision="bfloat16")
    with LinearOutputs() as fitting:
        generator.fit(table, infer_schema(table))
    # the calibration's draws, after training, are sampling's: float32
    assert fitting.dtypes == {torch.bfloat16, torch.float32}
    assert generator.fit_summary["precision"] == "bfloat16"
    assert {t.dtype for t in generator.state_dict().values()} <= {torch.float32, torch.float64, torch.int64}
    with LinearOutputs() as sampling:
        rows = generator.sample(500, seed=1)
    assert sampling.dtypes == {torch.float32}
    assert rows.height == 500 and rows["amount"].is_finite().all()
    assert set(rows["group"].unique()) <= {"a", "b"}


def test_float32_training_multiplies_in_float32(table):
    generator = create_generator("gan", seed=0, epochs=1, batch_size=100, precision="float32", calibrate=False)
    with LinearOutputs() as fitting:
        generator.fit(table, infer_schema(table))
    assert fitting.dtypes == {torch.float32}
    assert generator.fit_summary["precision"] == "float32"


def test_bfloat16_fits_repeat_with_the_same_seed(table):
    samples = []
    for _ in range(2):
        generator = create_generator("gan", seed=3, epochs=2, batch_size=100, precision="bfloat16")
        generator.fit(table, infer_schema(table))
        samples.append(generator.sample(200, seed=4))
    assert samples[0].equals(samples[1])
