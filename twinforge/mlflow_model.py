"""MLflow pyfunc wrapper: a registered model version samples synthetic rows.

Logged as "models from code" (``mlflow_entry.py``), so no Python object is
pickled: the artifact is this code reference plus the generator folder
(``model.json`` + ``weights.pt``).

``predict`` takes a sampling request, a DataFrame with one row per request and the
columns ``rows`` (required) and ``seed`` (optional), and returns the
concatenated synthetic rows.
"""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

GENERATOR_ARTIFACT = "generator"


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
            seed = None if seed is None or pd.isna(seed) else int(seed)
            frames.append(self.generator.sample(rows, seed=seed).to_pandas())
        return pd.concat(frames, ignore_index=True)
