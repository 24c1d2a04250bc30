"""Running one piece of work in several threads at once, for the tests of races."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_in_threads(work: Callable[[], None], count: int, *, timeout: float | None = None) -> None:
    """Start `count` threads running `work` and wait for all of them (each for `timeout` seconds at most)."""
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
