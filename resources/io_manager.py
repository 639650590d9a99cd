import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl

from twinforge.io.datasets import ParquetDataset, replace_dataset
from twinforge.io.permissions import make_private, private_mkdir, write_private, write_private_text
from twinforge.io.state import StateLayout

# The IO manager of the small dict results ops pass each other inside a graph-backed asset (a sampling part).
STEP_IO_MANAGER = "step_io_manager"


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores polars tables as Parquet and small dict results as JSON under ``<home>/data``; a verified
    :class:`~twinforge.io.datasets.ParquetDataset` (a folder of parts) is moved to ``<asset>/``, replacing
    the previous value, and read back as one LazyFrame (its consumers read it in slices or a sample).

    A partitioned asset gets one file per partition (``<asset>/<partition>.parquet``); an
    asset reading a partitioned one always receives ``{partition: LazyFrame}`` (or the dict, for
    a dict result) for the requested partitions that have been materialized, so it can choose
    which to read.
    Every file is owner-only (0600, folders 0700) whatever the umask; ``private`` marks the stores
    of raw data and quarantined rows.
    """

    home: str = ""
    private: bool = False

    def _base(self, asset_key: dg.AssetKey, partition_key: str | None) -> Path:
        base = StateLayout.at(self.home or None).data_dir.joinpath(*asset_key.path)
        return base / partition_key if partition_key else base

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        # the asset's own partitioning decides the path, not the run's partition key
        partition = context.asset_partition_key if context.has_asset_partitions else None
        base = self._base(context.asset_key, partition)
        private_mkdir(base.parent)
        write_private_text(run_mark(base), context.run_id)  # before the value: a reader sees no stale mark
        if isinstance(obj, pl.DataFrame):
            path = base.with_suffix(".parquet")
            write_private(path, obj.write_parquet)  # whole or not at all: a step killed half way tears nothing
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "rows": obj.height})
            if base.is_dir():  # a dataset stored before under this key
                shutil.rmtree(base)
        elif isinstance(obj, ParquetDataset):
            path = replace_dataset(obj.folder, base)
            base.with_suffix(".parquet").unlink(missing_ok=True)  # a single file stored before under this key
            context.add_output_metadata(
                {"path": dg.MetadataValue.path(str(path)), "rows": obj.rows, "parquet_parts": obj.parts}
            )
        elif isinstance(obj, dict):
            path = base.with_suffix(".json")
            write_private_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})
        else:
            raise TypeError(
                f"asset {context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "this IO manager stores polars DataFrames, Parquet datasets and dicts"
            )
        make_private(path)

    def load_input(self, context: dg.InputContext):
        if context.has_asset_partitions:
            found = {}
            for key in context.asset_partition_keys:
                base = self._base(context.asset_key, key)
                if base.is_dir():  # a partition stored as a dataset folder (a daily twin)
                    found[key] = pl.scan_parquet(base)
                elif base.with_suffix(".parquet").is_file():
                    found[key] = pl.scan_parquet(base.with_suffix(".parquet"))
                elif base.with_suffix(".json").is_file():  # a partitioned dict result (a daily report)
                    found[key] = json.loads(base.with_suffix(".json").read_text())
            return found
        base = self._base(context.asset_key, None)
        _check_same_run(context, base)
        if base.is_dir():
            return pl.scan_parquet(base)  # a dataset folder may not fit in memory: consumers read it lazily
        for suffix, reader in ((".parquet", pl.read_parquet), (".json", lambda p: json.loads(p.read_text()))):
            path = base.with_suffix(suffix)
            if path.is_file():
                return reader(path)
        raise FileNotFoundError(
            f"no stored value for asset {context.asset_key.to_user_string()} at {base}.*: materialize it first"
        )


def run_mark(base: Path) -> Path:
    """The file beside a stored value that names the run that wrote it last."""
    return base.parent / f"{base.name}.run"


def _check_same_run(context: dg.InputContext, base: Path) -> None:
    """Refuse to hand a step a value its own run wrote if another run has written it since (two runs of
    one dataset at once, outside the daemon's queue): the step would judge or promote the other run's rows.
    Values from earlier runs (a job that reads what another job stored) and partitions (batches, each
    written once) are not checked."""
    try:
        current, producer = context.step_context.run_id, context.upstream_output.run_id
    except Exception:  # noqa: BLE001 - no run (a test's input context): nothing to compare
        return
    if producer != current:
        return
    mark = run_mark(base)
    written_by = mark.read_text().strip() if mark.is_file() else None
    if written_by != current:
        raise RuntimeError(
            f"asset {context.asset_key.to_user_string()} was written by this run ({current}) and since replaced by "
            f"{'run ' + written_by if written_by else 'another writer'}: two runs of this dataset ran at once, so "
            "this run stops rather than judge or promote rows it did not make (run one at a time: the daemon's "
            "queue does)"
        )


class StepIOManager(dg.ConfigurableIOManager):
    """Stores the dict results ops pass each other inside a graph-backed asset as JSON files under
    ``<home>/steps/<run id>/``: any worker with the shared state folder reads them, and nothing is pickled.
    They hold plans and counts, never rows."""

    home: str = ""

    def _path(self, identifier: list[str]) -> Path:
        run_id, *rest = identifier
        return StateLayout.at(self.home or None).steps_dir / run_id / f"{'.'.join(rest)}.json"

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        if not isinstance(obj, dict):
            raise TypeError(f"step {context.step_key} returned {type(obj).__name__}; this IO manager stores dicts")
        path = self._path(context.get_identifier())
        private_mkdir(path.parent)
        write_private_text(path, json.dumps(obj, sort_keys=True))

    def load_input(self, context: dg.InputContext):
        return json.loads(self._path(context.upstream_output.get_identifier()).read_text())
