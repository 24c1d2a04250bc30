"""`roombot bookings audit [--fix]`: bookings not in a final state, and DingTalk events roombot made
but does not know.

Without `--fix` it only reads (the database, and the operator's calendar around now: one call per
100 events) and exits 0 when all is well, 1 when something is unsettled. With `--fix` it runs the
reconciler's round at once: settles the bookings whose lease ran out, delivers the answers owed,
releases the orphan events, and exits 0 when nothing is left, 1 when something must wait for a
later round. 2 is a configuration error.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TextIO

from bot.commands.common import Invocation, entry_point
from bot.config import utc_now
from bot.errors import ConfigError, DingTalkError
from bot.jobs.host import build_reconciler
from bot.present import messages
from bot.store import BookingRecord
from bot.usecases.bookings.reconcile import Reconciler, Sweep
from bot.wiring import build_runtime


@entry_point(lambda args: f"roombot bookings {args.action}")
def run(args: argparse.Namespace, cli: Invocation) -> int:
    """Entry point of `roombot bookings`; returns the exit code."""
    if not cli.settings.has_dingtalk_credentials:
        return cli.fail(messages.WORDS.audit_not_configured, 2)
    try:
        runtime = build_runtime(cli.settings)
    except ConfigError as exc:
        return cli.fail(exc, 2)
    try:
        reconciler = build_reconciler(runtime)
        assert reconciler is not None  # the runtime has a DingTalk client
        return _audit(reconciler, fix=bool(args.fix), now=utc_now(), out=cli.out)
    except DingTalkError as exc:
        return cli.fail(messages.describe_error(exc))
    finally:
        runtime.close()


def _audit(reconciler: Reconciler, *, fix: bool, now: datetime, out: TextIO) -> int:
    settled = 0
    if fix:
        done = reconciler.run(now, sweep=False)
        settled = sum(1 for s in done.settled if s.outcome is not None)
    unsettled = _unsettled(reconciler)
    sweep = reconciler.sweep(now, release=fix)
    _print(unsettled, sweep, days=reconciler.settings.orphan_sweep_days, out=out)
    orphans_left = [o for o in sweep.orphans if not o.released]
    if fix:
        released = len(sweep.orphans) - len(orphans_left)
        print(messages.audit_fixed(settled=settled, released=released, left=len(unsettled) + len(orphans_left)), file=out)
    elif not unsettled and not sweep.orphans:
        print(messages.WORDS.audit_clean, file=out)
    return 0 if not unsettled and not orphans_left else 1


def _unsettled(reconciler: Reconciler) -> list[BookingRecord]:
    bookings = reconciler.store.bookings
    return [record for team in bookings.team_ids_with_work() for record in bookings.unsettled(team)]


def _print(unsettled: list[BookingRecord], sweep: Sweep, *, days: int, out: TextIO) -> None:
    print(messages.audit_header_unsettled(len(unsettled)), file=out)
    for record in unsettled:
        note = "to release" if record.release else (record.error or "being booked")
        print(
            messages.audit_unsettled_line(
                team_id=record.team_id,
                booking_id=record.id,
                room_name=record.room_name,
                start=record.start,
                user_id=record.slack_user_id,
                event_id=record.event_id,
                note=f"{note}, {record.attempts} attempt(s)",
            ),
            file=out,
        )
    print(messages.audit_header_orphans(len(sweep.orphans), days=days), file=out)
    for orphan in sweep.orphans:
        line = messages.audit_orphan_line(
            event_id=orphan.event.event_id, summary=orphan.event.summary, start=orphan.event.start, team_id=orphan.team_id
        )
        print(line + ("  released" if orphan.released else ""), file=out)


__all__ = ["run"]
