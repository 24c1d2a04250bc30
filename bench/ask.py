"""How fast one question is answered, in an already warm process.

The simulator runs in its own process and answers after 100 ms, like a distant DingTalk.
Two figures:

1. a question about a 40-room group on a cold schedule cache, as a ratio to one upstream round
   trip (target ≤ 1.3): the eight free/busy calls must run in parallel, and everything else
   (parsing, the database, ranking, rendering) must be small beside one round trip;
2. the same question on a warm cache (target ≤ 20 ms): no DingTalk call at all.

`find_rooms` is the service call that returns the reply model; turning that model into Block
Kit is printed as a separate figure.

Run: .venv/bin/python bench/ask.py [--latency-ms 100] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from simproc import SimProcess

from bot.config import Settings
from bot.dingtalk import DingTalkClient
from bot.present.reply import FindReply
from bot.slack.blocks import render
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

TEAM, USER, TZ = "T_BENCH", "U_BENCH", "Asia/Shanghai"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rooms", type=int, default=40)
    args = parser.parse_args()

    with SimProcess(seed=3, rooms=args.rooms) as sim, tempfile.TemporaryDirectory() as tmp:
        settings = point_at_simulator(
            Settings(
                database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            ),
            sim,
        )
        with build_runtime(settings) as runtime:
            service = runtime.service
            room_ids = [room["roomId"] for room in sim.rooms]
            group_add = "group add Big " + " ".join(room_ids)
            service.handle_text(Caller(team_id=TEAM, user_id=USER, tz=TZ), group_add)
            sim.configure(latency_ms=args.latency_ms)

            round_trip = _round_trip(sim, room_ids[: runtime.settings.batch_size])
            horizon = runtime.settings.fetch_horizon_days
            fan_out = _fan_out(sim, room_ids, days=horizon)
            store_s = _store_time(runtime, room_ids, days=horizon)
            # Warm the process: token, directory, imports, parser, database connections.
            first_day = date(2026, 12, 1)
            _ask(service, first_day - timedelta(days=runtime.settings.fetch_horizon_days))

            cold: list[float] = []
            warm: list[float] = []
            calls: list[int] = []
            # One fetch fills a horizon of days: rounds that many days apart are each cold.
            spacing = runtime.settings.fetch_horizon_days
            for index in range(args.rounds):
                day = first_day + timedelta(days=index * spacing)
                # A question after a quiet second: the client's 20 calls/s budget is full again, as
                # it is for a user in a real team. (Back-to-back cold questions are throughput,
                # which bench/load.py measures.)
                time.sleep(1.0)
                sim.reset_stats()
                cold.append(_ask(service, day))
                calls.append(sim.stats().get("schedules", 0))
                for _ in range(5):
                    warm.append(_ask(service, day))

    cold_median = statistics.median(cold)
    warm_median = statistics.median(warm)
    print(f"simulator latency {args.latency_ms:.0f} ms, {args.rooms}-room group, {args.rounds} rounds")
    print(f"one upstream round trip (median):           {round_trip * 1000:7.1f} ms")
    print(
        f"find_rooms, cold cache (median):            {cold_median * 1000:7.1f} ms"
        f"  = {cold_median / round_trip:.2f} round trips  (target <= 1.3)  [{max(calls)} free/busy calls]"
    )
    print(
        f"  of which the {max(calls)} calls alone, {horizon} days (median): {fan_out * 1000:7.1f} ms"
        f"  = {fan_out / round_trip:.2f} round trips  (the client's parallel fan-out, parsing included)"
    )
    print(
        f"  of which storing {horizon} days of {args.rooms} rooms:  {store_s * 1000:7.1f} ms"
        f"  (the cache write); the rest is reading, ranking and the model: "
        f"{(cold_median - fan_out - store_s) * 1000:.1f} ms"
    )
    print(f"find_rooms, warm cache (median):            {warm_median * 1000:7.1f} ms  (target <= 20 ms)")
    print(f"find_rooms, warm cache (p90):               {sorted(warm)[int(len(warm) * 0.9)] * 1000:7.1f} ms")
    render_ms = statistics.median(_render_times) * 1000
    print(f"rendering the reply as Block Kit (median):  {render_ms:7.1f} ms  (not part of find_rooms)")


def _ask(service: object, day: date) -> float:
    when = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    started = time.perf_counter()
    reply = service.find_rooms(  # type: ignore[attr-defined]
        Caller(team_id=TEAM, user_id=USER, tz=TZ, now=when - timedelta(days=1)),
        f"free rooms in Big on {day:%b} {day.day} 2-3pm",
    )
    elapsed = time.perf_counter() - started
    if not isinstance(reply, FindReply):
        raise SystemExit(f"unexpected answer: {reply}")
    _render_times.append(_timed(lambda: render(reply)))
    return elapsed


_render_times: list[float] = []


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _fan_out(sim: SimProcess, room_ids: list[str], *, days: int) -> float:
    """The free/busy calls of a cold question alone: every room, `days` days, in parallel, warm connections."""
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        start = datetime(2027, 1, 4, tzinfo=UTC)
        client.query_schedules(sim.operator_union_id, room_ids, start, start + timedelta(days=days))
        samples = []
        for _ in range(5):
            time.sleep(1.0)  # the client's 20 calls/s budget full again, as for a cold question
            began = time.perf_counter()
            client.query_schedules(sim.operator_union_id, room_ids, start, start + timedelta(days=days))
            samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _store_time(runtime: Runtime, room_ids: list[str], *, days: int) -> float:
    """Writing a cold question's answer to the schedule cache: `days` windows of every room."""
    assert runtime.dingtalk is not None
    start = datetime(2027, 2, 1, tzinfo=UTC)
    schedules = runtime.dingtalk.query_schedules(
        runtime.settings.dingtalk_operator_union_id or "", room_ids, start, start + timedelta(days=days)
    )
    windows = []
    for n in range(days):
        day_start, day_end = start + timedelta(days=n), start + timedelta(days=n + 1)
        # Each day keeps the items that touch it, as the schedule provider stores them.
        per_day = [replace(s, items=tuple(i for i in s.items if i.start < day_end and i.end > day_start)) for s in schedules]
        windows.append((day_start, day_end, per_day))
    samples = [_timed(lambda: runtime.store.schedules.put_windows(TEAM, windows, fetched_at=start)) for _ in range(5)]
    return statistics.median(samples)


def _round_trip(sim: SimProcess, room_ids: list[str]) -> float:
    """One free/busy call, as the service makes them (one batch of rooms, one day), over a warm connection."""
    with DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret) as client:
        start = datetime(2026, 12, 1, tzinfo=UTC)
        client.query_schedules(sim.operator_union_id, room_ids, start, start + timedelta(days=1))
        samples = []
        for _ in range(5):
            time.sleep(0.2)
            began = time.perf_counter()
            client.query_schedules(sim.operator_union_id, room_ids, start, start + timedelta(days=1))
            samples.append(time.perf_counter() - began)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
