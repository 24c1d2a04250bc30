"""`roombot sim`: run the DingTalk simulator in the foreground until Ctrl-C, or, with `--url`, act on
one that is already running (approve or decline a booking, close or reopen a room, set the QPS
limit or the monthly quota) through its control routes, then exit."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.sim import Simulator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(args: argparse.Namespace, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Start the simulator from the parsed `roombot sim` arguments and serve until interrupted.

    Args:
        args: host, port, seed, rooms, latency_ms, fail_rate, throttle_rate, malformed_rate,
            max_rooms_per_call, token_ttl, qps_limit, monthly_quota, close_room, reopen_room,
            approve, decline, url (see bot/cli.py).
        out: where to print the banner (default stdout).
        stop: set it to stop serving (tests); by default only Ctrl-C stops.
    """
    out = out or sys.stdout
    if getattr(args, "url", None):
        return _control_running(args, out=out)
    try:
        simulator = Simulator(seed=args.seed, rooms=args.rooms)
        knobs: dict[str, Any] = {
            "latency_ms": args.latency_ms,
            "fail_rate": args.fail_rate,
            "throttle_rate": args.throttle_rate,
            "malformed_rate": args.malformed_rate,
            "max_rooms_per_call": args.max_rooms_per_call,
            "token_ttl_s": args.token_ttl,
        }
        knobs.update(_limits(args))
        simulator.configure(**knobs)
        _apply_rooms(args, simulator.rooms, lambda payload, action: _room_in_process(simulator, payload, action))
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


def _limits(args: argparse.Namespace) -> dict[str, int]:
    knobs = {}
    if getattr(args, "qps_limit", None) is not None:
        knobs["qps_limit"] = args.qps_limit
    if getattr(args, "monthly_quota", None) is not None:
        knobs["monthly_quota"] = args.monthly_quota
    return knobs


def _apply_rooms(
    args: argparse.Namespace, rooms: list[dict[str, Any]], act: Callable[[dict[str, Any], str], None]
) -> list[str]:
    """Close and reopen the rooms named in the arguments; returns what was done, one line each."""
    done = []
    for spec in getattr(args, "close_room", None) or []:
        ref, _, until_text = spec.partition("@")
        room = _room(ref, rooms)
        until = _until(until_text)
        act({"roomId": room["roomId"], "until": until.isoformat() if until else None}, "close")
        done.append(f"closed {room['roomName']}" + (f" until {until.isoformat()}" if until else " indefinitely"))
    for ref in getattr(args, "reopen_room", None) or []:
        room = _room(ref, rooms)
        act({"roomId": room["roomId"]}, "reopen")
        done.append(f"reopened {room['roomName']}")
    return done


def _room_in_process(simulator: Simulator, payload: dict[str, Any], action: str) -> None:
    if action == "close":
        until = datetime.fromisoformat(payload["until"]) if payload.get("until") else None
        simulator.close_room(payload["roomId"], until=until)
    else:
        simulator.reopen_room(payload["roomId"])


def _room(ref: str, rooms: list[dict[str, Any]]) -> dict[str, Any]:
    ref = ref.strip()
    for room in rooms:
        if ref in (room["roomId"], room["roomName"]) or ref.casefold() == str(room["roomName"]).casefold():
            return room
    raise ValueError(f"no room called {ref!r}")


def _until(text: str) -> datetime | None:
    """An ISO date (closed through that day, Shanghai time) or moment; empty = indefinitely."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), SHANGHAI)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date or moment") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _control_running(args: argparse.Namespace, *, out: TextIO) -> int:
    """Apply the options to the simulator at `args.url` through its control routes."""
    url = str(args.url).rstrip("/")
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            lines: list[str] = []

            def post(path: str, payload: dict[str, Any]) -> None:
                reply = http.post(path, json=payload)
                if reply.status_code != 200:
                    raise ValueError(reply.json().get("error", f"HTTP {reply.status_code}"))

            limits = _limits(args)
            if limits:
                post("/_sim/config", limits)
                lines.append(", ".join(f"{name}={value}" for name, value in limits.items()))
            rooms = http.get("/_sim/rooms").json()["rooms"]
            lines += _apply_rooms(args, rooms, lambda payload, action: post(f"/_sim/rooms/{action}", payload))
            for verb, event_ids in (("approve", args.approve), ("decline", args.decline)):
                for event_id in event_ids or []:
                    post(f"/_sim/approvals/{verb}", {"eventId": event_id})
                    lines.append(f"{verb}d {event_id}")
    except httpx.HTTPError as exc:
        print(f"roombot sim: cannot reach the simulator at {url} ({type(exc).__name__})", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"roombot sim: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines) if lines else "nothing to do", file=out)
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
            "                     POST /_sim/rooms/close|reopen|members  /_sim/approvals/approve|decline",
            "                     POST /_sim/callback  /_sim/suite-ticket/rotate  GET /_sim/notifications",
            "",
            "Point roombot at it with:",
            f"  DINGTALK_API_URL={info['url']} DINGTALK_APP_KEY={info['app_key']} "
            f"DINGTALK_APP_SECRET={info['app_secret']} DINGTALK_OPERATOR_UNION_ID={info['operator_union_id']}",
            "",
            "Press Ctrl-C to stop.",
        ]
    )
