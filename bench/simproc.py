"""A DingTalk simulator in its own process, for benchmarks.

DingTalk is far away from roombot, so benchmarks must not let the simulator's own work compete
with roombot for the interpreter lock. `SimProcess` runs `roombot sim` as a child process and
talks to it through its `/_sim/...` control API.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import httpx


class SimProcess:
    """`roombot sim` in a child process on a free loopback port."""

    def __init__(self, *, seed: int = 7, rooms: int = 24, latency_ms: float = 0.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "sim", "--port", "0", "--seed", str(seed), "--rooms", str(rooms)]
            + ["--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + 30
        url = None
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line:
                break
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                url = match.group(1)
                break
        if url is None:
            self._proc.kill()
            raise RuntimeError("the simulator did not start")
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=10)
        self.info: dict[str, Any] = self._http.get("/_sim/info").json()
        self.app_key: str = self.info["app_key"]
        self.app_secret: str = self.info["app_secret"]
        self.operator_union_id: str = self.info["operator_union_id"]
        self.agent_id: int = int(self.info["agent_id"])

    @property
    def rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = self._http.get("/_sim/rooms").json()["rooms"]
        return rooms

    def stats(self) -> dict[str, int]:
        stats: dict[str, int] = self._http.get("/_sim/stats").json()
        return stats

    def reset_stats(self) -> None:
        self._http.post("/_sim/stats/reset")

    def configure(self, **knobs: Any) -> None:
        self._http.post("/_sim/config", json=knobs).raise_for_status()

    def stop(self) -> None:
        self._http.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
