"""`roombot …`: the command-line contract (tests, benchmarks and people rely on these sub-commands and flags).

Each sub-command's work lives beside the code it drives; this module only parses arguments and
imports the handler lazily, so `roombot parse` does not pay for Slack or the database.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from bot import __version__

# sub-command -> "module:function"; each function takes the parsed arguments and returns an exit code.
HANDLERS = {
    "serve": "bot.slack.server:run",
    "demo": "bot.console:run_demo",
    "ask": "bot.console:run_ask",
    "parse": "bot.commands.parse:run",
    "sim": "bot.commands.sim:run",
    "sync": "bot.commands.db:run_sync",
    "db": "bot.commands.db:run_db",
    "jobs": "bot.commands.jobs:run",
    "bookings": "bot.commands.bookings:run",
    "quota": "bot.commands.quota:run",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roombot", description="Find and book DingTalk meeting rooms from Slack.")
    parser.add_argument("--version", action="version", version=f"roombot {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN, else HTTP on $PORT)")
    serve.add_argument(
        "--mode", choices=["auto", "socket", "http"], default="auto", help="force Socket Mode or HTTP (default: auto)"
    )

    demo = sub.add_parser("demo", help="chat with roombot in the terminal on the embedded simulator")
    demo.add_argument("--user", default="U_DEMO", help="Slack user id to act as")
    demo.add_argument("--tz", default=None, help="IANA time zone of the user")
    demo.add_argument("--seed", type=int, default=7, help="simulator seed")
    demo.add_argument("--db", default=None, help="SQLAlchemy URL of the demo database")

    ask = sub.add_parser("ask", help="send one message through the whole pipeline")
    ask.add_argument("--user", default="U_DEMO", help="Slack user id to act as")
    ask.add_argument("--team", default="T_DEMO", help="Slack team id")
    ask.add_argument("--channel", default=None, help="Slack channel id")
    ask.add_argument("--tz", default=None, help="IANA time zone of the user")
    ask.add_argument("--now", default=None, help="the moment the message was sent (ISO 8601)")
    ask.add_argument("--json", action="store_true", help='print {"text": ..., "blocks": [...]} as Slack would get it')
    ask.add_argument("text", nargs="+", help="the message")

    parse = sub.add_parser("parse", help="show what the parser understood")
    parse.add_argument("--tz", default=None, help="IANA time zone (default ROOMBOT_DEFAULT_TZ)")
    parse.add_argument("--now", default=None, help="the moment the message was sent (ISO 8601)")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.add_argument("text", nargs="*", help="the message; with none, one message per stdin line")

    sim = sub.add_parser("sim", help="run the DingTalk simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8089)
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--rooms", type=int, default=24)
    sim.add_argument("--latency-ms", type=float, default=0.0)
    sim.add_argument("--fail-rate", type=float, default=0.0, help="share of calls answered with a 5xx")
    sim.add_argument("--throttle-rate", type=float, default=0.0, help="share of calls answered with 403 QPS codes")
    sim.add_argument("--malformed-rate", type=float, default=0.0, help="share of calls answered with broken JSON")
    sim.add_argument("--max-rooms-per-call", type=int, default=5)
    sim.add_argument("--token-ttl", type=int, default=7200, help="access token lifetime in seconds")
    sim.add_argument("--qps-limit", type=int, default=None, help="calls per second per API before 403 QPS (0 = off)")
    sim.add_argument("--monthly-quota", type=int, default=None, help="calls a month before ApiCountLimitForOrg (0 = off)")
    sim.add_argument(
        "--close-room",
        action="append",
        default=None,
        metavar="ROOM[@UNTIL]",
        help="close a room (name or id) for bookings, until an ISO date or moment or indefinitely (repeatable)",
    )
    sim.add_argument("--reopen-room", action="append", default=None, metavar="ROOM", help="reopen a room (repeatable)")
    sim.add_argument("--approve", action="append", default=None, metavar="EVENT_ID", help="approve a pending booking")
    sim.add_argument("--decline", action="append", default=None, metavar="EVENT_ID", help="decline a pending booking")
    sim.add_argument(
        "--url",
        default=None,
        help="act on the simulator already running at this URL (the options above), then exit, instead of starting one",
    )

    sync = sub.add_parser("sync", help="refresh the room directory from DingTalk")
    sync.add_argument(
        "--team", action="append", default=None, help="Slack team id (repeatable; default: every team in the database)"
    )

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"], help="upgrade: apply migrations")
    db.add_argument("revision", nargs="?", default=None)

    jobs = sub.add_parser("jobs", help="background jobs: run them, or list them")
    jobs_sub = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    jobs_run = jobs_sub.add_parser("run", help="run due jobs until stopped (the Procfile's clock:)")
    jobs_run.add_argument("--once", action="store_true", help="run what is due now, then exit")
    jobs_run.add_argument("--now", default=None, help="with --once: the moment to run at (ISO 8601; implies --once)")
    jobs_sub.add_parser("list", help="each job, when it is due, its last run and last error")

    bookings = sub.add_parser("bookings", help="bookings roombot made: audit what is unsettled or left behind")
    bookings_sub = bookings.add_subparsers(dest="action", metavar="ACTION", required=True)
    audit = bookings_sub.add_parser(
        "audit", help="bookings not in a final state, and DingTalk events roombot made but does not know"
    )
    audit.add_argument("--fix", action="store_true", help="settle them now (complete, compensate, release orphans)")
    quota = sub.add_parser(
        "quota", help="this month's DingTalk calls by API, the budget, the projected month-end use, the refresh age"
    )
    quota.add_argument("--now", default=None, help="the moment to report at (ISO 8601)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _load_dotenv()
    module_name, _, function_name = HANDLERS[args.command].partition(":")
    handler = getattr(importlib.import_module(module_name), function_name)
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`roombot ask … | head`): nothing left to say, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _load_dotenv() -> None:
    """Read `.env` from the working directory when present; real environment variables win."""
    if os.path.exists(".env"):
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
