"""A real PostgreSQL server (from the system's postgresql package), started for these tests."""

import polars as pl
import pytest

from pipelines.prod import MissingSystemPackage, free_port, temporary_postgres
from twinforge.config.spec import ColumnPolicy, IngestSpec, SourceSpec
from twinforge.io.ingest import IngestError, ingest_source


@pytest.fixture(scope="module")
def postgres_url():
    try:
        with temporary_postgres() as server:
            yield server.url()
    except MissingSystemPackage as missing:
        pytest.skip(f"{missing} (.ci/run installs it)")


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
    port = free_port()
    with pytest.raises(IngestError) as err:
        ingest_source(SourceSpec(url=f"postgresql://someone:s3cret@127.0.0.1:{port}/db", table="t"))
    assert "s3cret" not in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
    with pytest.raises(IngestError, match="'NO_SUCH_VAR'"):
        ingest_source(SourceSpec(url_env="NO_SUCH_VAR", format="postgres", table="t"))
