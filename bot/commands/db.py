"""`roombot sync` and `roombot db upgrade|downgrade|current`.

Each prints one line a person can act on and returns an exit code: 0 done, 1 failed (DingTalk or
the database), 2 not configured. URLs are printed without their password.
"""

from __future__ import annotations

import argparse

from sqlalchemy.exc import SQLAlchemyError

from bot.commands.common import Invocation, entry_point
from bot.config import utc_now
from bot.errors import DingTalkError, RoomBotError, StoreUnavailable
from bot.markup import unescape_mrkdwn
from bot.present import messages
from bot.store.db import current_revision, downgrade, head_revision, make_engine, safe_url, upgrade
from bot.store.sync import sync_directory
from bot.wiring import build_runtime

DEFAULT_TEAM_ID = "T_DEMO"


@entry_point(lambda args: "roombot sync")
def run_sync(args: argparse.Namespace, cli: Invocation) -> int:
    """Refresh the room directory of each team from DingTalk."""
    settings = cli.settings
    if not settings.has_dingtalk_credentials:
        return cli.fail(messages.WORDS.cli_no_dingtalk_credentials, 2)
    union_id = settings.dingtalk_operator_union_id
    if not union_id:
        return cli.fail(messages.WORDS.cli_operator_required, 2)

    try:
        runtime = build_runtime(settings)
    except StoreUnavailable:
        return cli.database_unreachable()
    store, client = runtime.store, runtime.dingtalk
    try:
        teams = list(dict.fromkeys(args.team or ())) or store.users.team_ids() or [DEFAULT_TEAM_ID]
        for team_id in teams:
            report = sync_directory(store=store, client=client, team_id=team_id, union_id=union_id, now=utc_now())
            prefix = f"{team_id}: " if len(teams) > 1 else ""
            synced = messages.cli_synced(report.total, report.added, report.changed, report.removed)
            print(f"{prefix}{synced}", file=cli.out)
    except DingTalkError as exc:
        return cli.fail(unescape_mrkdwn(messages.describe_error(exc)))
    except StoreUnavailable:
        return cli.database_unreachable()
    except RoomBotError as exc:
        return cli.fail(exc)
    finally:
        runtime.close()
    return 0


@entry_point(lambda args: "roombot db")
def run_db(args: argparse.Namespace, cli: Invocation) -> int:
    """Apply (`upgrade [REV]`, default head), undo (`downgrade [REV]`, default one step) or show migrations."""
    url = cli.settings.database_url
    engine = make_engine(url)
    try:
        if args.action == "upgrade":
            upgrade(engine, args.revision or "head")
        elif args.action == "downgrade":
            downgrade(engine, args.revision or "-1")
        current = current_revision(engine)
        print(messages.cli_database_state(safe_url(url), current, head_revision()), file=cli.out)
        return 0
    except SQLAlchemyError as exc:
        return cli.fail(messages.cli_database_failed(args.action, safe_url(url), type(exc).__name__))
    except RoomBotError as exc:
        return cli.fail(exc)
    except Exception as exc:  # Alembic's CommandError for an unknown revision, and the like
        if type(exc).__module__.startswith("alembic"):
            return cli.fail(exc)
        raise
    finally:
        engine.dispose()
