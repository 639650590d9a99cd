"""The production profile's configuration, without starting a server: the instance file keeps the local
instance's run queue and monitoring and moves storage to PostgreSQL; the executor and MLflow settings
follow the environment."""

import os
from pathlib import Path

import pytest
import yaml

from pipelines.factory import CELERY_BACKEND_ENV, CELERY_BROKER_ENV, EXECUTOR_ENV, build_definitions
from pipelines.prod import (
    BASE_INSTANCE,
    DAGSTER_POSTGRES_URL_ENV,
    ProdProfile,
    ServiceError,
    main,
    process_command,
    render_instance_config,
    spawn,
    stop_process,
    wait_until,
)
from resources import MlflowResource
from tests.conftest import DEMO_SPEC
from twinforge.config.spec import load_specs
from twinforge.io.batches import landing_dir
from twinforge.io.state import TRACKING_URI_ENV, StateLayout
from twinforge.processes import pid_alive


def test_prod_instance_keeps_the_run_queue_and_stores_in_postgres():
    base, prod = yaml.safe_load(BASE_INSTANCE.read_text()), render_instance_config()
    for key in ("concurrency", "run_monitoring", "telemetry"):
        assert prod[key] == base[key]
    assert prod["storage"] == {"postgres": {"postgres_url": {"env": DAGSTER_POSTGRES_URL_ENV}}}
    assert "storage" not in base  # the local instance stays on SQLite


def test_tracking_uri_comes_from_the_environment_when_not_given(tmp_path, monkeypatch):
    layout = StateLayout.at(tmp_path)
    monkeypatch.delenv(TRACKING_URI_ENV, raising=False)
    assert layout.tracking_uri() == f"sqlite:///{tmp_path / 'mlflow.db'}"
    resource = MlflowResource(home=str(tmp_path))
    assert resource.artifact_root == tmp_path / "mlartifacts"
    monkeypatch.setenv(TRACKING_URI_ENV, "http://127.0.0.1:5999")
    assert layout.tracking_uri() == "http://127.0.0.1:5999"
    assert layout.tracking_uri("sqlite:///elsewhere.db") == "sqlite:///elsewhere.db"  # an explicit URI wins
    assert resource.uri == "http://127.0.0.1:5999"
    assert resource.artifact_root is None  # the server decides where artifacts go


def test_celery_executor_takes_broker_and_backend_from_the_environment(monkeypatch):
    monkeypatch.setenv(EXECUTOR_ENV, "celery")
    monkeypatch.setenv(CELERY_BROKER_ENV, "redis://127.0.0.1:6390/0")
    monkeypatch.setenv(CELERY_BACKEND_ENV, "redis://127.0.0.1:6390/1")
    defs = build_definitions(load_specs(DEMO_SPEC.parent))
    job = defs.resolve_job_def("covid_testing_retrain")
    assert job.executor_def.name == "celery"
    monkeypatch.setenv(EXECUTOR_ENV, "kubernetes")
    with pytest.raises(ValueError, match="TWINFORGE_EXECUTOR='kubernetes'"):
        build_definitions(load_specs(DEMO_SPEC.parent))


def test_stop_process_stops_only_the_process_it_was_told_about(tmp_path):
    proc = spawn(["sleep", "120"], tmp_path / "sleep.log", dict(os.environ), cwd=tmp_path)
    try:
        # the kernel fills in /proc/PID/cmdline a moment after exec returns to Popen: wait for it
        wait_until(lambda: "sleep" in process_command(proc.pid), 30, "sleep's command line")
        # a recorded PID now running another command (recycled) is left alone
        assert stop_process(proc.pid, "dagster-webserver", group=True) is False
        assert pid_alive(proc.pid)
        assert stop_process(proc.pid, "sleep", group=True, timeout=10) is True
        proc.wait(timeout=10)
        assert not pid_alive(proc.pid)
        assert stop_process(proc.pid, "sleep", group=True) is False  # already gone
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_prod_profile_has_a_state_folder_of_its_own(tmp_path):
    """`make prod-up` after `make run`: the production processes must never write the dev profile's data,
    reports, models, landing files or Dagster instance (two pipelines, two registries, one set of files)."""
    dev = StateLayout.at(tmp_path)
    profile = ProdProfile.at(tmp_path)
    env = profile.env(state={}, base={"TWINFORGE_HOME": str(tmp_path), "DAGSTER_HOME": str(dev.dagster_home)})
    prod = StateLayout.at(env["TWINFORGE_HOME"])
    assert prod.home == profile.state_home
    assert prod.home.is_relative_to(profile.root)  # under $TWINFORGE_HOME/prod, as docs/production.md says
    dev_folders = [dev.data_dir, dev.reports_dir, dev.models_dir, dev.mlflow_artifacts, landing_dir(dev, "x").parent]
    prod_folders = [prod.data_dir, prod.reports_dir, prod.models_dir, prod.mlflow_artifacts, landing_dir(prod, "x")]
    for folder in [*prod_folders, prod.retrain_lock("x"), Path(env["DAGSTER_HOME"])]:
        assert not any(folder.is_relative_to(d) for d in [*dev_folders, dev.dagster_home]), folder
    assert Path(env["DAGSTER_HOME"]) == profile.dagster_home
    # the code location the webserver, the daemon and the runs load resolves its state folder from TWINFORGE_HOME
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TWINFORGE_HOME", env["TWINFORGE_HOME"])
        assert StateLayout.at().home == profile.state_home
    # `python -m pipelines.prod env` points a shell's `twinforge status`/`batches` at the same folder
    assert "export TWINFORGE_HOME=" + str(profile.state_home) in _env_lines(profile)


def _env_lines(profile) -> str:
    import contextlib
    import io
    from unittest import mock

    out = io.StringIO()
    with mock.patch.object(ProdProfile, "running", return_value={"postgres": {}}), contextlib.redirect_stdout(out):
        assert main(["env", "--home", str(profile.home)]) == 0
    return out.getvalue()


def test_a_profile_made_when_it_wrote_into_the_dev_state_folder_is_not_reused(tmp_path, monkeypatch):
    """Its PostgreSQL records runs and versions whose files are in the dev profile's folder: `up` says so and
    what to remove, and starts nothing."""
    import pipelines.prod

    monkeypatch.setattr(pipelines.prod, "restrict_umask", lambda: None)  # this test process's umask stays
    monkeypatch.setattr(ProdProfile, "postgres_data", property(lambda self: self.root / "postgres"))  # not as root
    profile = ProdProfile.at(tmp_path)
    (profile.root / "postgres").mkdir(parents=True)
    (profile.root / "postgres" / "PG_VERSION").write_text("16\n")
    with pytest.raises(ServiceError, match=f"made by an earlier twinforge.*remove {profile.root / 'postgres'}"):
        profile.up()
    assert not profile.state_home.exists() and not profile.state_file.exists()
