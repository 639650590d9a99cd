"""Sample from a registered generator version (MLflow registry), the way the pipeline does."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl

from twinforge.generators import load_generator
from twinforge.generators.base import SampleProgress
from twinforge.generators.partitions import SamplePlan, write_part
from twinforge.tracking.registry import download_generator, get_model_version, get_run_params, scratch_dir


def sample_registered(
    tracking_uri: str,
    model_name: str,
    version: str,
    rows: int,
    seed: int,
    *,
    conditions: dict | None = None,
    rebalance: dict | None = None,
    progress: SampleProgress | None = None,
) -> pl.DataFrame:
    """``rows`` rows from a registered version, with the spec's fixed values and rebalancing if any;
    ``progress`` is called with the rows made so far after each chunk."""
    with scratch_dir() as tmp:
        generator = load_generator(download_generator(tracking_uri, model_name, version, tmp))
        return generator.sample(rows, seed=seed, conditions=conditions, rebalance=rebalance, progress=progress)


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
