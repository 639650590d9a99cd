"""Spec-driven training logged to a real MLflow store (SQLite)."""

import os
import warnings

import polars as pl
import pytest

from tests.conftest import file_mode
from tests.planted import mixed_table
from twinforge.io.schema import infer_schema


@pytest.fixture(scope="module")
def mixed() -> pl.DataFrame:
    return mixed_table()


@pytest.fixture
def entry_point_umask():
    """The umask the pipeline and the CLI set (077), restored afterwards."""
    from twinforge.io.permissions import restrict_umask

    previous = restrict_umask()
    yield
    os.umask(previous)


def test_spec_training_puts_the_target_last_and_logs_losses_per_epoch_to_mlflow(mixed, tmp_path, entry_point_umask):
    import logging

    from twinforge.config.spec import parse_spec
    from twinforge.generators.training import epoch_logger, generator_params, train_generator
    from twinforge.tracking.registry import log_generator, tracking

    spec = parse_spec(
        {
            "name": "mixed",
            "source": {"path": str(tmp_path / "unused.parquet")},
            "columns": {"fraud": {"role": "target"}},
            "generator": {"model": "transformer", "seed": 2, "params": {"epochs": 2, "d_model": 32}},
        }
    )
    lines: list[str] = []
    logger = logging.getLogger("test-epochs")
    logger.addHandler(handler := logging.Handler())
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.setLevel(logging.INFO)
    trained = train_generator(mixed, spec, tmp_path / "model", progress=epoch_logger(logger))
    # no sampling condition: the target is generated last, from all the other columns
    assert trained.generator.column_order[-1] == "fraud"
    assert [l.split(":")[0] for l in lines] == ["epoch 1/2", "epoch 2/2"] and "validation_loss" in lines[0]
    assert [e["epoch"] for e in trained.loss_history] == [1, 2]

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        ref = log_generator(
            tracking_uri=uri,
            experiment="losses",
            artifact_root=tmp_path / "artifacts",
            model_name="twinforge-mixed",
            generator_dir=trained.directory,
            params=trained.params,
            metrics={"fit_seconds": trained.fit_seconds},
            tags={},
            loss_history=trained.loss_history,
        )
    # MLflow's advice (log an input example: rows; declare integers as floats) is not the user's to act on
    assert not [
        str(w.message) for w in shown if "input example" in str(w.message) or "integer column" in str(w.message)
    ]
    # the logged model's files are owner-only, the entry module too, which MLflow copies with its mode (0644)
    logged = [p for p in (tmp_path / "artifacts").rglob("*")]
    assert any(p.name == "pyfunc_entry.py" for p in logged)
    assert all(file_mode(p) == (0o700 if p.is_dir() else 0o600) for p in logged), logged
    with tracking(uri) as mlflow:
        history = mlflow.MlflowClient().get_metric_history(ref.run_id, "validation_loss")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [1, 2]
    assert history[0].value == pytest.approx(
        next(e["validation_loss"] for e in trained.loss_history if e["epoch"] == history[0].step)
    )

    # columns the spec's sampling conditions or rebalances on lead instead (native conditioning)
    schema = infer_schema(mixed)
    for sampling, expected in (
        ({"rebalance": {"fraud": {"true": 0.3}}}, {"condition_columns": ["fraud"]}),
        ({"conditions": {"segment": "retail"}}, {"condition_columns": ["segment"], "last_columns": ["fraud"]}),
    ):
        conditioned = spec.model_copy(update={"sampling": spec.sampling.model_validate(sampling)})
        assert generator_params(conditioned, schema) == {"epochs": 2, "d_model": 32, **expected}
    assert generator_params(
        spec.model_copy(update={"generator": spec.generator.model_copy(update={"model": "vae"})}), schema
    ) == {"epochs": 2, "d_model": 32}

    bad = spec.model_copy(update={"generator": spec.generator.model_copy(update={"params": {"wings": 2}})})
    with pytest.raises(ValueError, match=r"generator\.params.*wings"):
        train_generator(mixed, bad, tmp_path / "bad")
