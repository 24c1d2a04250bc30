"""Parser speed over the test corpus: warm per-message median and p99, the slowest case, and cold start.

Run: `.venv/bin/python bench/parse.py`. Targets (issue 3): median ≤ 2 ms, p99 ≤ 15 ms warm;
import plus first parse ≤ 0.6 s cold. Prints figures; it asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import time
t0 = time.perf_counter()
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.parsing import parse
t1 = time.perf_counter()
parse({text!r}, now=datetime(2025, 12, 2, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai")), tz="Asia/Shanghai")
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
"""


def _cold(text: str, runs: int = 5) -> tuple[float, float]:
    imports, totals = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD.format(text=text)], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.split()
        imports.append(float(out[0]))
        totals.append(float(out[1]))
    return statistics.median(imports), statistics.median(totals)


def main() -> None:
    from bot.errors import ParseError
    from bot.parsing import parse
    from tests.unit.parsing_corpus import cases, settings_for

    corpus = cases()
    for ctx, text, _, extras in corpus:  # warm up: caches, lazy imports, regex compilation
        try:
            parse(text, now=ctx.now, tz=ctx.tz, settings=settings_for(extras))
        except ParseError:
            pass
    rounds = 5
    per_message: list[tuple[float, str]] = []
    for ctx, text, _, extras in corpus:
        settings = settings_for(extras)
        best = float("inf")
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            try:
                parse(text, now=ctx.now, tz=ctx.tz, settings=settings)
            except ParseError:
                pass
            samples.append(time.perf_counter() - start)
        best = statistics.median(samples)
        per_message.append((best, text))
    times = sorted(t for t, _ in per_message)
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    slowest = max(per_message)
    print(f"corpus: {len(per_message)} messages, median of {rounds} runs each (warm)")
    print(f"warm median : {statistics.median(times) * 1000:7.3f} ms   (target ≤ 2 ms)")
    print(f"warm p99    : {p99 * 1000:7.3f} ms   (target ≤ 15 ms)")
    print(f"warm mean   : {statistics.fmean(times) * 1000:7.3f} ms")
    print(f"slowest     : {slowest[0] * 1000:7.3f} ms   {slowest[1]!r}")
    for label, text in (("plain", "free rooms tomorrow 2-3pm"), ("calendar date", "free rooms Dec 3 2-4pm")):
        imported, total = _cold(text)
        print(f"cold ({label:13}): import {imported:.3f} s, import + first parse {total:.3f} s   (target ≤ 0.6 s)")


if __name__ == "__main__":
    main()
