"""Partition definitions shared by assets, checks and sensors: source batches and daily twins."""

import dagster as dg

from twinforge.config.spec import DatasetSpec


def batch_partitions(spec: DatasetSpec) -> dg.DynamicPartitionsDefinition:
    """One partition per batch (see twinforge.io.batches); the spec's source is batch ``initial``."""
    return dg.DynamicPartitionsDefinition(name=f"{spec.name}_batches")


def daily_partitions(spec: DatasetSpec) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists from midnight, so a morning schedule can publish today's twin
    return dg.DailyPartitionsDefinition(start_date=spec.schedule.start_date.isoformat(), end_offset=1)
