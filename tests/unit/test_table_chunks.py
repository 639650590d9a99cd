"""Writing a table a chunk at a time: every row once, in order, types kept, nothing left behind on failure."""

import threading

import polars as pl
import pyarrow.parquet as pq
import pytest

from twinforge.io.tables import read_table, write_table_chunks


def _chunks(count: int, rows: int = 1000):
    for i in range(count):
        start = i * rows
        yield pl.DataFrame(
            {
                "id": pl.int_range(start, start + rows, eager=True),
                "group": pl.Series([f"g{v % 7}" for v in range(start, start + rows)], dtype=pl.Categorical),
                # null in the whole first chunk, numbers later
                "late": pl.Series([None if i == 0 else float(v) for v in range(start, start + rows)], dtype=pl.Float64),
            }
        )


@pytest.mark.parametrize("name", ["out.parquet", "out.csv", "out.csv.gz", "out.jsonl"])
def test_every_chunk_is_written_once_in_order(tmp_path, name):
    assert write_table_chunks(_chunks(5), tmp_path / name) == 5000
    table = read_table(tmp_path / name)
    assert table.height == 5000
    assert table["id"].to_list() == list(range(5000))
    assert table["late"].null_count() == 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_parquet_gets_a_row_group_per_chunk(tmp_path):
    write_table_chunks(_chunks(4, rows=500), tmp_path / "out.parquet")
    metadata = pq.ParquetFile(tmp_path / "out.parquet").metadata
    assert metadata.num_row_groups == 4 and metadata.num_rows == 2000


def test_a_failure_while_making_chunks_leaves_no_file(tmp_path):
    def failing():
        yield from _chunks(2)
        raise RuntimeError("the generator broke")

    with pytest.raises(RuntimeError, match="the generator broke"):
        write_table_chunks(failing(), tmp_path / "out.parquet")
    assert list(tmp_path.iterdir()) == []


def test_the_next_chunk_is_made_while_one_is_written_and_a_failed_write_stops_the_making(tmp_path, monkeypatch):
    from twinforge.io import tables

    events = []
    write = tables._ChunkWriter.write

    def slow_write(self, chunk):
        threading.Event().wait(0.2)
        write(self, chunk)
        events.append(f"written {chunk['id'][0]}")

    def watched():
        for chunk in _chunks(4):
            events.append(f"made {chunk['id'][0]}")
            yield chunk

    monkeypatch.setattr(tables._ChunkWriter, "write", slow_write)
    assert write_table_chunks(watched(), tmp_path / "out.parquet") == 4000
    for first, second in ((0, 1000), (1000, 2000), (2000, 3000)):  # the next chunk is made before one is written
        assert events.index(f"made {second}") < events.index(f"written {first}")
    monkeypatch.undo()

    def mismatched_then_more():
        yield pl.DataFrame({"a": [1, 2]})
        yield pl.DataFrame({"a": ["secret-value", "x"]})
        made.extend(["third"])
        yield pl.DataFrame({"a": [3]})
        made.extend(["fourth"])
        yield pl.DataFrame({"a": [4]})

    made: list[str] = []
    with pytest.raises(ValueError, match=r"bad\.parquet.*a: .*first chunk"):
        write_table_chunks(mismatched_then_more(), tmp_path / "bad.parquet")
    assert made == ["third"]  # the failed write is noticed before another chunk is made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def test_a_chunk_with_other_columns_fails_naming_the_file_and_not_the_values(tmp_path):
    def mismatched():
        yield pl.DataFrame({"a": [1, 2]})
        yield pl.DataFrame({"a": ["secret-value", "x"]})

    with pytest.raises(ValueError, match=r"out\.parquet.*a: .*first chunk") as error:
        write_table_chunks(mismatched(), tmp_path / "out.parquet")
    assert "secret-value" not in str(error.value)
    with pytest.raises(ValueError, match=r"out\.csv.*columns \['b'\]"):
        write_table_chunks([pl.DataFrame({"a": [1]}), pl.DataFrame({"b": [1]})], tmp_path / "out.csv")
    with pytest.raises(ValueError, match="no chunks"):
        write_table_chunks([], tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_list_columns_go_to_parquet_and_json_lines_and_csv_refuses_them_by_name(tmp_path):
    table = pl.DataFrame({"id": [1, 2], "tags": [["a", "b"], []], "log": [[{"at": "x"}], None]})
    for name in ("out.parquet", "out.jsonl"):
        write_table_chunks([table], tmp_path / name)
        assert read_table(tmp_path / name).equals(table)
    with pytest.raises(ValueError, match=r"out\.csv.*CSV cannot hold the list or struct columns \['tags', 'log'\]"):
        write_table_chunks([table], tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "out.parquet"]


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz"])
def test_durations_are_written_to_csv_as_iso_8601_as_json_lines_writes_them(tmp_path, name):
    """Reproduced: ``synth --out twin.csv`` on a table with a duration column failed after the whole fit, with
    polars' "datatype duration[μs] cannot be written to CSV"."""
    import datetime as dt

    waits = [dt.timedelta(seconds=23160), None, dt.timedelta(days=2, microseconds=5)]
    table = pl.DataFrame({"id": [1, 2, 3], "wait": waits}).with_columns(ms=pl.col("wait").cast(pl.Duration("ms")))
    assert write_table_chunks([table.head(2), table.tail(1)], tmp_path / name) == 3
    back = pl.read_csv(tmp_path / name)
    assert back["wait"].to_list() == ["PT6H26M", None, "P2DT0.000005S"]
    assert back["ms"].to_list() == ["PT6H26M", None, "P2D"]
