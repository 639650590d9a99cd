"""The IO manager stores a verified Parquet dataset as the asset's folder, replacing what was stored before,
and reads it back as one table; step results travel as JSON."""

import dagster as dg
import polars as pl

from resources import ParquetIOManager, StepIOManager
from tests.conftest import file_mode
from twinforge.io.datasets import part_path, verify_dataset
from twinforge.io.state import StateLayout

KEY = dg.AssetKey(["demo", "synthetic"])


def _dataset(folder, sizes):
    folder.mkdir(parents=True)
    for index, rows in enumerate(sizes):
        pl.DataFrame({"x": list(range(rows))}).write_parquet(part_path(folder, index))
    return verify_dataset(folder, sizes)


def _store(manager, obj):
    context = dg.build_output_context(asset_key=KEY)
    manager.handle_output(context, obj)
    return context


def _load(manager):
    loaded = manager.load_input(dg.build_input_context(asset_key=KEY))
    return loaded.collect() if isinstance(loaded, pl.LazyFrame) else loaded  # a dataset folder: read lazily


def test_a_dataset_replaces_a_single_file_and_a_previous_dataset(tmp_path, umask_022):
    manager = ParquetIOManager(home=str(tmp_path / "home"))
    target = StateLayout.at(tmp_path / "home").data_dir / "demo" / "synthetic"
    _store(manager, pl.DataFrame({"x": [1, 2]}))  # what an older synthetic asset stored
    assert target.with_suffix(".parquet").is_file()

    _store(manager, _dataset(tmp_path / "staging-1", [3, 2, 2]))
    assert not target.with_suffix(".parquet").exists() and not (tmp_path / "staging-1").exists()
    assert sorted(p.name for p in target.iterdir()) == [f"part-0000{i}.parquet" for i in range(3)]
    assert file_mode(target) == 0o700 and file_mode(part_path(target, 0)) == 0o600
    assert isinstance(manager.load_input(dg.build_input_context(asset_key=KEY)), pl.LazyFrame)
    assert _load(manager)["x"].to_list() == [0, 1, 2, 0, 1, 0, 1]  # the parts in order, as one table

    _store(manager, _dataset(tmp_path / "staging-2", [4]))
    assert sorted(p.name for p in target.iterdir()) == ["part-00000.parquet"]
    assert _load(manager).height == 4
    assert sorted(p.name for p in target.parent.iterdir()) == ["synthetic"]  # nothing replaced is left

    _store(manager, pl.DataFrame({"x": [9]}))  # and back: a single file replaces the dataset
    assert not target.exists() and _load(manager)["x"].to_list() == [9]


def test_step_results_are_json_files_per_run_and_mapped_step(tmp_path):
    manager = StepIOManager(home=str(tmp_path))
    output = dg.build_output_context(run_id="run-1", step_key="plan", name="result", mapping_key="part_00001")
    manager.handle_output(output, {"index": 1, "plan": {"rows": 10}})
    stored = list((tmp_path / "steps" / "run-1").iterdir())
    assert [p.suffix for p in stored] == [".json"] and file_mode(stored[0]) == 0o600
    loaded = manager.load_input(dg.build_input_context(upstream_output=output))
    assert loaded == {"index": 1, "plan": {"rows": 10}}
