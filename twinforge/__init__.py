"""twinforge: privacy-safe synthetic twins of real tables.

The core library has no Dagster import; the pipeline in ``pipelines/`` and
``assets/`` is a thin orchestration layer on top of it.
"""

__version__ = "0.1.0"
