"""MLflow: runs, the model registry, the pyfunc wrapper and lineage tags."""
