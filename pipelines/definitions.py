"""The Dagster code location: every dataset spec in pipelines/datasets/ becomes an asset group."""

from pipelines.factory import build_definitions

defs = build_definitions()
