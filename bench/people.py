"""People's free/busy fan-out and the slot search: 5, 25 and 60 people.

Starts the DingTalk simulator in-process with a fixed latency per call (default 100 ms), adds
demo people, then measures for each head count the wall time of `query_people` (20 people a
call, calls in parallel) against a serial baseline (the same calls one after another), as
multiples of one round trip, and the time the pure slot search takes over a working week.

    .venv/bin/python bench/people.py [--latency-ms 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_seconds  # noqa: E402

from bot.dingtalk import DingTalkClient  # noqa: E402
from bot.domain.slots import Attendee, Busy, WorkingHours, find_slots  # noqa: E402
from bot.sim import Simulator  # noqa: E402

COUNTS = (5, 25, 60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    with Simulator(seed=7, rooms=5).start(port=0) as sim:
        for n in range(max(COUNTS) - len(sim.users)):
            sim.add_user(f"Person {n}", mobile=f"139{n:08d}")
        people = [str(user["unionid"]) for user in sim.users]
        zone = ZoneInfo("Asia/Shanghai")
        monday = sim.today + timedelta(days=7 - sim.today.weekday())
        start = datetime.combine(monday, datetime.min.time(), zone)
        end = start + timedelta(days=5)
        common = {"base_url": sim.url, "app_key": sim.app_key, "app_secret": sim.app_secret}
        parallel = DingTalkClient(**common)  # type: ignore[arg-type]
        serial = DingTalkClient(max_workers=1, **common)  # type: ignore[arg-type]
        try:
            parallel.query_people(sim.operator_union_id, people, start, end)  # warm up (not measured)
            serial.query_people(sim.operator_union_id, people[:5], start, end)
            sim.configure(latency_ms=args.latency_ms)
            round_trip = median_seconds(lambda: parallel.query_people(sim.operator_union_id, people[:1], start, end), 3)
            print(f"simulator latency {args.latency_ms:.0f} ms; one round trip (1 person): {round_trip * 1000:.0f} ms")
            print(
                f"{'people':>6}  {'calls':>5}  {'parallel':>9}  {'serial':>9}  {'par/RT':>6}  {'ser/RT':>6}  {'search':>8}"
            )
            for count in COUNTS:
                ids = people[:count]
                sim.reset_stats()
                wall = median_seconds(partial(parallel.query_people, sim.operator_union_id, ids, start, end), args.repeat)
                calls = sim.stats()["querySchedule"] // args.repeat
                base = median_seconds(partial(serial.query_people, sim.operator_union_id, ids, start, end), args.repeat)
                schedules = parallel.query_people(sim.operator_union_id, ids, start, end)
                attendees = [
                    Attendee(s.user_id, tuple(Busy(i.start, i.end, i.status == "TENTATIVE") for i in s.items))
                    for s in schedules
                ]
                search = median_seconds(
                    partial(
                        find_slots,
                        attendees=attendees,
                        rooms={},
                        window_start=start,
                        window_end=end,
                        duration=timedelta(hours=1),
                        hours=WorkingHours(zone=zone),
                        now=start,
                    ),
                    args.repeat,
                )
                print(
                    f"{count:>6}  {calls:>5}  {wall * 1000:>7.0f}ms  {base * 1000:>7.0f}ms  "
                    f"{wall / round_trip:>6.2f}  {base / round_trip:>6.2f}  {search * 1000:>6.1f}ms"
                )
            return 0
        finally:
            parallel.close()
            serial.close()


if __name__ == "__main__":
    raise SystemExit(main())
