from resources.io_manager import STEP_IO_MANAGER, ParquetIOManager, StepIOManager
from resources.mlflow import MlflowResource
from resources.settings import TwinforgeSettings

__all__ = ["STEP_IO_MANAGER", "MlflowResource", "ParquetIOManager", "StepIOManager", "TwinforgeSettings"]
