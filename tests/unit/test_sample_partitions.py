"""A large sample in parts: the plan, deterministic part seeds, one Parquet dataset, and a verify that fails closed."""

import os

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.conftest import file_mode
from twinforge import Synthesizer
from twinforge.generators import create_generator
from twinforge.generators.partitions import PartitionError, SamplePlan, verify_parts, write_part
from twinforge.io.datasets import DatasetError, bounded_rows, part_path, replace_dataset, verify_dataset
from twinforge.io.schema import infer_schema


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    n = 2000
    return pl.DataFrame(
        {
            "amount": rng.normal(100, 15, n),
            "group": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]).tolist(),
            "flag": (rng.random(n) < 0.3).tolist(),
        }
    )


@pytest.fixture(scope="module")
def copula(table):
    return create_generator("copula", seed=0).fit(table, infer_schema(table))


def _write_all(generator, plan, folder, order=None, **kwargs):
    for index in order if order is not None else range(plan.part_count):
        write_part(generator, plan, index, folder, **kwargs)
    return verify_parts(folder, plan)


def test_the_plan_splits_rows_into_near_equal_parts_with_their_own_seeds():
    plan = SamplePlan(rows=10, seed=7, partition_rows=4)
    parts = plan.parts
    assert plan.part_count == 3
    assert [p.index for p in parts] == [0, 1, 2]
    assert [p.rows for p in parts] == [4, 3, 3] and sum(p.rows for p in parts) == 10
    assert len({p.seed for p in parts}) == 3 and 7 not in {p.seed for p in parts}
    assert SamplePlan(rows=10, seed=7, partition_rows=4).parts == parts  # the plan alone decides
    assert {p.seed for p in SamplePlan(rows=10, seed=8, partition_rows=4).parts}.isdisjoint(p.seed for p in parts)
    assert SamplePlan.from_dict(plan.to_dict()) == plan


def test_rows_up_to_the_threshold_are_one_part_with_the_samples_own_seed():
    assert SamplePlan(rows=5, seed=11, partition_rows=5).parts == [SamplePlan(5, 11, 5).part(0)]
    assert SamplePlan(rows=5, seed=11, partition_rows=5).part(0).seed == 11
    assert SamplePlan(rows=6, seed=11, partition_rows=5).part_count == 2


@pytest.mark.parametrize("field", ["rows", "partition_rows"])
@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_a_plan_needs_positive_integer_sizes(field, value):
    sizes = {"rows": 10, "partition_rows": 4, field: value}
    with pytest.raises(ValueError, match=field):
        SamplePlan(seed=0, **sizes)


def test_a_part_outside_the_plan_is_refused():
    with pytest.raises(ValueError, match="part 3 is not in a plan of 3 parts"):
        SamplePlan(rows=10, seed=0, partition_rows=4).part(3)


def test_one_part_is_exactly_what_the_generator_samples_with_that_seed(copula, tmp_path):
    plan = SamplePlan(rows=700, seed=5, partition_rows=1000)
    dataset = _write_all(copula, plan, tmp_path / "ds")
    assert (dataset.rows, dataset.parts) == (700, 1)
    assert pl.scan_parquet(tmp_path / "ds").collect().equals(copula.sample(700, seed=5))


def test_the_parts_form_one_dataset_the_same_whatever_order_they_were_written_in(copula, tmp_path):
    plan = SamplePlan(rows=1000, seed=5, partition_rows=400)
    forward = _write_all(copula, plan, tmp_path / "forward")
    _write_all(copula, plan, tmp_path / "backward", order=[2, 0, 1])
    assert (forward.rows, forward.parts) == (1000, 3)
    a, b = pl.scan_parquet(tmp_path / "forward").collect(), pl.scan_parquet(tmp_path / "backward").collect()
    assert a.height == 1000 and a.equals(b)
    # each part holds its own seed's rows, in part order
    for part in plan.parts:
        start = sum(p.rows for p in plan.parts[: part.index])
        assert a.slice(start, part.rows).equals(copula.sample(part.rows, seed=part.seed))
    assert not a.slice(0, 300).equals(a.slice(334, 300))  # parts are not copies of each other


def test_part_files_are_owner_only(copula, tmp_path, umask_022):
    path = write_part(copula, SamplePlan(rows=50, seed=0, partition_rows=50), 0, tmp_path / "ds")
    assert path == part_path(tmp_path / "ds", 0)
    assert file_mode(path) == 0o600 and file_mode(tmp_path / "ds") == 0o700


def test_conditions_hold_in_every_part(copula, tmp_path):
    plan = SamplePlan(rows=600, seed=1, partition_rows=250)
    _write_all(copula, plan, tmp_path / "ds", conditions={"group": "b"}, rebalance={"flag": {True: 0.5}})
    sample = pl.scan_parquet(tmp_path / "ds").collect()
    assert sample.height == 600 and (sample["group"] == "b").all()
    # rebalanced counts are exact within each part: 100 + 100 + 100 of 600
    assert sample["flag"].sum() == 300


def test_progress_counts_rows_of_the_part(copula, tmp_path):
    seen = []
    write_part(
        copula, SamplePlan(rows=900, seed=0, partition_rows=500), 1, tmp_path, progress=lambda d, t: seen.append((d, t))
    )
    assert seen and seen[-1] == (450, 450)


def _three_part_dataset(copula, folder):
    plan = SamplePlan(rows=300, seed=2, partition_rows=100)
    _write_all(copula, plan, folder)
    return plan


def test_verify_catches_a_missing_part(copula, tmp_path):
    plan = _three_part_dataset(copula, tmp_path)
    part_path(tmp_path, 1).unlink()
    with pytest.raises(DatasetError, match=r"missing parts \['part-00001.parquet'\]"):
        verify_parts(tmp_path, plan)


def test_verify_catches_a_short_part(copula, tmp_path):
    plan = _three_part_dataset(copula, tmp_path)
    short = pl.read_parquet(part_path(tmp_path, 2)).head(99)
    short.write_parquet(part_path(tmp_path, 2))
    with pytest.raises(DatasetError, match="part-00002.parquet has 99 rows, the plan 100"):
        verify_parts(tmp_path, plan)


def test_verify_catches_extra_files_unreadable_parts_and_other_schemas(copula, tmp_path):
    plan = _three_part_dataset(copula, tmp_path)
    (tmp_path / ".part-00003.parquet.partial").write_bytes(b"half")
    with pytest.raises(DatasetError, match=r"unexpected files \['.part-00003.parquet.partial'\]"):
        verify_parts(tmp_path, plan)
    (tmp_path / ".part-00003.parquet.partial").unlink()
    part_path(tmp_path, 0).write_bytes(b"not parquet")
    with pytest.raises(DatasetError, match="part-00000.parquet is not a readable Parquet file"):
        verify_parts(tmp_path, plan)
    pl.read_parquet(part_path(tmp_path, 1)).write_parquet(part_path(tmp_path, 0))
    pl.read_parquet(part_path(tmp_path, 2)).drop("flag").write_parquet(part_path(tmp_path, 2))
    with pytest.raises(DatasetError, match="part-00002.parquet has other columns or types") as error:
        verify_parts(tmp_path, plan)
    assert "part-00000" not in str(error.value) and "part-00001" not in str(error.value)


def test_verify_names_files_and_counts_never_values(copula, tmp_path):
    plan = _three_part_dataset(copula, tmp_path)
    values = pl.read_parquet(part_path(tmp_path, 2))
    values.head(10).write_parquet(part_path(tmp_path, 2))
    with pytest.raises(DatasetError) as error:
        verify_parts(tmp_path, plan)
    assert str(values["amount"][0])[:6] not in str(error.value)


def test_a_folder_that_was_never_written_fails(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        verify_dataset(tmp_path / "nothing", [10])


def test_a_model_with_a_unique_rule_refuses_several_parts_but_samples_one(table, tmp_path):
    keyed = table.with_columns(pl.int_range(1, table.height + 1).alias("order_id"))
    generator = Synthesizer("copula").fit(keyed, rules=[{"unique": ["order_id"]}]).generator
    with pytest.raises(PartitionError, match="sampling.partition_rows"):
        write_part(generator, SamplePlan(rows=200, seed=0, partition_rows=100), 0, tmp_path / "many")
    assert not part_path(tmp_path / "many", 0).exists()
    write_part(generator, SamplePlan(rows=200, seed=0, partition_rows=200), 0, tmp_path / "one")
    assert pl.read_parquet(part_path(tmp_path / "one", 0))["order_id"].n_unique() == 200


def test_replace_dataset_moves_the_folder_over_the_previous_one(copula, tmp_path):
    old, new, target = tmp_path / "old", tmp_path / "new", tmp_path / "data" / "synthetic"
    _write_all(copula, SamplePlan(rows=20, seed=0, partition_rows=10), old)
    _write_all(copula, SamplePlan(rows=30, seed=1, partition_rows=30), new)
    target.parent.mkdir()
    replace_dataset(old, target)
    assert pq.read_metadata(part_path(target, 1)).num_rows == 10
    replace_dataset(new, target)
    assert sorted(os.listdir(target)) == ["part-00000.parquet"]
    assert pl.scan_parquet(target).collect().height == 30
    assert sorted(os.listdir(tmp_path / "data")) == ["synthetic"] and not new.exists()


def test_bounded_rows_reads_a_small_table_whole_and_a_large_one_as_a_seeded_sample(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    for index in range(3):
        pl.DataFrame({"row": range(index * 400, (index + 1) * 400)}).write_parquet(part_path(folder, index))
    lazy = pl.scan_parquet(folder)
    whole, rows = bounded_rows(lazy, 1200, seed=0)
    assert rows == 1200 and whole.get_column("row").to_list() == list(range(1200))
    sample, rows = bounded_rows(lazy, 500, seed=7)
    values = sample.get_column("row").to_list()
    assert rows == 1200 and len(values) == len(set(values)) == 500 and values == sorted(values)
    assert max(values) >= 800 and min(values) < 400  # drawn from every part, not the first rows
    assert bounded_rows(lazy, 500, seed=7)[0].equals(sample)
    assert not bounded_rows(lazy, 500, seed=8)[0].equals(sample)
