"""Measurement: what DuckDB's CSV reader (with ``store_rejects``) and twinforge's reader keep of a CSV
with one stray quote, with and without a properly quoted value further down.

    python benchmarks/csv_stray_quote.py

Each file has 400 records; record 5 (line 6) opens a quote it never closes. The second file also
quotes record 9's name because it holds a comma. Prints records kept, rejects, and record 9's name.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLUMNS = "{'id': 'VARCHAR', 'name': 'VARCHAR', 'income': 'VARCHAR', 'city': 'VARCHAR'}"
DIALECTS = {
    "dialect given": f"delim=',', quote='\"', escape='\"', auto_detect=false, columns={COLUMNS}, ",
    "sniffed": "",
}


def people(broken: dict[int, str]) -> str:
    lines = ["id,name,income,city"]
    lines += [broken.get(i, f"{i},P{i},{20_000 + 37 * i},C{i % 4}") for i in range(1, 401)]
    return "\n".join(lines) + "\n"


def main() -> int:
    import duckdb
    import polars as pl

    from twinforge.config.spec import IngestSpec, SourceSpec
    from twinforge.io.ingest import ingest_source

    files = {
        "stray quote": {5: '5,"P5,20185,C1'},
        "stray quote + quoted comma": {5: '5,"P5,20185,C1', 9: '9,"Smith, Ann",20333,C1'},
    }
    print(f"duckdb {duckdb.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, broken in files.items():
            path = Path(tmp) / "people.csv"
            path.write_text(people(broken))
            for dialect, options in DIALECTS.items():
                for strict in ("true", "false"):
                    with duckdb.connect() as conn:
                        frame = conn.sql(
                            f"select * from read_csv('{path}', header=true, all_varchar=true, {options}"
                            f"store_rejects=true, strict_mode={strict})"
                        ).pl()
                        rejects = conn.sql("select line, error_type from reject_errors").fetchall()
                    nine = frame.filter(pl.col("id") == "9")["name"].to_list() if "id" in frame.columns else []
                    print(
                        f"{label:<28} duckdb {dialect}, strict_mode={strict}: kept {frame.height}, "
                        f"rejects {rejects}, record 9 name {nine}"
                    )
            ours = ingest_source(SourceSpec(path=path), {}, IngestSpec(on_bad_rows="quarantine"))
            nine = ours.table.filter(pl.col("id") == 9)["name"].to_list()
            lines = ours.quarantine["line"].to_list()
            print(f"{label:<28} twinforge: {ours.counts()}, quarantined lines {lines}, record 9 name {nine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
