"""The champion alias over a model's versions, in a real MLflow store (SQLite): each promotion supersedes the
previous champion, and a run that fails after promoting its version hands the alias back."""

import numpy as np
import polars as pl
import pytest

from twinforge.generators.copula import GaussianCopulaGenerator
from twinforge.io.schema import infer_schema
from twinforge.tracking.registry import (
    CHAMPION_ALIAS,
    PROMOTION_TAG,
    RUN_STATUS_TAG,
    get_alias_version,
    get_model_version,
    log_generator,
    mark_run_versions_failed,
    set_champion,
    versions_of_run,
)

MODEL = "twinforge-lifecycle"


@pytest.fixture(scope="module")
def generator_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    table = pl.DataFrame({"x": rng.normal(size=200), "kind": rng.choice(["a", "b"], 200)})
    folder = tmp_path_factory.mktemp("generator")
    GaussianCopulaGenerator(seed=0).fit(table, infer_schema(table)).save(folder)
    return folder


def _register(uri, tmp_path, generator_dir, run_id: str) -> str:
    return log_generator(
        tracking_uri=uri, experiment="lifecycle", artifact_root=tmp_path / "artifacts", model_name=MODEL,
        generator_dir=generator_dir, params={}, metrics={}, tags={"dagster_run_id": run_id},
    ).version  # fmt: skip


def _tags(uri, version):
    return get_model_version(uri, MODEL, version).tags


def test_versions_are_registered_with_their_run_and_one_champion_at_a_time(tmp_path, generator_dir):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    first, second = (_register(uri, tmp_path, generator_dir, run) for run in ("run-1", "run-2"))
    assert _tags(uri, first)["dagster_run_id"] == "run-1" and versions_of_run(uri, MODEL, "run-2") == [second]
    assert set_champion(uri, MODEL, first, "run-1") is None
    assert set_champion(uri, MODEL, second, "run-2") == first
    assert set_champion(uri, MODEL, second, "run-2b") == second  # promoted again: still rolls back to the first
    assert _tags(uri, second)["promotion.previous_champion"] == first
    assert get_alias_version(uri, MODEL, CHAMPION_ALIAS) == second
    assert _tags(uri, second)[PROMOTION_TAG] == "champion"
    assert _tags(uri, first)[PROMOTION_TAG] == "superseded"  # was still "champion": status showed two


def test_a_run_that_fails_after_promoting_hands_the_alias_back(tmp_path, generator_dir):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    first, second, third = (_register(uri, tmp_path, generator_dir, f"run-{i}") for i in (1, 2, 3))
    set_champion(uri, MODEL, first, "run-1")
    set_champion(uri, MODEL, second, "run-2")
    set_champion(uri, MODEL, third, "run-3")
    # run 3 fails after its promotion (a later step, or killed): the alias goes back to version 2
    assert mark_run_versions_failed(uri, MODEL, "run-3", "killed") == [third]
    assert get_alias_version(uri, MODEL, CHAMPION_ALIAS) == second
    assert _tags(uri, third)[PROMOTION_TAG] == "rolled back" and _tags(uri, third)[RUN_STATUS_TAG] == "failed"
    assert _tags(uri, second)[PROMOTION_TAG] == "champion"
    # version 2's run is then found failed too: back past it to version 1
    mark_run_versions_failed(uri, MODEL, "run-2", "killed")
    assert get_alias_version(uri, MODEL, CHAMPION_ALIAS) == first
    # and version 1's: no champion is left, rather than a failed one
    mark_run_versions_failed(uri, MODEL, "run-1", "killed")
    assert get_alias_version(uri, MODEL, CHAMPION_ALIAS) is None


def test_a_failed_run_that_promoted_nothing_leaves_the_champion_alone(tmp_path, generator_dir):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    first, second = (_register(uri, tmp_path, generator_dir, run) for run in ("run-1", "run-2"))
    set_champion(uri, MODEL, first, "run-1")
    mark_run_versions_failed(uri, MODEL, "run-2", "its checks failed")
    assert get_alias_version(uri, MODEL, CHAMPION_ALIAS) == first and PROMOTION_TAG not in _tags(uri, second)
