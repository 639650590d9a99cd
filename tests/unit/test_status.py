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
