"""A real PostgreSQL server (from the system's postgresql package), started for these tests."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import polars as pl
import pytest

from twinforge.config.spec import ColumnPolicy, IngestSpec, SourceSpec
from twinforge.io.ingest import IngestError, ingest_source


def _pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does it)")
    # postgres refuses to run as root: run the server as the 'postgres' system user when we are root
    as_user = []
    if os.geteuid() == 0:
        user = "postgres" if shutil.which("runuser") and _user_exists("postgres") else None
        if user is None:
            pytest.skip("running as root and no 'postgres' user to run the server as")
        as_user = ["runuser", "-u", user, "--"]
    folder = Path(tempfile.mkdtemp(prefix="twinforge-pg-"))
    os.chmod(folder, 0o755)
    if as_user:
        shutil.chown(folder, user="postgres")
    data, port = folder / "data", _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True, timeout=120)
    run(initdb, "-D", str(data), "-U", "twinforge", "--auth=trust", "-E", "UTF8")
    run(
        pg_ctl,
        "-D",
        str(data),
        "-l",
        str(folder / "server.log"),
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
        "start",
    )
    url = f"postgresql://twinforge@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def patients(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "create table patients (id serial primary key, email text, age text, balance numeric(10,2), seen date)"
        )
        conn.execute(
            "insert into patients (email, age, balance, seen) values "
            "('ana@example.org', '34', 10.50, '2024-01-02'), ('bo@example.org', 'n/a', 3.25, '2024-02-03'), "
            "('cy@example.org', '51', null, null)"
        )
    return postgres_url


def test_reads_a_postgres_table_and_query(patients, monkeypatch):
    result = ingest_source(SourceSpec(url=patients, table="patients"))
    assert result.format == "postgres" and result.rows_in == 3
    assert result.table.schema["balance"] == pl.Float64 and result.table.schema["seen"] == pl.Date
    assert result.source == patients  # no password to hide here; see below
    monkeypatch.setenv("PATIENTS_DB", patients)
    source = SourceSpec(url_env="PATIENTS_DB", format="postgres", query="select id, age from patients order by id")
    typed = ingest_source(source, {"age": ColumnPolicy(kind="integer")}, IngestSpec(on_bad_rows="quarantine"))
    assert (typed.rows_out, typed.rows_quarantined) == (2, 1)
    assert typed.quarantine.select("row", "column").to_dicts() == [{"row": 2, "column": "age"}]


def test_postgres_errors_name_the_database_without_the_password(patients):
    with pytest.raises(IngestError, match="query failed") as err:
        ingest_source(SourceSpec(url=patients, table="missing_table"))
    assert "missing_table" in str(err.value)  # names of tables and columns are kept ...
    with pytest.raises(IngestError, match="query failed") as err:
        ingest_source(SourceSpec(url=patients, query="select cast('Zyxwv-Sentinel' as integer) as n"))
    assert "Zyxwv-Sentinel" not in str(err.value)  # ... values the server quotes are not
    port = _free_port()
    with pytest.raises(IngestError) as err:
        ingest_source(SourceSpec(url=f"postgresql://someone:s3cret@127.0.0.1:{port}/db", table="t"))
    assert "s3cret" not in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
    with pytest.raises(IngestError, match="'NO_SUCH_VAR'"):
        ingest_source(SourceSpec(url_env="NO_SUCH_VAR", format="postgres", table="t"))
