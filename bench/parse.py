"""Parser speed over the test corpus: warm per-message median and p99, the slowest case, and cold start.

Run: `.venv/bin/python bench/parse.py`. Targets: median ≤ 2 ms, p99 ≤ 2 ms warm (over
the main corpus and the misreading corpus); import plus first parse ≤ 0.6 s cold. The baseline, timed
in the same run on the same messages, is one pass of a small regular expression over each message:
the ratios say how many such passes a parse costs, whatever the machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import re
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
    from tests.unit.parsing_corpus_misreads import misread_cases

    corpus = cases() + misread_cases()
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
    baseline_pattern = re.compile(r"\d{1,2}(?::\d{2})?\s*(?:am|pm)?")
    baseline_samples = []
    for _, text, _, _ in corpus:
        runs = []
        for _ in range(rounds):
            start = time.perf_counter()
            baseline_pattern.findall(text.lower())
            runs.append(time.perf_counter() - start)
        baseline_samples.append(statistics.median(runs))
    baseline = statistics.median(baseline_samples)
    times = sorted(t for t, _ in per_message)
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    slowest = max(per_message)
    print(f"corpus: {len(per_message)} messages, median of {rounds} runs each (warm)")
    median = statistics.median(times)
    print(f"baseline    : {baseline * 1e6:7.2f} µs   (one small regex pass per message)")
    print(f"warm median : {median * 1000:7.3f} ms   (target ≤ 2 ms; {median / baseline:,.0f}× the baseline)")
    print(f"warm p99    : {p99 * 1000:7.3f} ms   (target ≤ 2 ms; {p99 / baseline:,.0f}× the baseline)")
    print(f"warm mean   : {statistics.fmean(times) * 1000:7.3f} ms")
    print(f"slowest     : {slowest[0] * 1000:7.3f} ms   {slowest[1]!r}")
    for label, text in (("plain", "free rooms tomorrow 2-3pm"), ("calendar date", "free rooms Dec 3 2-4pm")):
        imported, total = _cold(text)
        print(f"cold ({label:13}): import {imported:.3f} s, import + first parse {total:.3f} s   (target ≤ 0.6 s)")


if __name__ == "__main__":
    main()
