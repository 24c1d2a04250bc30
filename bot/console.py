"""The terminal front end: `roombot ask` (one message) and `roombot demo` (a chat).

Both run the same service as Slack. Without DingTalk credentials they start the embedded
simulator and use a local demo database, whose workspace groups are imported from the
simulator's DingTalk groups on first use, so a fresh machine has something to ask about.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Settings
from bot.errors import ConfigError, RoomBotError, StoreUnavailable
from bot.markup import unescape_mrkdwn
from bot.present import messages
from bot.present.actions import REFRESH
from bot.present.reply import FindReply, Reply, TextReply
from bot.present.terminal import render_text
from bot.sim import Simulator
from bot.slack.blocks import render
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import DEMO_TEAM_ID, Runtime, build_runtime

DEMO_DATABASE_URL = "sqlite:///roombot-demo.db"


def _settings(args: argparse.Namespace, *, err: TextIO) -> tuple[Settings, bool] | None:
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"roombot: {messages.cli_configuration_error(str(exc))}", file=err)
        return None
    use_simulator = not settings.has_dingtalk_credentials
    db = getattr(args, "db", None)
    if db:
        settings = settings.with_overrides(database_url=db)
    elif use_simulator and not os.environ.get("DATABASE_URL"):
        # Demo data never lands in the database a real deployment would use.
        settings = settings.with_overrides(database_url=DEMO_DATABASE_URL)
    return settings, use_simulator


def _zone(name: str | None, settings: Settings, *, err: TextIO) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else settings.default_zone
    except (ZoneInfoNotFoundError, ValueError):
        print(f"roombot: {messages.cli_unknown_tz(name or '')}", file=err)
        return None


def _prepare(args: argparse.Namespace, *, err: TextIO) -> tuple[Settings, bool, ZoneInfo] | None:
    """Settings, whether to use the simulator, and the asker's zone; None after saying what is wrong."""
    prepared = _settings(args, err=err)
    if prepared is None:
        return None
    settings, use_simulator = prepared
    zone = _zone(args.tz, settings, err=err)
    if zone is None:
        return None
    return settings, use_simulator, zone


def _now(value: str | None, zone: ZoneInfo, *, err: TextIO) -> datetime | None | bool:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        print(f"roombot: {messages.cli_bad_now(value)}", file=err)
        return False
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _start(settings: Settings, use_simulator: bool, *, seed: int = 7, err: TextIO) -> Runtime | None:
    try:
        runtime = build_runtime(settings, use_simulator=use_simulator, sim_seed=seed)
    except (ConfigError, StoreUnavailable) as exc:
        # Start-up problems are the operator's: name the setting or the server, not "try again".
        print(f"roombot: {exc}", file=err)
        return None
    except RoomBotError as exc:
        print(f"roombot: {unescape_mrkdwn(messages.describe_error(exc))}", file=err)
        return None
    except OSError as exc:  # a port that cannot be bound, a file that cannot be created
        print(f"roombot: {messages.cli_cannot_start(f'{exc.__class__.__name__}: {exc}')}", file=err)
        return None
    if use_simulator:
        _prepare_demo_team(runtime)
    return runtime


def _prepare_demo_team(runtime: Runtime) -> None:
    """Give the demo workspace DingTalk's groups, so the first question has rooms to check."""
    if not runtime.store.groups.visible(DEMO_TEAM_ID, user_id="", channel_id=None):
        runtime.service.import_groups(team_id=DEMO_TEAM_ID, user_id="U_DEMO", actor=CONSOLE_OPERATOR)


def _print_reply(reply: Reply, *, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(render(reply), ensure_ascii=False, indent=2), file=out)
    else:
        print(render_text(reply), file=out)


def run_ask(args: argparse.Namespace, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`roombot ask`: one message through the whole pipeline."""
    prepared = _prepare(args, err=err)
    if prepared is None:
        return 2
    settings, use_simulator, zone = prepared
    now = _now(args.now, zone, err=err)
    if now is False:
        return 2
    team = DEMO_TEAM_ID if use_simulator else args.team
    runtime = _start(settings, use_simulator, err=err)
    if runtime is None:
        return 1
    with runtime:
        moment = now if isinstance(now, datetime) else None
        caller = Caller(
            team_id=team, user_id=args.user, channel_id=args.channel, tz=zone.key, now=moment, actor=CONSOLE_OPERATOR
        )
        reply = runtime.service.handle_text(caller, " ".join(args.text))
        _print_reply(reply, as_json=args.json, out=out)
    return 1 if isinstance(reply, TextReply) and reply.kind == "error" else 0


def _show_notifications(runtime: Runtime, shown: int, *, out: TextIO) -> int:
    """On the embedded simulator, show the DingTalk work notifications it delivered since `shown`
    (a link code is read there, as a person reads it in DingTalk); returns how many there are now."""
    sim = runtime.simulator
    if not isinstance(sim, Simulator):
        return shown
    notes = sim.notifications
    for note in notes[shown:]:
        print(messages.demo_work_notification(str(note["text"])), file=out)
    return len(notes)


def run_demo(
    args: argparse.Namespace,
    *,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """`roombot demo`: chat with roombot in the terminal."""
    prepared = _prepare(args, err=err)
    if prepared is None:
        return 2
    settings, use_simulator, zone = prepared
    runtime = _start(settings, use_simulator, seed=args.seed, err=err)
    if runtime is None:
        return 1
    team = DEMO_TEAM_ID if use_simulator else getattr(args, "team", DEMO_TEAM_ID)
    with runtime:
        print(unescape_mrkdwn(messages.demo_greeting(zone.key, simulated=use_simulator)), file=out)
        last_find: str | None = None
        shown_notes = 0
        last_refresh: str | None = None
        caller = Caller(team_id=team, user_id=args.user, tz=zone.key, actor=CONSOLE_OPERATOR)
        while True:
            try:
                line = read("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                print(file=out)
                break
            if not line:
                continue
            if line.lower() in {"quit", "exit", "bye", "q", "退出"}:
                break
            if line.lower() == "show all" and last_find is not None:
                reply = runtime.service.show_all(caller, last_find)
            elif line.lower() == "refresh" and last_refresh is not None:
                # The terminal's Refresh button: the same question and window, newer data if the budget allows.
                reply = runtime.service.refresh(caller, last_refresh)
            else:
                reply = runtime.service.handle_text(caller, line)
                if type(reply).__name__ == "FindReply":
                    last_find = line
            last_refresh = refresh_payload(reply) or last_refresh
            print(render_text(reply), file=out)
            shown_notes = _show_notifications(runtime, shown_notes, out=out)
            print(file=out)
        print(messages.WORDS.demo_goodbye, file=out)
    return 0


def refresh_payload(reply: Reply) -> str | None:
    """The value of the reply's Refresh button (what typing `refresh` asks again), if it has one."""
    if not isinstance(reply, FindReply):
        return None
    return next((button.value for button in reply.buttons if REFRESH.matches(button.action_id)), None)
