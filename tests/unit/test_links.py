"""Links of the audit trail: MLflow and Dagster UI pages, report files."""

import pytest

from twinforge.tracking.links import DAGSTER_UI_ENV, MLFLOW_UI_ENV, DagsterLinks, MlflowLinks, file_url


def test_mlflow_links_follow_the_ui_routes_of_the_pinned_mlflow(monkeypatch):
    monkeypatch.delenv(MLFLOW_UI_ENV, raising=False)
    links = MlflowLinks.at()
    assert links.base == "http://127.0.0.1:5000"  # what `make mlflow-ui` serves
    assert links.run("3", "abc123") == "http://127.0.0.1:5000/#/experiments/3/runs/abc123"
    assert links.model_version("twinforge-covid testing", "7") == (
        "http://127.0.0.1:5000/#/models/twinforge-covid%20testing/versions/7"
    )
    assert links.run_artifact("3", "abc123", "reports/quality.html") == (
        "http://127.0.0.1:5000/#/experiments/3/runs/abc123/artifactPath/reports/quality.html"
    )


def test_ui_base_urls_come_from_config_then_environment(monkeypatch):
    monkeypatch.setenv(MLFLOW_UI_ENV, "https://mlflow.example.org/")
    monkeypatch.setenv(DAGSTER_UI_ENV, "https://dagster.example.org")
    assert MlflowLinks.at().run("1", "r") == "https://mlflow.example.org/#/experiments/1/runs/r"
    assert MlflowLinks.at("http://other:5001").base == "http://other:5001"
    assert DagsterLinks.at().run("run-1") == "https://dagster.example.org/runs/run-1"
    monkeypatch.delenv(DAGSTER_UI_ENV)
    assert DagsterLinks.at().run("run-1") == "http://127.0.0.1:3000/runs/run-1"


def test_a_base_url_that_is_not_http_is_refused_naming_its_source(monkeypatch):
    monkeypatch.setenv(MLFLOW_UI_ENV, "127.0.0.1:5000")
    with pytest.raises(ValueError, match=MLFLOW_UI_ENV):
        MlflowLinks.at()


def test_file_url_is_an_absolute_file_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert file_url("reports/quality report.html") == f"file://{tmp_path}/reports/quality%20report.html"
