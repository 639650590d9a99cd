"""The core library and its CLI work without the pipeline stack (Dagster, MLflow, GE, Evidently).

``pip install twinforge`` installs no pipeline package; here the same is enforced in a
subprocess whose importer refuses them, so any import of one on the ``synth``,
``anonymize`` or ``evaluate`` path fails the test.
"""

import subprocess
import sys
import tomllib

from tests.conftest import DEMO_CSV, REPO

PIPELINE_PACKAGES = ("dagster", "dagster_webserver", "mlflow", "great_expectations", "evidently")

BLOCKER = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {PIPELINE_PACKAGES!r}:
            raise ImportError(f"pipeline package {{name}} imported by the core")
        return None
sys.meta_path.insert(0, Refuse())
from twinforge.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_base_install_names_no_pipeline_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"]).lower()
    for package in ("dagster", "mlflow", "great-expectations", "evidently"):
        assert package not in base
        assert package in " ".join(project["optional-dependencies"]["pipeline"]).lower()


def test_synth_anonymize_and_evaluate_run_without_the_pipeline_stack(tmp_path):
    import polars as pl

    real = pl.read_csv(DEMO_CSV).head(1500)
    real.head(1200).write_csv(tmp_path / "train.csv")
    real.tail(300).write_csv(tmp_path / "holdout.csv")
    synth = _cli("synth", "train.csv", "--rows", "300", "--out", "twin.csv", "--identifier", "subject_id",
                 "--no-progress", cwd=tmp_path)  # fmt: skip
    assert synth.returncode == 0, synth.stderr[-2000:]
    assert pl.read_csv(tmp_path / "twin.csv").height == 300
    evaluate = _cli("evaluate", "--train", "train.csv", "--holdout", "holdout.csv", "--synthetic", "twin.csv",
                    "--identifier", "subject_id", "--json", "report.json", cwd=tmp_path)  # fmt: skip
    assert evaluate.returncode == 0, evaluate.stderr[-2000:]
    assert (tmp_path / "report.json").stat().st_size > 0
    anonymize = _cli("anonymize", "train.csv", "--out", "anon.csv", cwd=tmp_path)
    assert anonymize.returncode == 0, anonymize.stderr[-2000:]


def test_the_refusing_importer_does_refuse(tmp_path):
    # the guard above is only as good as its refusal: a script that imports dagster must fail under it
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKER.replace("from twinforge.cli import main", "import dagster"), "--version"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0 and "pipeline package dagster imported by the core" in proc.stderr
