"""Training that diverges is an error that says so, never a model that samples nulls or a constant.

Reproduced: ``twinforge synth --model gan --param learning_rate=1e6`` exited 0 with two columns that held no
null entirely null in every row, and ``model.json`` recorded ``NaN`` losses (not JSON); the ``vae`` sampled a
constant, and the transformer failed in torch's sampler with a message naming neither cause nor remedy.
"""

import json
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from tests.conftest import REPO
from twinforge.generators import create_generator
from twinforge.generators.base import TrainingDiverged
from twinforge.io.schema import infer_schema


def _table() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.normal(5e4, 1e4, n).round(2),
            "group": rng.choice(["a", "b", "c"], n),
        }
    )


@pytest.mark.parametrize("model", ["gan", "vae", "transformer"])
def test_a_fit_whose_loss_is_not_finite_stops_with_the_epoch_and_the_learning_rate(model):
    table = _table()
    generator = create_generator(model, seed=0, epochs=3, learning_rate=1e6)
    with pytest.raises(TrainingDiverged, match=rf"{model}: training diverged at epoch \d+ \(\w+ is (nan|inf|-inf)\)"):
        generator.fit(table, infer_schema(table))
    assert not generator.is_fitted  # nothing half-fitted to sample or save


def test_the_cli_says_training_diverged_in_one_line_and_writes_nothing(tmp_path):
    _table().write_csv(tmp_path / "in.csv")
    out, model = tmp_path / "out.parquet", tmp_path / "m"
    run = subprocess.run(
        [sys.executable, "-m", "twinforge.cli", "synth", str(tmp_path / "in.csv"), "--model", "gan"]
        + ["--epochs", "3", "--param", "learning_rate=1e6", "--rows", "50", "--out", str(out)]
        + ["--save-model", str(model), "--no-progress"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "TWINFORGE_HOME": str(tmp_path / "home")},
    )
    assert run.returncode == 1, run.stderr
    (line,) = run.stderr.strip().splitlines()[-1:]
    assert line.startswith("twinforge synth: error: gan: training diverged at epoch"), run.stderr
    assert "learning_rate" in line and "Traceback" not in run.stderr
    assert not out.exists() and not (model / "model.json").exists()


def test_losses_saved_with_a_model_are_strict_json(tmp_path):
    table = _table()
    folder = create_generator("gan", seed=0, epochs=2).fit(table, infer_schema(table)).save(tmp_path / "m")
    json.loads((folder / "model.json").read_text(), parse_constant=lambda name: pytest.fail(f"{name} in model.json"))
