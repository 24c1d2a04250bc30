"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(run: Callable[[], object], repeat: int, *, pause_s: float = 0.0) -> float:
    """Median wall time of `run`; `pause_s` before each run lets a rate-limit window clear."""
    times = []
    for _ in range(repeat):
        if pause_s:
            time.sleep(pause_s)
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)
