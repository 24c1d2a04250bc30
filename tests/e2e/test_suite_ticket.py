"""The suite ticket of a third-party app: DingTalk (the simulator) pushes a new one to roombot's HTTP
server, signed and encrypted; roombot keeps it in the database and its next token fetch uses it,
without a restart. The simulator refuses the old ticket once it rotated, as DingTalk eventually does."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.present.reply import FindReply, TextReply
from bot.slack.wsgi import DINGTALK_CALLBACK_PATH, RoombotWSGI
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import SIGNING_SECRET
from tests.e2e.test_http_endpoint import serve
from tests.runtimes import as_third_party_app

CALLBACK_TOKEN = "roombot-callback-token"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters, as DingTalk gives it
TEAM, USER = "T1", "U1"


@pytest.fixture
def settings(database_url: str, sim: Any, fake_slack: FakeSlack) -> Settings:
    """roombot as a third-party app of the simulated organisation, with the HTTP event callback set up."""
    base = Settings(
        slack_bot_token=fake_slack.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=database_url,
        dingtalk_callback_token=CALLBACK_TOKEN,
        dingtalk_callback_aes_key=AES_KEY,
        deadline_s=2.0,
        request_timeout_s=2.0,
    )
    return as_third_party_app(base, sim)


@pytest.fixture
def base_url(make_app: Any, runtime: Any) -> Iterator[str]:
    wsgi = RoombotWSGI(app=make_app(), health=runtime.service.health, dingtalk_callback=runtime.service.dingtalk_callback)
    yield from serve(wsgi)


def ask(runtime: Any) -> FindReply | TextReply:
    reply = runtime.service.handle_text(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), "free rooms tomorrow 2-3pm")
    assert isinstance(reply, (FindReply, TextReply))
    return reply


def corp_token(sim: Any, ticket: str) -> httpx.Response:
    return httpx.post(
        f"{sim.url}/v1.0/oauth2/corpAccessToken",
        json={"suiteKey": sim.suite_key, "suiteSecret": sim.suite_secret, "authCorpId": sim.corp_id, "suiteTicket": ticket},
    )


def test_a_rotated_suite_ticket_is_pushed_stored_and_used_without_a_restart(base_url: str, runtime: Any, sim: Any) -> None:
    assert runtime.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR).kind == "success"
    first_ticket = sim.suite_ticket
    registered = httpx.post(
        f"{sim.url}/_sim/callback",
        json={"url": base_url + DINGTALK_CALLBACK_PATH, "token": CALLBACK_TOKEN, "aesKey": AES_KEY},
    )
    assert registered.json() == {"ok": True}

    rotated = httpx.post(f"{sim.url}/_sim/suite-ticket/rotate").json()
    assert rotated["status"] == 200 and rotated["acknowledged"] is True  # roombot answered an encrypted "success"
    assert rotated["suite_ticket"] != first_ticket
    assert runtime.store.suite_tickets.latest(sim.suite_key) == rotated["suite_ticket"]
    assert corp_token(sim, first_ticket).json()["code"] == "invalidSuiteTicket"  # the old ticket is dead

    httpx.post(f"{sim.url}/_sim/tokens/expire").raise_for_status()
    sim.reset_stats()
    assert isinstance(ask(runtime), FindReply)  # a new corp token was bought with the pushed ticket
    assert sim.stats()["corpAccessToken"] == 1


def test_without_the_push_the_expired_ticket_fails_the_token_fetch(runtime: Any, sim: Any) -> None:
    assert runtime.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR).kind == "success"
    rotated = httpx.post(f"{sim.url}/_sim/suite-ticket/rotate").json()  # nowhere to push to
    assert rotated["acknowledged"] is False
    httpx.post(f"{sim.url}/_sim/tokens/expire").raise_for_status()
    reply = ask(runtime)
    assert isinstance(reply, TextReply) and reply.kind == "error"


def test_a_forged_push_is_refused_and_changes_nothing(base_url: str, runtime: Any, sim: Any) -> None:
    forged = httpx.post(
        base_url + DINGTALK_CALLBACK_PATH,
        params={"signature": "0" * 40, "timestamp": "1700000000000", "nonce": "abc"},
        json={"encrypt": base64.b64encode(b"x" * 64).decode()},
    )
    assert forged.status_code == 403
    assert runtime.store.suite_tickets.latest(sim.suite_key) is None

    # Signed with the right token but encrypted under another key: refused too.
    other_key = base64.b64encode(bytes(range(1, 33))).decode().rstrip("=")
    httpx.post(
        f"{sim.url}/_sim/callback",
        json={"url": base_url + DINGTALK_CALLBACK_PATH, "token": CALLBACK_TOKEN, "aesKey": other_key},
    ).raise_for_status()
    rotated = httpx.post(f"{sim.url}/_sim/suite-ticket/rotate").json()
    assert rotated["status"] == 403 and rotated["acknowledged"] is False
    assert runtime.store.suite_tickets.latest(sim.suite_key) is None
