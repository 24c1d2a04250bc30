"""`roombot sim`: run the DingTalk simulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from bot.sim import Simulator


def run(args: argparse.Namespace, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Start the simulator from the parsed `roombot sim` arguments and serve until interrupted.

    Args:
        args: host, port, seed, rooms, latency_ms, fail_rate, throttle_rate, malformed_rate,
            max_rooms_per_call, token_ttl (see bot/cli.py).
        out: where to print the banner (default stdout).
        stop: set it to stop serving (tests); by default only Ctrl-C stops.
    """
    out = out or sys.stdout
    try:
        simulator = Simulator(seed=args.seed, rooms=args.rooms)
        simulator.configure(
            latency_ms=args.latency_ms,
            fail_rate=args.fail_rate,
            throttle_rate=args.throttle_rate,
            malformed_rate=args.malformed_rate,
            max_rooms_per_call=args.max_rooms_per_call,
            token_ttl_s=args.token_ttl,
        )
    except ValueError as exc:
        print(f"roombot sim: {exc}", file=sys.stderr)
        return 2
    try:
        simulator.start(host=args.host, port=args.port)
    except OSError as exc:
        print(f"roombot sim: cannot listen on {args.host}:{args.port} ({exc.strerror or exc})", file=sys.stderr)
        return 1
    stop = stop or threading.Event()
    try:
        print(banner(simulator), file=out, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nsimulator stopped", file=out, flush=True)
    finally:
        simulator.stop()
    return 0


def banner(simulator: Simulator) -> str:
    """What `roombot sim` prints on start: URL, demo credentials, operator, knobs and a .env line."""
    info = simulator.info()
    config = simulator.config
    knobs = ", ".join(f"{name}={value}" for name, value in config.items())
    return "\n".join(
        [
            f"DingTalk simulator listening on {info['url']}",
            f"  seed {info['seed']}, {info['rooms']} rooms, demo laid around {info['today']} (Asia/Shanghai)",
            "",
            f"  app key            {info['app_key']}",
            f"  app secret         {info['app_secret']}",
            f"  suite key          {info['suite_key']}",
            f"  suite secret       {info['suite_secret']}",
            f"  suite ticket       {info['suite_ticket']}",
            f"  corp id            {info['corp_id']}",
            f"  operator unionId   {info['operator_union_id']}",
            f"  operator userid    {info['operator_user_id']}",
            "",
            f"  knobs              {knobs}",
            f"  control API        {info['url']}/_sim/stats  /_sim/config  /_sim/info  (POST /_sim/config to change knobs)",
            "",
            "Point roombot at it with:",
            f"  DINGTALK_API_URL={info['url']} DINGTALK_APP_KEY={info['app_key']} "
            f"DINGTALK_APP_SECRET={info['app_secret']} DINGTALK_OPERATOR_UNION_ID={info['operator_union_id']}",
            "",
            "Press Ctrl-C to stop.",
        ]
    )
