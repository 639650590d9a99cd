import json
from pathlib import Path

import dagster as dg
import polars as pl

from twinforge.paths import StateLayout


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores polars tables as Parquet and small dict results as JSON under ``<home>/data``."""

    home: str = ""

    def _base(self, asset_key: dg.AssetKey, partition_key: str | None) -> Path:
        base = StateLayout.at(self.home or None).data_dir.joinpath(*asset_key.path)
        return base / partition_key if partition_key else base

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        base = self._base(context.asset_key, context.partition_key if context.has_partition_key else None)
        base.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(obj, pl.DataFrame):
            path = base.with_suffix(".parquet")
            obj.write_parquet(path)
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "rows": obj.height})
        elif isinstance(obj, dict):
            path = base.with_suffix(".json")
            path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})
        else:
            raise TypeError(
                f"asset {context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "this IO manager stores polars DataFrames and dicts"
            )

    def load_input(self, context: dg.InputContext):
        base = self._base(context.asset_key, context.partition_key if context.has_partition_key else None)
        for suffix, reader in ((".parquet", pl.read_parquet), (".json", lambda p: json.loads(p.read_text()))):
            path = base.with_suffix(suffix)
            if path.is_file():
                return reader(path)
        raise FileNotFoundError(
            f"no stored value for asset {context.asset_key.to_user_string()} at {base}.*: "
            "materialize it first"
        )
