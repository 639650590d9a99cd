from resources.io_manager import ParquetIOManager
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings

__all__ = ["MlflowResource", "ParquetIOManager", "TwinforgeSettings"]
