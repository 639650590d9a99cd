"""`make run`'s summary of a run stopped before its quality report (Ctrl-C, SIGTERM, a step failure).

Reproduced: SIGTERM during the generator's training printed `quality report: - (fidelity -; gates failed: ?)` and
`model: twinforge-covid_testing version ?`: no gate had been evaluated, none had failed, and no version existed."""

import uuid

import dagster as dg

from pipelines.demo import summarize


def test_a_run_stopped_before_the_quality_report_does_not_say_gates_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINFORGE_HOME", str(tmp_path))
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        run = instance.add_run(
            dg.DagsterRun(
                job_name="covid_testing_retrain", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.FAILURE
            )
        )
        lines = summarize(
            instance, run, "covid_testing", f"sqlite:///{tmp_path / 'mlflow.db'}", "twinforge-covid_testing"
        )
    text = "\n".join(lines)
    assert "run FAILED" in lines[0]
    assert "gates failed" not in text and "version ?" not in text
    (quality,) = [line for line in lines if line.startswith("  quality report:")]
    assert "gates not evaluated" in quality
    (model,) = [line for line in lines if line.startswith("  model:")]
    assert "no version registered" in model
