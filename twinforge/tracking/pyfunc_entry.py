"""Models-from-code entry point that MLflow copies next to the logged model."""

from mlflow.models import set_model

from twinforge.tracking.pyfunc import SynthesizerModel

set_model(SynthesizerModel())
