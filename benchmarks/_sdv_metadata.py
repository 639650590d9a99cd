"""SDV metadata for a benchmark table (SDV venv only), shared by ``fit_sdv.py`` and ``evaluate.py``.

SDV's auto-detection takes some plain columns for personal data (``voice_mail_plan`` as an
e-mail address, ``state`` as an administrative unit) and would replace them with fake values;
none of the benchmark columns is personal data, so such columns are declared categorical. Nor is any a
primary key, which detection guesses from unique values.
"""

from __future__ import annotations

import pandas as pd

MODELLED_SDTYPES = {"numerical", "categorical", "datetime", "boolean"}


def table_metadata(train: pd.DataFrame):
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({"table": train})
    # detection takes a column of unique values (a population count) for a primary key, and a key must be
    # an id or PII column; no benchmark column is a key
    if metadata.to_dict()["tables"]["table"].get("primary_key"):
        metadata.remove_primary_key(table_name="table")
    for name, column in metadata.to_dict()["tables"]["table"]["columns"].items():
        if column.get("pii") or column["sdtype"] not in MODELLED_SDTYPES:
            sdtype = "numerical" if pd.api.types.is_numeric_dtype(train[name]) else "categorical"
            metadata.update_column(column_name=name, sdtype=sdtype, table_name="table")
    return metadata
