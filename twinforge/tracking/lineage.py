"""Lineage facts attached to every model and synthetic table (MLflow tags, Dagster metadata)."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twinforge import __version__


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``twinforge <version>`` plus the git commit of the checkout when there is one."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def training_fingerprint(training_data_sha256: str, spec_sections: Mapping[str, Any], code: str) -> str:
    """One hash of everything a trained version depends on: its training data, the spec sections that
    shape training (generator, columns, sampling) and the code version. Equal fingerprints: the same
    training, so a retrain may reuse the version instead of registering a copy."""
    text = json.dumps({"data": training_data_sha256, "spec": spec_sections, "code": code}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
