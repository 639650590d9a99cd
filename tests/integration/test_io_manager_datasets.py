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
    # nothing replaced is left; beside the value, the id of the run that wrote it
    assert sorted(p.name for p in target.parent.iterdir()) == ["synthetic", "synthetic.run"]

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


def test_a_step_refuses_a_value_of_its_own_run_that_another_run_replaced(tmp_path):
    """Two runs of one dataset at once: run A's checks must not read the synthetic rows run B wrote since."""
    from resources.io_manager import run_mark

    home = tmp_path / "home"
    target = StateLayout.at(home).data_dir / "demo" / "synthetic"

    @dg.asset(key=KEY)
    def synthetic():
        return pl.DataFrame({"x": [1, 2, 3]})

    @dg.asset(deps=[KEY])
    def other_run_writes():  # what a second run of the same job does between this run's steps
        pl.DataFrame({"x": [9] * 4000}).write_parquet(target.with_suffix(".parquet"))
        run_mark(target).write_text("another-run-id")
        return {"written": True}

    @dg.asset(ins={"rows": dg.AssetIn(KEY)}, deps=[other_run_writes])
    def checks(rows):
        return {"rows": rows.height}

    manager = ParquetIOManager(home=str(home))
    result = dg.materialize(
        [synthetic, other_run_writes, checks], resources={"io_manager": manager}, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "checks"
    assert "since replaced by run another-run-id: two runs of this dataset ran at once" in str(
        failure.event_specific_data.error
    )
    # a later run reading what an earlier one stored is not refused
    assets = [synthetic, other_run_writes, checks]
    later = dg.materialize(assets, resources={"io_manager": manager}, selection=[checks.key])
    assert later.success and later.output_for_node("checks") == {"rows": 4000}


def test_a_step_reads_a_value_its_run_wrote(tmp_path):
    @dg.asset(key=KEY)
    def synthetic():
        return pl.DataFrame({"x": [1, 2, 3]})

    @dg.asset(ins={"rows": dg.AssetIn(KEY)})
    def checks(rows):
        return {"rows": rows.height}

    manager = ParquetIOManager(home=str(tmp_path / "home"))
    result = dg.materialize([synthetic, checks], resources={"io_manager": manager})
    assert result.output_for_node("checks") == {"rows": 3}
    mark = StateLayout.at(tmp_path / "home").data_dir / "demo" / "synthetic.run"
    assert mark.read_text() == result.run_id and file_mode(mark) == 0o600


def test_a_step_killed_while_storing_a_table_leaves_the_stored_one_whole(tmp_path):
    # the table is written beside the stored one and moved over it when complete: a step killed half way
    # (SIGKILL, a lost worker) never leaves a torn file for the next run to read
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    home = tmp_path / "home"
    manager = ParquetIOManager(home=str(home))
    _store(manager, pl.DataFrame({"x": [1, 2, 3]}))
    folder = StateLayout.at(home).data_dir / "demo"
    script = (
        "import dagster as dg, polars as pl\n"
        "from resources import ParquetIOManager\n"
        f"manager = ParquetIOManager(home={str(home)!r})\n"
        "big = pl.DataFrame({'x': pl.int_range(0, 30_000_000, eager=True), 'y': pl.int_range(0, 30_000_000, eager=True)})\n"
        "manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey(['demo', 'synthetic'])), big)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 120
    while not list(folder.glob(".synthetic.parquet.*.partial")):
        assert writer.poll() is None and time.monotonic() < deadline, "no temporary file was written"
        time.sleep(0.01)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert _load(manager)["x"].to_list() == [1, 2, 3]
