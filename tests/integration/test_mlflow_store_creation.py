"""Processes that first touch one fresh local MLflow store at the same moment (two runs started together on a new
state folder): MLflow migrates a new SQLite store on first use, and two migrations at once collide
(`table _alembic_tmp_... already exists`). Every process must get a working store."""

import multiprocessing

from twinforge.tracking.registry import ensure_experiment, tracking


def _first_use(uri: str, name: str) -> None:
    with tracking(uri) as mlflow:
        ensure_experiment(mlflow, name, None)
        mlflow.MlflowClient().search_registered_models()


def test_processes_creating_one_fresh_store_at_once_all_succeed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_first_use, args=(uri, f"dataset_{i}")) for i in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    with tracking(uri) as mlflow:
        names = {e.name for e in mlflow.MlflowClient().search_experiments()}
    assert {"dataset_0", "dataset_1", "dataset_2"} <= names
