"""The worker threads an API family fans its calls out over."""

from __future__ import annotations

import concurrent.futures
import threading


class LazyPool:
    """A thread pool made at first need (most questions take one call and need none), closed for good
    by `close()`: after that, asking for it raises RuntimeError."""

    def __init__(self, *, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def get(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("DingTalkClient is closed")
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(self._max_workers, thread_name_prefix=self._name)
            return self._pool

    def close(self) -> None:
        """Stop the worker threads, cancelling the calls not yet started."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["LazyPool"]
