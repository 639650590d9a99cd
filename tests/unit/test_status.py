"""`twinforge status` on a project where nothing has run yet."""

from tests.conftest import DEMO_SPEC
from twinforge.cli import main


def test_status_of_an_empty_project_says_so_and_creates_nothing(tmp_path, capsys):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "covid_testing.yaml").write_text(
        DEMO_SPEC.read_text().replace("../../data/", str(DEMO_SPEC.parents[2] / "data") + "/")
    )
    home = tmp_path / "state"
    assert main(["status", "--specs", str(specs), "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "(empty: nothing has run yet)" in out
    assert "dataset covid_testing  (model twinforge-covid_testing)" in out
    assert "batches: none yet" in out and "model versions: none yet" in out and "drift: no batch drift" in out
    assert not home.exists()  # looking is not writing: no state folder, no MLflow store


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
    args = ["status", "--specs", str(_specs(tmp_path)), "--home", str(tmp_path / "state")]
    assert main([*args, "--tracking-uri", f"sqlite:///{typo}"]) == 1
    err = capsys.readouterr().err
    assert f"the MLflow store sqlite:///{typo} does not exist" in err
    assert not (tmp_path / "typo_dir").exists()


def test_status_with_an_unreachable_tracking_server_fails_at_once_naming_it(tmp_path, capsys):
    import time

    args = ["status", "--specs", str(_specs(tmp_path)), "--home", str(tmp_path / "state")]
    started = time.monotonic()
    assert main([*args, "--tracking-uri", "http://user:secret@127.0.0.1:9"]) == 1
    assert time.monotonic() - started < 60  # not MLflow's minutes of retries
    err = capsys.readouterr().err
    assert "cannot read the MLflow tracking server at http://user:***@127.0.0.1:9" in err
    assert "secret" not in err and "Traceback" not in err
