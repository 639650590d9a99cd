"""A spec's ``generator.params`` are checked against the model's parameters before any data is read.

Reproduced: ``generator: {model: vae, params: {hiden: [64]}}`` (a typo of ``hidden``) loaded, then ``synth --spec``
read the table, ran PII detection and died with a Python traceback (``unexpected keyword argument 'hiden'``);
a pipeline would have failed each retrain at its ``generator`` step.
"""

import subprocess
import sys

import pytest
import yaml

from tests.conftest import DEMO_CSV, DEMO_SPEC, REPO
from twinforge.config.spec import SpecError, load_spec


def _spec_with(tmp_path, generator: dict):
    data = yaml.safe_load(DEMO_SPEC.read_text())
    data["generator"] = generator
    data["source"]["path"] = str(DEMO_CSV)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_synth_refuses_an_unknown_spec_parameter_before_reading_in_one_line(tmp_path):
    spec = _spec_with(tmp_path, {"model": "vae", "params": {"epochs": 1, "hiden": [64]}})
    run = subprocess.run(
        [sys.executable, "-m", "twinforge.cli", "synth", str(tmp_path / "not-read.csv"), "--spec", str(spec)]
        + ["--rows", "5", "--out", str(tmp_path / "out.csv"), "--no-progress"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "TWINFORGE_HOME": str(tmp_path / "home")},
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip() == (
        f"twinforge synth: error: {spec}: invalid dataset spec: field 'generator.params': model 'vae' has no "
        "parameter hiden (its parameters: " + run.stderr.split("(its parameters: ")[1].strip()
    )
    assert "hidden" in run.stderr.split("(its parameters: ")[1]  # the right name is listed
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("generator", "said"),
    [
        ({"model": "vae", "params": {"hiden": [64]}}, "model 'vae' has no parameter hiden"),
        ({"model": "copula", "params": {"epochs": 3}}, "model 'copula' has no parameter epochs"),
    ],
)
def test_the_pipeline_refuses_an_unknown_spec_parameter_when_it_loads(tmp_path, generator, said):
    from pipelines.factory import build_definitions

    spec = load_spec(_spec_with(tmp_path, generator))
    with pytest.raises(SpecError, match=rf"spec\.yaml: invalid dataset spec: field 'generator\.params': {said}"):
        build_definitions([spec], home=str(tmp_path / "home"))


def test_the_demo_specs_parameters_are_all_known(tmp_path):
    from pipelines.factory import build_definitions

    build_definitions([load_spec(DEMO_SPEC)], home=str(tmp_path / "home"))
