"""MLflow pyfunc wrapper: a registered model version samples synthetic rows.

Logged as "models from code" (``pyfunc_entry.py``), so no Python object is
pickled: the artifact is this code reference plus the generator folder
(``model.json`` + ``weights.pt``, and a transformer's last-column trees as
LightGBM text files).

``predict`` takes a sampling request, a DataFrame with one row per request:

* ``rows`` (required): how many rows;
* ``seed`` (optional): sampling seed (default: the model's);
* ``conditions`` (optional): fixed values, a dict or its JSON text, e.g. ``{"result": "positive"}``;
* ``rebalance`` (optional): shares of one column's levels, e.g. ``{"result": {"positive": 0.3}}``;

and returns the concatenated synthetic rows.
"""

from __future__ import annotations

import json
from typing import Any

import mlflow.pyfunc
import pandas as pd

GENERATOR_ARTIFACT = "generator"
SIGNATURE_SAMPLE_ROWS = 100  # synthetic rows sampled to read the output's column types from


def request_schema():
    """The sampling request's columns: ``rows`` required; ``conditions`` / ``rebalance`` a dict or its JSON."""
    from mlflow.types.schema import AnyType, ColSpec, Schema

    return Schema(
        [
            ColSpec("long", "rows"),
            ColSpec("long", "seed", required=False),
            ColSpec(AnyType(), "conditions", required=False),
            ColSpec(AnyType(), "rebalance", required=False),
        ]
    )


def sampling_signature(generator_dir):
    """The pyfunc's signature: the request schema in, the synthetic table's column names and types out.

    The output types are inferred from synthetic rows of the saved generator; a signature keeps names
    and types only, never values.
    """
    from mlflow.models import ModelSignature, infer_signature

    from twinforge.generators import load_generator

    sample = load_generator(generator_dir).sample(SIGNATURE_SAMPLE_ROWS, seed=0).to_pandas()
    return ModelSignature(inputs=request_schema(), outputs=infer_signature(model_output=sample).outputs)


class SynthesizerModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from twinforge.generators import load_generator

        self.generator = load_generator(context.artifacts[GENERATOR_ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        if "rows" not in model_input.columns:
            raise ValueError("a sampling request needs a 'rows' column (number of rows to sample)")
        frames = []
        for request in model_input.to_dict("records"):
            rows = int(request["rows"])
            seed = request.get("seed")
            seed = None if _missing(seed) else int(seed)
            conditions = _mapping(request.get("conditions"), "conditions")
            rebalance = _mapping(request.get("rebalance"), "rebalance")
            sample = self.generator.sample(rows, seed=seed, conditions=conditions, rebalance=rebalance)
            frames.append(sample.to_pandas())
        return pd.concat(frames, ignore_index=True)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (dict, str)) and pd.isna(value))


def _mapping(value: Any, field: str) -> dict | None:
    """A dict from a dict or its JSON text; None when absent."""
    if _missing(value) or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"sampling request field {field!r} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"sampling request field {field!r} must be a mapping, got {type(value).__name__}")
    return value
