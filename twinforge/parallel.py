"""Work spread over threads, sized in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import polars as pl

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_on_threads(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[function(item) for item in items]``, in order, on as many threads as polars' pool has (at most
    one per item): worth it where the work runs in polars or numpy, which release the GIL."""
    items = list(items)
    if len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(min(len(items), pl.thread_pool_size())) as pool:
        return list(pool.map(function, items))
