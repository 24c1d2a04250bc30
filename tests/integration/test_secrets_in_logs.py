"""A whole session logged at DEBUG, then searched for every secret: none may appear.

Everything logs at its most talkative level (the root, roombot, httpx, httpcore, slack_sdk and
slack_bolt at DEBUG, SQLAlchemy's engine at INFO, which logs every statement and its
parameters). The session covers what handles secrets: fetching and refreshing DingTalk tokens
(internal app and third-party suite), the oapi user lookup (token in the URL), DingTalk refusing
the credentials, the Slack token checked and used by the Bolt app, signed requests, and a forged
one. Each captured record is searched whole: formatted message, raw args, exception text and
any extra attributes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.present.reply import FindReply, TextReply
from bot.sim import Simulator
from bot.slack.blocks import render
from bot.store.sync import sync_directory
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import FORM, JSON, SIGNING_SECRET, dm_event, event_body, signed, slash_body
from tests.e2e.workspace import ALICE, TEAM
from tests.runtimes import as_third_party_app

ZONE = "Asia/Shanghai"
APP_TOKEN = "xapp-1-A0ROOMBOT-0000000000-appleveltokensecret0123456789"
BOT_TOKEN = "xoxb-1111111111-2222222222-botTokenSecretValue0123"
TALKATIVE = ("bot", "httpx", "httpcore", "slack_sdk", "slack_bolt", "urllib3", "hpack")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # `set_level` also sets the capturing handler's level: the INFO one first, DEBUG last.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    for name in TALKATIVE:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)  # the root logger and the capturing handler
    return caplog


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=BOT_TOKEN).start()
    try:
        yield fake
    finally:
        fake.stop()


class IssuedTokens:
    """Records every access token the simulator hands out (internal-app and corp tokens)."""

    def __init__(self, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tokens: list[str] = []
        issue = sim._issue_token  # the one place the simulator mints a token

        def recording() -> str:
            token = issue()
            self.tokens.append(token)
            return token

        monkeypatch.setattr(sim, "_issue_token", recording)


def record_text(record: logging.LogRecord) -> str:
    """All of a record that a handler could write: message, args, exception, stack and extras."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    parts = [formatter.format(record), repr(record.msg), repr(record.args)]
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    parts.extend([record.exc_text or "", record.stack_info or "", repr(vars(record))])
    return "\n".join(parts)


def day(days_ahead: int) -> str:
    return f"{datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days_ahead):%Y-%m-%d}"


def ask(runtime: Runtime, text: str, *, team: str = TEAM) -> Any:
    return runtime.service.handle_text(Caller(team_id=team, user_id=ALICE, tz=ZONE), text)


def test_a_full_session_at_debug_logs_no_secret(
    debug_logs: pytest.LogCaptureFixture,
    sim: Simulator,
    fake_slack: FakeSlack,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.slack.app import create_app

    issued = IssuedTokens(sim, monkeypatch)
    settings = point_at_simulator(
        Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=APP_TOKEN,
            slack_api_url=fake_slack.base_url,
            database_url=database_url,
            default_tz=ZONE,
            deadline_s=3.0,
            fetch_horizon_days=1,  # each question below is about a day of its own, so each one calls DingTalk
            request_timeout_s=3.0,
            admin_user_ids=(ALICE,),  # she imports the workspace's groups
        ),
        sim,
    )
    with build_runtime(settings) as runtime:
        # Sync, groups, a question, and every room of it.
        report = sync_directory(
            store=runtime.store,
            client=runtime.dingtalk,
            team_id=TEAM,
            union_id=sim.operator_union_id,
            now=datetime.now(ZoneInfo(ZONE)),
        )
        assert report is not None
        assert ask(runtime, "group import").kind == "success"
        assert ask(runtime, "group add HQ 3F-Everest 3F-K2").kind == "success"
        found = ask(runtime, "free rooms tomorrow 2-3pm")
        assert isinstance(found, FindReply)
        show_all = next(
            (
                element["value"]
                for block in render(found, max_rooms=1)["blocks"]
                for element in block.get("elements", [])
                if isinstance(element, dict) and element.get("action_id") == "show_all"
            ),
            "free rooms tomorrow 2-3pm",
        )
        everything = runtime.service.show_all(Caller(team_id=TEAM, user_id=ALICE, tz=ZONE), show_all)
        assert isinstance(everything, FindReply) and everything.show_all

        # Slack: the token is checked at start (auth.test), a slash command is answered, a DM is answered.
        app = create_app(settings=runtime.settings, service=runtime.service, token_verification_enabled=True)
        command = slash_body("free rooms tomorrow 3-4pm", response_url=fake_slack.response_url())
        assert app.dispatch(signed(command, content_type=FORM)).status == 200
        fake_slack.wait_for("/webhook/default")
        assert app.dispatch(signed(event_body(dm_event("groups")), content_type=JSON)).status == 200
        fake_slack.wait_for("chat.postMessage")
        forged = app.dispatch(signed(command, content_type=FORM, secret="not-" + SIGNING_SECRET))
        assert forged.status == 401

        # The token expires mid-session and is refreshed; then linking by mobile number looks the
        # user up on the oapi host, with the token in the URL.
        sim.expire_tokens()
        mobile = str(sim.users[1]["mobile"])
        sent = ask(runtime, f"link {mobile}")
        assert isinstance(sent, TextReply) and sent.kind == "info", sent
        code = re.search(r"\b(\d{6})\b", sim.notifications[-1]["text"])
        assert code is not None
        link_code = code[1]
        linked = ask(runtime, f"link {link_code}")
        assert isinstance(linked, TextReply) and linked.kind == "success", linked
        assert sim.stats()["userGetByMobile"] >= 1
        assert len(issued.tokens) >= 2, "premise: the token was refreshed"

        # DingTalk errors: a failing call, then refused credentials.
        sim.inject_fault("schedules", status=500, code="ServiceUnavailable", message="busy", count=3)
        ask(runtime, f"free rooms {day(2)} 5-6pm")
        sim.revoke_credentials()
        sim.expire_tokens()
        refused = ask(runtime, f"free rooms {day(3)} 6-7pm")
        assert isinstance(refused, TextReply) and refused.kind == "error"
        assert runtime.service.health()["dingtalk"] is False
        sim.restore_credentials()

    # A third-party (suite) app: the suite secret and ticket buy a corp token.
    suite = as_third_party_app(settings, sim)
    with build_runtime(suite) as runtime:
        assert isinstance(ask(runtime, "free rooms tomorrow 2-3pm", team="T_SUITE"), (FindReply, TextReply))
        assert runtime.service.health() == {"database": True, "dingtalk": True}
        sim.expire_tokens()
        ask(runtime, f"free rooms {day(2)} 7-8pm", team="T_SUITE")

    assert sim.stats()["corpAccessToken"] >= 1, "premise: the suite path fetched a corp token"
    secrets = {
        "DingTalk app secret": sim.app_secret,
        "DingTalk suite secret": sim.suite_secret,
        "DingTalk suite ticket": sim.suite_ticket,
        "Slack bot token": BOT_TOKEN,
        "Slack signing secret": SIGNING_SECRET,
        "Slack app token": APP_TOKEN,
        **{f"DingTalk access token #{n}": token for n, token in enumerate(issued.tokens)},
    }
    records = debug_logs.records
    loggers = {record.name.split(".")[0] for record in records}
    # Premise: the talkative loggers did talk, so silence about secrets means something.
    assert {"bot", "httpx", "httpcore", "slack_sdk", "slack_bolt", "sqlalchemy"} <= loggers, loggers
    assert any("access_token=" in record.getMessage() for record in records if record.name == "httpx")

    leaks = [
        (what, record.name, record.getMessage()[:200])
        for record in records
        for what, secret in secrets.items()
        if secret in record_text(record)
    ]
    assert leaks == [], json.dumps(leaks, ensure_ascii=False, indent=1)
    # The link code proves who owns a DingTalk account: whoever reads the logs must not see it
    # (the user's own `link <code>` message aside, which names no account).
    code_pattern = re.compile(rf"(?<![\d.]){link_code}(?!\d)")
    code_leaks = [
        record.getMessage()[:200]
        for record in records
        if code_pattern.search(record_text(record)) and f"link {link_code}" not in record_text(record)
    ]
    assert code_leaks == [], code_leaks
