from functools import partial

import dagster as dg

from assets.anonymize import anonymized_metadata
from checks.anonymization import privacy_check_results, privacy_check_specs
from checks.real_rules import real_rules_check_results, real_rules_check_specs
from resources.metadata import column_schema
from resources.partitions import batch_partitions
from resources.settings import TwinforgeSettings
from twinforge.config.spec import DatasetSpec
from twinforge.io.batches import Batch, BatchStore
from twinforge.io.ingest import IngestResult, ingest
from twinforge.privacy.anonymize import KSchemeError, anonymize_table
from twinforge.privacy.k_anonymity import SUPPRESSION_REASON

RAW_IO_MANAGER = "raw_io_manager"  # owner-only files: raw rows and quarantined rows


def raw_metadata(batch: Batch, ingested: IngestResult, keep_raw: bool) -> dict:
    source = batch.source_label(ingested.source)
    is_file = batch.origin == "spec" and ingested.format != "postgres"
    return {
        "batch_id": batch.batch_id,
        "batch_added_at": batch.added_at,
        "source": dg.MetadataValue.path(source) if is_file else source,
        "source_format": ingested.format,
        "content_sha256": ingested.content_sha256,
        "rows_in": ingested.rows_in,
        "rows_out": ingested.rows_out,
        "rows_quarantined": ingested.rows_quarantined,
        **({"lines_in": ingested.lines_in} if ingested.lines_in is not None else {}),
        "non_finite_values": dg.MetadataValue.json(ingested.non_finite),
        "raw_copy_kept": keep_raw,
        "schema": dg.MetadataValue.json(
            {"columns": ingested.schema.to_dict()["columns"], "origin": ingested.schema_origin()}
        ),
        "dagster/column_schema": column_schema(ingested.schema),
    }


def build_ingest_assets(spec: DatasetSpec) -> dg.AssetsDefinition:
    raw_key, anonymized_key = dg.AssetKey([spec.name, "raw"]), dg.AssetKey([spec.name, "anonymized"])
    keep_raw = spec.ingest.keep_raw

    @dg.multi_asset(
        name=f"{spec.name}__ingest",
        outs={
            "raw": dg.AssetOut(
                key=raw_key,
                io_manager_key=RAW_IO_MANAGER,
                **({} if keep_raw else {"dagster_type": dg.Nothing}),
                description=f"One batch of {spec.name} as read and typed (rows_in = rows_out + rows_quarantined). "
                + (
                    "A raw copy is kept (ingest.keep_raw)."
                    if keep_raw
                    else "No raw copy is kept (ingest.keep_raw is false)."
                ),
            ),
            "quarantine": dg.AssetOut(
                key=[spec.name, "quarantine"],
                io_manager_key=RAW_IO_MANAGER,
                description="Rows set aside with their reason. Treated like raw: only people read it, no asset does.",
            ),
            "anonymized": dg.AssetOut(
                key=anonymized_key,
                description="The batch after PII detection and the anonymization policy: no raw PII passes this point.",
            ),
        },
        internal_asset_deps={"quarantine": {raw_key}, "anonymized": {raw_key}},
        partitions_def=batch_partitions(spec),
        check_specs=privacy_check_specs(spec, anonymized_key) + real_rules_check_specs(spec, anonymized_key),
        group_name=spec.name,
    )
    def ingest_batch(context: dg.AssetExecutionContext, settings: TwinforgeSettings):
        store = BatchStore(spec, settings.layout)
        batch = store.get(context.partition_key)
        # a later batch is typed as the first one was: a cell that does not parse is a bad row, never a retype
        reference = store.reference_kinds() if batch.origin == "landing" else None
        ingested = ingest(spec, path=batch.path if batch.origin == "landing" else None, reference=reference)
        if batch.origin != "landing":  # the initial source; a landed batch passed BatchStore.check's own rules
            ingested.refuse_empty()
        batch.check_unchanged(ingested.content_sha256)
        context.log.info(f"batch {batch.batch_id}: {ingested.counts()}")
        # a later batch reuses the first batch's k-anonymity generalization, so that their bands stack
        k_scheme = store.reference_k_scheme() if batch.origin == "landing" and spec.privacy.k is not None else None
        anonymize = partial(anonymize_table, ingested.table, spec.columns, spec.privacy, settings.pseudonym_key())
        try:
            result, refused = anonymize(schema=ingested.schema, k_scheme=k_scheme), []
        except KSchemeError as error:  # it needs a coarser scheme: k met its own way, held, never stacked
            result, refused = anonymize(schema=ingested.schema), [str(error)]
        ingested = ingested.set_aside(result.suppressed_rows, SUPPRESSION_REASON, keep_values=keep_raw)
        # before anything is stored: a batch short of the spec's k or l never enters a training window
        store.record_privacy(batch.batch_id, [*result.privacy.failures(), *refused])
        store.record_k_scheme(batch.batch_id, result.k_enforcement.scheme() if result.k_enforcement else None)
        yield dg.Output(
            ingested.table if keep_raw else None, output_name="raw", metadata=raw_metadata(batch, ingested, keep_raw)
        )
        yield dg.Output(
            ingested.quarantine,
            output_name="quarantine",
            metadata={
                "rows_quarantined": ingested.rows_quarantined,
                "reasons": dg.MetadataValue.json(ingested.quarantine_reasons()),
                "values_kept": keep_raw,
            },
        )
        yield dg.Output(result.table, output_name="anonymized", metadata=anonymized_metadata(result, ingested, spec))
        yield from privacy_check_results(spec, anonymized_key, result.privacy)
        yield from real_rules_check_results(spec, anonymized_key, result.table)

    return ingest_batch
