"""The state folder is owner-only whatever the umask."""

import os

from tests.conftest import file_mode
from twinforge.io.permissions import make_private, private_mkdir, restrict_umask
from twinforge.io.state import StateLayout


def test_state_folder_is_owner_only_under_umask_022(tmp_path, umask_022):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "mlflow.db").write_text("")
    layout = StateLayout.at(home).ensure()
    for folder in (layout.home, layout.data_dir, layout.reports_dir, layout.models_dir, layout.mlflow_artifacts):
        assert file_mode(folder) == 0o700, folder
    assert file_mode(layout.mlflow_db) == 0o600


def test_private_mkdir_and_make_private(tmp_path, umask_022):
    deep = private_mkdir(tmp_path / "a" / "b" / "c")
    assert [file_mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", deep)] == [0o700] * 3
    (deep / "f.parquet").write_bytes(b"x")
    assert file_mode(deep / "f.parquet") == 0o644
    os.chmod(deep, 0o755)
    make_private(tmp_path / "a", recursive=True)
    assert file_mode(deep) == 0o700 and file_mode(deep / "f.parquet") == 0o600


def test_restrict_umask_makes_new_files_owner_only(tmp_path, umask_022):
    assert restrict_umask() == 0o022
    (tmp_path / "new.txt").write_text("x")
    (tmp_path / "new_dir").mkdir()
    assert file_mode(tmp_path / "new.txt") == 0o600 and file_mode(tmp_path / "new_dir") == 0o700


def test_scratch_of_finished_runs_is_removed_and_active_runs_keep_theirs(tmp_path):
    import math
    import os
    import time

    layout = StateLayout.at(tmp_path)
    runs = ("failed-run", "recent-run", "active-run", "this-run", "other-instance-run", "abandoned-run")
    for parent in (layout.staging_dir, layout.steps_dir):
        for run in runs:
            (parent / run / "demo").mkdir(parents=True)
            (parent / run / "demo" / "part-00000.parquet").write_bytes(b"x")
        old = time.time() - 2 * 24 * 3600
        for path in (
            parent / "abandoned-run",
            parent / "abandoned-run" / "demo",
            *(parent / "abandoned-run").rglob("*"),
        ):
            os.utime(path, (old, old))
    day = 24 * 3600
    finished = {"failed-run": time.time() - 2 * day, "recent-run": time.time() - 60, "active-run": math.inf}
    removed = layout.remove_run_scratch(lambda run: finished.get(run), keep="this-run")
    # a run this instance does not know may be another instance's, in flight: its folders go once idle a day
    assert removed == ["abandoned-run", "failed-run"]
    for parent in (layout.staging_dir, layout.steps_dir):
        assert sorted(p.name for p in parent.iterdir()) == [
            "active-run",
            "other-instance-run",
            "recent-run",
            "this-run",
        ]
    assert StateLayout.at(tmp_path / "empty").remove_run_scratch(lambda run: None) == []


def test_tighten_tree_takes_group_and_other_bits_off_what_another_process_made(tmp_path, umask_022):
    from twinforge.io.permissions import tighten_tree

    history = tmp_path / "dagster" / "history"
    (history / "runs").mkdir(parents=True)  # 0755, as Dagster makes them under umask 022
    (history / "runs.db").write_text("")
    (history / "runs" / "index.db").write_text("")
    script = tmp_path / "dagster" / "hook.sh"
    script.write_text("")
    script.chmod(0o755)
    outside = tmp_path / "outside.txt"
    outside.write_text("")
    (tmp_path / "dagster" / "link").symlink_to(outside)
    assert tighten_tree(tmp_path / "dagster") == 6
    modes = {
        p.name: file_mode(p) for p in [tmp_path / "dagster", *(tmp_path / "dagster").rglob("*")] if not p.is_symlink()
    }
    assert modes == {
        "dagster": 0o700,
        "history": 0o700,
        "runs": 0o700,
        "runs.db": 0o600,
        "index.db": 0o600,
        "hook.sh": 0o700,
    }
    assert file_mode(outside) == 0o644  # a link's target is not the tree's
    assert tighten_tree(tmp_path / "dagster") == 0 and tighten_tree(tmp_path / "missing") == 0
