"""`twinforge status` (and the `batches` listing) on a project where nothing has run yet, and on state folders
they may only read: they read, never create or chmod."""

import os

import pytest

from tests.conftest import DEMO_SPEC
from twinforge.cli import main


def _fresh_project(tmp_path, monkeypatch):
    """A project folder (its ``workspace.yaml``) where nothing has run: its ``.twinforge`` does not exist yet."""
    (tmp_path / "workspace.yaml").write_text("load_from: []\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TWINFORGE_HOME", raising=False)
    return tmp_path / ".twinforge"


def test_status_of_an_empty_project_says_so_and_creates_nothing(tmp_path, capsys, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(
        DEMO_SPEC.read_text().replace("../../data/", str(DEMO_SPEC.parents[2] / "data") + "/")
    )
    home = _fresh_project(tmp_path, monkeypatch)
    assert main(["status", "--specs", str(specs)]) == 0
    out = capsys.readouterr().out
    assert "(empty: nothing has run yet)" in out
    assert "dataset covid_testing  (model twinforge-covid_testing)" in out
    assert "batches: none yet" in out and "model versions: none yet" in out and "drift: no batch drift" in out
    assert not home.exists()  # looking is not writing: no state folder, no MLflow store


def test_a_named_state_folder_that_does_not_exist_is_an_error_not_an_empty_project(tmp_path, capsys, monkeypatch):
    """Reproduced: ``status --home`` with a mistyped path said "nothing has run yet" and exited 0."""
    specs, typo = str(_specs(tmp_path)), tmp_path / "no-such-home"
    monkeypatch.delenv("TWINFORGE_HOME", raising=False)
    for command in (["status"], ["batches", "covid_testing"]):
        assert main([*command, "--specs", specs, "--home", str(typo)]) == 1
        assert f"the state folder {typo} (--home) does not exist" in capsys.readouterr().err
        monkeypatch.setenv("TWINFORGE_HOME", str(typo))
        assert main([*command, "--specs", specs]) == 1
        assert f"the state folder {typo} (TWINFORGE_HOME) does not exist" in capsys.readouterr().err
        monkeypatch.delenv("TWINFORGE_HOME")
    assert not typo.exists()


def test_status_of_an_unknown_dataset_names_the_known_ones(tmp_path, capsys):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(DEMO_SPEC.read_text())
    assert main(["status", "nope", "--specs", str(specs), "--home", str(tmp_path / "state")]) == 1
    err = capsys.readouterr().err
    assert "no dataset 'nope'" in err and "datasets: covid_testing" in err


def _specs(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(
        DEMO_SPEC.read_text().replace("../../data/", str(DEMO_SPEC.parents[2] / "data") + "/")
    )
    return specs


def test_status_with_a_tracking_uri_to_no_store_says_so_and_creates_none(tmp_path, capsys):
    typo = tmp_path / "typo_dir" / "mlfow" / "mlflow.db"
    (tmp_path / "state").mkdir()
    args = ["status", "--specs", str(_specs(tmp_path)), "--home", str(tmp_path / "state")]
    assert main([*args, "--tracking-uri", f"sqlite:///{typo}"]) == 1
    err = capsys.readouterr().err
    assert f"the MLflow store sqlite:///{typo} does not exist" in err
    assert not (tmp_path / "typo_dir").exists()


def test_status_with_an_unreachable_tracking_server_fails_at_once_naming_it(tmp_path, capsys):
    import time

    (tmp_path / "state").mkdir()
    args = ["status", "--specs", str(_specs(tmp_path)), "--home", str(tmp_path / "state")]
    started = time.monotonic()
    assert main([*args, "--tracking-uri", "http://user:secret@127.0.0.1:9"]) == 1
    assert time.monotonic() - started < 60  # not MLflow's minutes of retries
    err = capsys.readouterr().err
    assert "cannot read the MLflow tracking server at http://user:***@127.0.0.1:9" in err
    assert "secret" not in err and "Traceback" not in err


def test_status_with_a_specs_folder_that_does_not_exist_is_an_error_naming_it(tmp_path, capsys):
    # a mistyped --specs in a script or CI job must not read as a project without datasets (exit 0)
    home = str(tmp_path / "state")
    for specs in (tmp_path / "no" / "such" / "folder", DEMO_SPEC):
        assert main(["status", "--specs", str(specs), "--home", home]) == 1
        err = capsys.readouterr().err
        assert f"the folder of dataset specs {specs}" in err and "Traceback" not in err
        assert main(["batches", "covid_testing", "--specs", str(specs), "--home", home]) == 1
        assert f"the folder of dataset specs {specs}" in capsys.readouterr().err
    assert not (tmp_path / "state").exists()
    (tmp_path / "empty").mkdir()  # an empty folder is a project with no dataset yet: said, exit 0
    assert main(["status", "--specs", str(tmp_path / "empty"), "--home", home]) == 0
    assert "no dataset specs in" in capsys.readouterr().out


def _state_with_a_batch_and_a_store(tmp_path):
    """A state folder as a run leaves it: the first batch recorded and the MLflow store created."""
    from twinforge.config.spec import load_spec
    from twinforge.io.batches import BatchStore
    from twinforge.io.state import StateLayout
    from twinforge.tracking.registry import list_model_versions

    specs = _specs(tmp_path)
    layout = StateLayout.at(tmp_path / "state").ensure()
    BatchStore(load_spec(specs / "covid_testing.yaml"), layout).ensure_initial()
    list_model_versions(layout.mlflow_tracking_uri, "twinforge-covid_testing")  # creates the store, as a run does
    return specs, layout.home


def test_status_and_batches_list_a_read_only_state_folder_and_change_no_permission(tmp_path):
    from tests.conftest import modes_under, run_cli_as_a_user

    specs, home = _state_with_a_batch_and_a_store(tmp_path)
    for path in [home, *home.rglob("*")]:  # a read-only audit copy: the operator took every write permission
        path.chmod(path.stat().st_mode & ~0o222)
    before = modes_under(home)
    args = ["covid_testing", "--specs", str(specs), "--home", str(home)]
    status, batches = run_cli_as_a_user(["status", *args]), run_cli_as_a_user(["batches", *args])
    # reading gives no write permission back (no chmod 0700 / 0600 of what they read) and needs none
    assert modes_under(home) == before
    assert status.returncode == 0, status.stderr[-2000:]
    assert "initial" in status.stdout and "model versions: none yet" in status.stdout
    assert batches.returncode == 0, batches.stderr[-2000:]
    assert batches.stdout.splitlines()[1].split()[:2] == ["initial", "active"]
    for path in [home, *home.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def test_status_and_batches_of_an_unreadable_state_folder_fail_in_one_line_and_change_nothing(tmp_path):
    from tests.conftest import file_mode, run_cli_as_a_user

    specs, home = _state_with_a_batch_and_a_store(tmp_path)
    home.chmod(0o000)  # another user's, or one its owner locked
    try:
        args = ["covid_testing", "--specs", str(specs), "--home", str(home)]
        for command in ("status", "batches"):
            done = run_cli_as_a_user([command, *args])
            assert done.returncode == 1, done.stderr[-2000:]
            (line,) = [line for line in done.stderr.splitlines() if "error" in line.lower()]
            assert line.startswith(f"twinforge {command}: error: could not read {home}/"), line
            assert "(permission denied)" in line and "Traceback" not in done.stderr
            assert file_mode(home) == 0o000, command  # never made readable to read it
    finally:
        home.chmod(0o700)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the state folder to another user needs root (chown)")
def test_status_and_batches_read_another_users_group_readable_state_folder_as_it_is(tmp_path):
    from tests.conftest import modes_under, run_cli_as_a_user

    specs, home = _state_with_a_batch_and_a_store(tmp_path)
    for path in [home, *home.rglob("*")]:  # nobody's, readable by this process's group (a shared audit folder)
        os.chown(path, 65534, os.getegid())
        path.chmod(0o750 if path.is_dir() else 0o640)
    before = modes_under(home)
    args = ["covid_testing", "--specs", str(specs), "--home", str(home)]
    for command in ("status", "batches"):
        done = run_cli_as_a_user([command, *args])  # may not chmod what it does not own: must not try
        assert done.returncode == 0, done.stderr[-2000:]
        assert "initial" in done.stdout and "Traceback" not in done.stderr
    assert modes_under(home) == before
    # a command that writes there says whose folder it is in one line
    done = run_cli_as_a_user(["batches", *args, "--withdraw", "initial"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"could not make {home} owner-only (operation not permitted)" in done.stderr


def test_listing_batches_of_a_state_folder_where_nothing_ran_creates_nothing(tmp_path, capsys, monkeypatch):
    specs = _specs(tmp_path)
    home = _fresh_project(tmp_path, monkeypatch)
    assert main(["batches", "covid_testing", "--specs", str(specs)]) == 0
    assert "no batch of covid_testing recorded" in capsys.readouterr().out
    assert not home.exists()


def test_a_refused_version_whose_run_failed_for_it_says_refused_and_why():
    """Reproduced: a refusal fails its run, the failed-runs sensor then tags the version's run failed, and
    status said "run failed" for a version refused because it was trained on a withdrawn batch."""
    from twinforge.status import DatasetStatus, VersionStatus, format_status

    versions = [
        VersionStatus("1", "2026-12-06 10:00:00", {}, {}, "champion", run_failed=False),
        VersionStatus(
            "2",
            "2026-12-06 11:00:00",
            {},
            {},
            "refused",
            run_failed=True,
            promotion_reason="trained on withdrawn batches: 20261206T100000000000Z-aaaa0000",
        ),  # fmt: skip
        VersionStatus("3", "2026-12-06 12:00:00", {}, {}, "", run_failed=True),
    ]
    text = format_status(DatasetStatus("covid_testing", "twinforge-covid_testing", versions=versions, champion="1"))
    lines = text.splitlines()
    second = next(i for i, line in enumerate(lines) if line.split()[:1] == ["2"])
    assert lines[second].split()[3] == "refused" and "run failed" not in lines[second]
    assert lines[second + 1].strip() == "refused: trained on withdrawn batches: 20261206T100000000000Z-aaaa0000"
    assert "run failed" in next(line for line in lines if line.split()[:1] == ["3"])
