"""`roombot parse [--tz TZ] [--now ISO] [--json] [TEXT]`: show what the parser understood."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, tzinfo
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.common import settings_or_report
from bot.errors import ParseError
from bot.parsing import ParseSettings, parse
from bot.present import messages


def run(args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Exit 0 when everything parsed (or in stdin mode), 1 when a single TEXT failed, 2 on bad options."""
    out = stdout or sys.stdout
    source = stdin or sys.stdin
    config = settings_or_report("roombot parse", err=sys.stderr)
    if config is None:
        return 2
    settings = ParseSettings(
        work_start=config.work_start,
        work_end=config.work_end,
        default_meeting_minutes=config.default_meeting_minutes,
        date_order=config.date_order,
        max_span_days=config.max_span_days,
    )
    try:
        zone = _zone(args.tz or config.default_tz)
        now = _moment(args.now, zone)
    except ValueError as exc:
        print(f"roombot parse: {exc}", file=sys.stderr)
        return 2

    if args.text:
        result, ok = _one(" ".join(args.text), now, zone, settings)
        out.write((json.dumps(result, ensure_ascii=False) if args.json else _human(result)) + "\n")
        return 0 if ok else 1

    for line in source:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        text, line_now, line_zone = line, now, zone
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("a JSON line must be an object")
                text = str(obj.get("text", ""))
                if obj.get("tz"):
                    line_zone = _zone(str(obj["tz"]))
                if obj.get("now"):
                    line_now = _moment(str(obj["now"]), line_zone)
            except ValueError as exc:
                out.write(
                    json.dumps({"text": line, "error": "bad_input", "error_message": str(exc)}, ensure_ascii=False) + "\n"
                )
                continue
        result, _ = _one(text, line_now, line_zone, settings)
        out.write((json.dumps(result, ensure_ascii=False) if args.json or not args.text else _human(result)) + "\n")
        out.flush()
    return 0


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from exc


def _moment(raw: str | None, zone: tzinfo) -> datetime:
    if not raw:
        return datetime.now(UTC).astimezone(zone)
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"--now must be an ISO 8601 date-time such as 2025-12-02T10:00+08:00, got {raw!r}") from exc
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _one(text: str, now: datetime, zone: tzinfo, settings: ParseSettings) -> tuple[dict[str, Any], bool]:
    try:
        return parse(text, now=now, tz=zone, settings=settings).to_json(), True
    except ParseError as exc:
        return {
            "intent": exc.detail.get("intent"),
            "text": exc.text or text,
            "start": None,
            "end": None,
            "time_kind": None,
            "duration_minutes": None,
            "group": None,
            "capacity": None,
            "labels": [],
            "rooms": [],
            "args": [],
            "error": exc.reason,
            "error_message": messages.parse_error(exc),
            "understood": exc.understood,
            "example": exc.example,
            "detail": exc.detail,
        }, False


def _human(result: dict[str, Any]) -> str:
    if result.get("error"):
        return f"error: {result['error']}\n{result.get('error_message', '')}"
    lines = [f"{key}: {value}" for key, value in result.items() if value not in (None, [], "") and key != "error"]
    return "\n".join(lines)
