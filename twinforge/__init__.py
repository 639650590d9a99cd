"""twinforge: privacy-safe synthetic twins of real tables.

The core library has no Dagster import; the pipeline in ``pipelines/`` and
``assets/`` is a thin orchestration layer on top of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from twinforge.synthesizer import Synthesizer

__all__ = ["Synthesizer", "__version__"]

# Names importable from the package, loaded on first use so `import twinforge` stays light (no torch).
_LAZY = {"Synthesizer": "twinforge.synthesizer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'twinforge' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
