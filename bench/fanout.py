"""Free/busy fan-out: how long `query_schedules` takes for 5, 25 and 100 rooms.

Starts the DingTalk simulator in-process with a fixed latency per call (default 100 ms), then
measures
- one round trip: a free/busy query of a single room (median of several),
- for each room count, the wall time of `query_schedules` (batches in parallel under the
  20 calls/s rate limit) and a serial baseline (the same batches one after another),
and prints both as multiples of one round trip. Target: 100 rooms in at most 1.5 round trips.
The simulator runs in this same process, so its CPU time (and the GIL) counts against the client.

    .venv/bin/python bench/fanout.py [--latency-ms 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_seconds  # noqa: E402

from bot.dingtalk import DingTalkClient  # noqa: E402
from bot.sim import Simulator  # noqa: E402

TARGET_ROUND_TRIPS = 1.5
ROOM_COUNTS = (5, 25, 100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0, help="simulated latency of every call")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (the median is shown)")
    parser.add_argument("--qps", type=float, default=20.0, help="client-side calls per second per API")
    parser.add_argument("--batch-size", type=int, default=5)
    args = parser.parse_args(argv)

    with Simulator(seed=7, rooms=max(ROOM_COUNTS)).start(port=0) as sim:
        rooms = [room["roomId"] for room in sim.rooms]
        zone = ZoneInfo("Asia/Shanghai")
        start = datetime.combine(sim.today, datetime.min.time(), zone)
        end = start + timedelta(days=1)
        union_id = sim.operator_union_id
        common: dict[str, Any] = {"base_url": sim.url, "app_key": sim.app_key, "app_secret": sim.app_secret, "qps": args.qps}
        common["batch_size"] = args.batch_size
        parallel = DingTalkClient(**common)
        serial = DingTalkClient(max_workers=1, **common)
        # The rate window (1 s + margin) must be empty before each parallel run, as for a fresh question.
        pause = 1.0 / args.qps * max(1, int(args.qps)) + 0.1
        try:
            # Warm up: tokens, connection pools, worker threads (not measured).
            parallel.query_schedules(union_id, rooms, start, end)
            serial.query_schedules(union_id, rooms[:5], start, end)
            sim.configure(latency_ms=args.latency_ms)

            round_trip = median_seconds(lambda: parallel.query_schedules(union_id, rooms[:1], start, end), args.repeat)
            print(f"simulator latency {args.latency_ms:.0f} ms; one round trip (1 room): {round_trip * 1000:.0f} ms")
            print(f"rate limit {args.qps:g} calls/s per API, batches of {args.batch_size}, median of {args.repeat} runs")
            print()
            columns = ("rooms", "calls", "parallel", "serial", "parallel/RT", "serial/RT", "speed-up")
            widths = (5, 5, 9, 9, 11, 9, 8)
            header = "  ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True))
            print(header)
            print("-" * len(header))
            results = {}
            for count in ROOM_COUNTS:
                ids = rooms[:count]
                sim.reset_stats()
                wall = median_seconds(
                    partial(parallel.query_schedules, union_id, ids, start, end), args.repeat, pause_s=pause
                )
                calls = sim.stats()["schedules"] // args.repeat
                base = median_seconds(partial(serial.query_schedules, union_id, ids, start, end), args.repeat, pause_s=pause)
                results[count] = wall / round_trip
                print(
                    f"{count:>5}  {calls:>5}  {wall * 1000:>7.0f}ms  {base * 1000:>7.0f}ms  "
                    f"{wall / round_trip:>11.2f}  {base / round_trip:>9.2f}  {base / wall:>7.1f}x"
                )
            print()
            ratio = results[max(ROOM_COUNTS)]
            verdict = "met" if ratio <= TARGET_ROUND_TRIPS else "NOT met"
            print(
                f"target: {max(ROOM_COUNTS)} rooms in at most {TARGET_ROUND_TRIPS} round trips -> "
                f"{ratio:.2f} round trips, {verdict}"
            )
            return 0 if ratio <= TARGET_ROUND_TRIPS else 1
        finally:
            parallel.close()
            serial.close()


if __name__ == "__main__":
    raise SystemExit(main())
