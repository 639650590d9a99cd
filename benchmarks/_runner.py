"""Shared by the per-engine fit scripts: arguments, timing, peak memory, one JSON line out."""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

# A benchmark row ``transformer_<N>s``: the transformer with a time budget of N seconds (``max_fit_seconds``).
BUDGETED_TRANSFORMER = re.compile(r"transformer_(\d+)s")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--train", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default=None)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--params", default="{}", help="JSON model parameters (twinforge models only)")
    return parser.parse_args()


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)


def import_torch_lazy_modules() -> None:
    """Import what torch loads lazily on first use, before any fit is timed.

    The first torch optimizer imports ``torch._dynamo`` (about a second here). MOSTLY AI's engine
    imports it with its own modules, outside its timed fit; doing it up front for every engine keeps
    each fit time to the fitting alone.
    """
    try:
        import torch._dynamo  # noqa: F401
    except ImportError:  # an engine without torch
        pass


def report(timer: Timer, **extra) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({**{f"{k}_seconds": v for k, v in timer.seconds.items()}, "peak_rss_mb": round(peak_mb), **extra}))
    sys.stdout.flush()
