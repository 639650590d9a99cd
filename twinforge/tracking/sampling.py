"""Sample from a registered generator version (MLflow registry), the way the pipeline does."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from twinforge.generators import load_generator
from twinforge.generators.base import SampleProgress
from twinforge.generators.partitions import SamplePlan, verify_parts, write_part
from twinforge.io.datasets import ParquetDataset
from twinforge.tracking.registry import download_generator, get_model_version, get_run_params, scratch_dir


def sample_registered_part(
    tracking_uri: str,
    model_name: str,
    version: str,
    plan: SamplePlan,
    index: int,
    folder: str | os.PathLike,
    *,
    conditions: dict | None = None,
    rebalance: dict | None = None,
    progress: SampleProgress | None = None,
) -> Path:
    """Part ``index`` of ``plan``, sampled from a registered version into its file in ``folder``
    (:func:`twinforge.generators.partitions.write_part`)."""
    with scratch_dir() as tmp:
        generator = load_generator(download_generator(tracking_uri, model_name, version, tmp))
        return write_part(generator, plan, index, folder, conditions=conditions, rebalance=rebalance, progress=progress)


def sample_registered_dataset(
    tracking_uri: str,
    model_name: str,
    version: str,
    plan: SamplePlan,
    folder: str | os.PathLike,
    *,
    conditions: dict | None = None,
    rebalance: dict | None = None,
    progress: SampleProgress | None = None,
) -> ParquetDataset:
    """Every part of ``plan``, one after the other from one loaded version, written chunk by chunk into
    ``folder`` and verified: memory holds one chunk, not the sample. ``progress`` counts rows over all parts."""
    done = 0

    def counted(made: int, _total: int) -> None:
        if progress is not None:
            progress(done + made, plan.rows)

    with scratch_dir() as tmp:
        generator = load_generator(download_generator(tracking_uri, model_name, version, tmp))
        for part in plan.parts:
            write_part(
                generator, plan, part.index, folder, conditions=conditions, rebalance=rebalance, progress=counted
            )
            done += part.rows
    return verify_parts(folder, plan)


def registered_training_rows(tracking_uri: str, model_name: str, version: str) -> int:
    """How many rows the version was trained on (its MLflow run's ``train_rows`` param)."""
    run_id = get_model_version(tracking_uri, model_name, version).run_id
    params = get_run_params(tracking_uri, run_id)
    if "train_rows" not in params:
        raise KeyError(f"model {model_name} version {version}: its MLflow run {run_id} has no train_rows param")
    return int(params["train_rows"])


def daily_seed(base_seed: int, day: dt.date) -> int:
    """A different, reproducible seed per day: re-running a day's sample gives the same rows."""
    return base_seed * 100_000_000 + int(day.strftime("%Y%m%d"))
