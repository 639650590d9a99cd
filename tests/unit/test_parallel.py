"""Work spread over threads: results in order, items side by side."""

import threading

import polars as pl

from twinforge.parallel import map_on_threads


def test_results_come_back_in_order_and_items_run_side_by_side():
    assert map_on_threads(lambda x: x * x, range(7)) == [x * x for x in range(7)]
    assert map_on_threads(str, []) == []
    side_by_side = min(2, pl.thread_pool_size())
    barrier = threading.Barrier(side_by_side, timeout=10)  # broken (an error) if the items ran one after another

    def meet(item: int) -> str:
        barrier.wait()
        return threading.current_thread().name

    names = map_on_threads(meet, range(side_by_side))
    assert len(set(names)) == side_by_side
