"""Models-from-code entry point that MLflow copies next to the logged model."""

from mlflow.models import set_model

from twinforge.mlflow_model import SynthesizerModel

set_model(SynthesizerModel())
