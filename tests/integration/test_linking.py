"""Linking a DingTalk account by a one-time code: the work-notification endpoint of the simulator
over HTTP, and the whole flow through the service on a real database.

The code is read back from `GET /_sim/notifications`, as its owner would read it in DingTalk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.present import messages
from bot.present.reply import Reply, TextReply
from bot.sim import Simulator
from bot.store import models as m
from bot.usecases.context import Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

TEAM, ANA, BEN = "T1", "U_ANA", "U_BEN"


# --- the simulated endpoint -------------------------------------------------------------------


def send(oapi: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = oapi.post("/topapi/message/corpconversation/asyncsend_v2", json=body)
    assert response.status_code == 200, response.text  # old-style APIs report errors in the body
    return response.json()


def text_msg(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def test_a_work_notification_is_delivered_and_listed(oapi: httpx.Client, sim: Simulator) -> None:
    person = sim.users[2]
    body = send(oapi, {"agent_id": sim.agent_id, "userid_list": person["userid"], "msg": text_msg("hello 123456")})
    assert body["errcode"] == 0 and body["errmsg"] == "ok"
    assert isinstance(body["task_id"], int) and body["request_id"]
    listed = httpx.get(f"{sim.url}/_sim/notifications").json()["notifications"]
    assert [(n["userid"], n["unionid"], n["text"], n["task_id"]) for n in listed] == [
        (person["userid"], person["unionid"], "hello 123456", body["task_id"])
    ]
    assert datetime.fromisoformat(listed[0]["sent_at"]).tzinfo is not None


def test_work_notification_errors(oapi: httpx.Client, sim: Simulator) -> None:
    person = sim.users[2]
    wrong_agent = send(oapi, {"agent_id": sim.agent_id + 1, "userid_list": person["userid"], "msg": text_msg("x")})
    assert wrong_agent["errcode"] == 40056
    nobody = send(oapi, {"agent_id": sim.agent_id, "userid_list": "no-such-user", "msg": text_msg("x")})
    assert nobody["errcode"] == 60121
    too_long = send(oapi, {"agent_id": sim.agent_id, "userid_list": person["userid"], "msg": text_msg("码" * 700)})
    assert too_long["errcode"] == 40035  # over 2048 bytes
    no_token = httpx.post(
        f"{sim.url}/topapi/message/corpconversation/asyncsend_v2",
        json={"agent_id": sim.agent_id, "userid_list": person["userid"], "msg": text_msg("x")},
    ).json()
    assert no_token["errcode"] == 40014
    assert httpx.get(f"{sim.url}/_sim/notifications").json()["notifications"] == []


def test_work_notifications_count_against_the_monthly_quota_unlike_look_ups(oapi: httpx.Client, sim: Simulator) -> None:
    sim.configure(monthly_quota=1)
    person = sim.users[2]
    assert send(oapi, {"agent_id": sim.agent_id, "userid_list": person["userid"], "msg": text_msg("a")})["errcode"] == 0
    refused = oapi.post(
        "/topapi/message/corpconversation/asyncsend_v2",
        json={"agent_id": sim.agent_id, "userid_list": person["userid"], "msg": text_msg("b")},
    )
    assert refused.status_code != 200 or refused.json().get("errcode") != 0
    # Contact look-ups stay exempt.
    looked_up = oapi.post("/topapi/v2/user/get", json={"userid": person["userid"]}).json()
    assert looked_up["errcode"] == 0


def test_the_directory_lists_a_departments_people_with_their_emails_a_page_at_a_time(
    oapi: httpx.Client, sim: Simulator
) -> None:
    seen: list[dict[str, Any]] = []
    cursor = 0
    while True:
        body = oapi.post("/topapi/v2/user/list", json={"dept_id": 1, "cursor": cursor, "size": 3}).json()
        assert body["errcode"] == 0
        seen.extend(body["result"]["list"])
        if not body["result"]["has_more"]:
            assert "next_cursor" not in body["result"]
            break
        cursor = body["result"]["next_cursor"]
    assert [(p["userid"], p["unionid"], p["email"]) for p in seen] == [
        (u["userid"], u["unionid"], u["email"]) for u in sim.users
    ]
    assert oapi.post("/topapi/v2/user/list", json={"dept_id": 1, "cursor": 0, "size": 101}).json()["errcode"] == 40035
    assert oapi.post("/topapi/v2/user/list", json={"dept_id": 99, "cursor": 0, "size": 10}).json()["errcode"] == 60003
    subs = oapi.post("/topapi/v2/department/listsubid", json={"dept_id": 1}).json()
    assert subs["errcode"] == 0 and subs["result"]["dept_id_list"] == []


def test_the_client_finds_a_person_by_directory_email(runtime: Runtime, sim: Simulator) -> None:
    person = sim.users[5]
    assert runtime.dingtalk.find_user_by_email(f"  {str(person['email']).upper()} ") == (person["userid"], person["unionid"])
    assert runtime.dingtalk.find_user_by_email("nobody@example.com") is None
    assert sim.stats()["userList"] >= 1


# --- the flow through the service ---------------------------------------------------------------


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


@pytest.fixture
def runtime(sim: Simulator, database_url: str, clock: FakeClock) -> Iterator[Runtime]:
    settings = point_at_simulator(Settings(database_url=database_url, deadline_s=3.0), sim)
    with build_runtime(settings, clock=clock) as built:
        yield built


def ask(runtime: Runtime, text: str, *, user: str = ANA) -> Reply:
    return runtime.service.handle_text(Caller(team_id=TEAM, user_id=user, tz="Asia/Shanghai"), text)


def delivered_code(sim: Simulator, userid: str) -> str:
    """The newest code DingTalk delivered to `userid`."""
    notes = [n for n in httpx.get(f"{sim.url}/_sim/notifications").json()["notifications"] if n["userid"] == userid]
    found = re.search(r"\b(\d{6})\b", notes[-1]["text"])
    assert found is not None
    return found[1]


def test_a_code_links_the_account_as_verified_and_is_kept_only_hashed(runtime: Runtime, sim: Simulator) -> None:
    person = sim.users[3]
    sent = ask(runtime, f"link {person['unionid']}")
    assert isinstance(sent, TextReply) and sent.kind == "info"
    code = delivered_code(sim, str(person["userid"]))

    # What the database holds is a salted hash bound to Ana and the account: never the code.
    with Session(runtime.engine) as session:
        row = session.scalar(select(m.LinkCode).where(m.LinkCode.user_id == ANA))
        assert row is not None and row.code_hash and code not in (row.code_hash or "")
        assert row.union_id == person["unionid"]
        stored = {column.name: getattr(row, column.name) for column in m.LinkCode.__table__.columns}
    assert all(code not in str(value) for value in stored.values())

    # Ben cannot use Ana's code: codes belong to the person who asked.
    assert isinstance(ask(runtime, f"link {code}", user=BEN), TextReply)
    ben = runtime.store.users.get(TEAM, BEN)
    assert ben is None or not ben.linked

    linked = ask(runtime, f"link {code}")
    assert isinstance(linked, TextReply) and linked.text == messages.WORDS.linked_verified
    ana = runtime.store.users.get(TEAM, ANA)
    assert ana is not None and ana.union_id == person["unionid"] and ana.verified
    # A code works once.
    assert isinstance(again := ask(runtime, f"link {code}"), TextReply) and again.text == messages.WORDS.link_code_none


def test_a_code_expires_after_ten_minutes(runtime: Runtime, sim: Simulator, clock: FakeClock) -> None:
    person = sim.users[4]
    ask(runtime, f"link {person['mobile']}")
    code = delivered_code(sim, str(person["userid"]))
    clock.now += timedelta(minutes=10, seconds=1)
    expired = ask(runtime, f"link {code}")
    assert isinstance(expired, TextReply) and expired.text == messages.WORDS.link_code_expired
    ana = runtime.store.users.get(TEAM, ANA)
    assert ana is None or not ana.linked


def test_asking_for_codes_again_and_again_starts_a_cool_down(runtime: Runtime, sim: Simulator, clock: FakeClock) -> None:
    person = sim.users[5]
    for _ in range(5):  # the default: five codes per cool-down window
        sent = ask(runtime, f"link {person['mobile']}")
        assert isinstance(sent, TextReply) and "sent a 6-digit code" in sent.text
    waiting = ask(runtime, f"link {person['mobile']}")
    assert isinstance(waiting, TextReply) and "Too many link attempts" in waiting.text
    assert len([n for n in sim.notifications if n["userid"] == person["userid"]]) == 5
    # The last code sent still works: the person who owns the account is not locked out by it.
    linked = ask(runtime, f"link {delivered_code(sim, str(person['userid']))}")
    assert isinstance(linked, TextReply) and linked.kind == "success"
    # After the cool-down, codes can be asked for again.
    clock.now += timedelta(minutes=16)
    again = ask(runtime, f"link {person['mobile']}")
    assert isinstance(again, TextReply) and "sent a 6-digit code" in again.text


def test_a_failed_delivery_leaves_no_code_to_guess(runtime: Runtime, sim: Simulator) -> None:
    person = sim.users[2]
    sim.inject_fault("workNotify", status=500, code="ServiceUnavailable", count=10)
    failed = ask(runtime, f"link {person['mobile']}")
    assert isinstance(failed, TextReply) and failed.kind == "error"
    assert sim.notifications == []
    guess = ask(runtime, "link 000000")
    assert isinstance(guess, TextReply) and guess.text == messages.WORDS.link_code_none
