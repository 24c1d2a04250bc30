"""Only you can act as you: each attack from the issue, sent as signed Slack requests to the HTTP
endpoint in its production shape (listeners run after the acknowledgement), and refused.

DingTalk is the simulator; a one-time link code is read from its `GET /_sim/notifications`, the
way its owner reads it in DingTalk. What each attack would have changed is checked where it
would have landed: the simulator's events and notifications, and the database.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.present import messages
from bot.sim import Simulator
from bot.slack.app import create_app
from bot.slack.wsgi import RoombotWSGI
from bot.wiring import Runtime, build_runtime
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    ALICE,
    BOB,
    FORM,
    JSON,
    TEAM,
    block_actions_payload,
    event_body,
    mention_event,
    payload_body,
    signed_headers,
    slash_body,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAROL = "U_CAROL"  # a Slack workspace admin (users.info says so), not named in the settings
GUEST = "U_GUEST"  # a Slack Connect user from another organisation
GUEST_TEAM = "T_PARTNER"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    url: str
    runtime: Runtime
    fake: FakeSlack
    sim: Simulator

    def post(self, body: str, *, content_type: str = FORM) -> httpx.Response:
        headers = signed_headers(body, content_type=content_type)
        return httpx.post(f"{self.url}/slack/events", content=body.encode(), headers=headers)

    def slash(self, text: str, *, user: str = ALICE, team: str = TEAM, hook: str = "slash") -> Call:
        """`/rooms text`, signed; the answer roombot posts to the response_url."""
        before = len(self.fake.webhook_calls(hook))
        body = slash_body(text, response_url=self.fake.response_url(hook), user=user, team=team)
        assert self.post(body).status_code == 200
        return self.fake.wait_for(f"/webhook/{hook}", before + 1)[-1]

    def click(self, action_id: str, value: str, *, user: str = ALICE, hook: str = "click") -> Call:
        before = len(self.fake.webhook_calls(hook))
        payload = block_actions_payload(action_id, value, response_url=self.fake.response_url(hook), user=user)
        assert self.post(payload_body(payload)).status_code == 200
        return self.fake.wait_for(f"/webhook/{hook}", before + 1)[-1]

    def notifications(self) -> list[dict[str, Any]]:
        """What DingTalk delivered, read over HTTP from the simulator's control route."""
        reply = httpx.get(f"{self.sim.url}/_sim/notifications")
        reply.raise_for_status()
        notes: list[dict[str, Any]] = reply.json()["notifications"]
        return notes


@pytest.fixture
def serve(settings: Settings, fake_slack: FakeSlack, sim: Simulator) -> Iterator[Callable[..., Served]]:
    """Start `roombot serve`'s WSGI app over a runtime with some settings changed."""
    started: list[tuple[Any, Runtime]] = []
    fake_slack.timezones.update({ALICE: "Asia/Shanghai", BOB: "Asia/Shanghai", CAROL: "Asia/Shanghai"})
    fake_slack.profiles[CAROL] = {"is_admin": True, "team_id": TEAM}
    fake_slack.profiles[GUEST] = {"team_id": GUEST_TEAM}

    def start(**overrides: Any) -> Served:
        config = settings.with_overrides(**overrides)
        runtime = build_runtime(config)
        app = create_app(
            settings=config,
            service=runtime.service,
            process_before_response=False,
            token_verification_enabled=False,
            notice_after_s=60.0,
        )
        server = make_server(
            "127.0.0.1",
            0,
            RoombotWSGI(app=app, health=runtime.service.health),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append((server, runtime))
        return Served(f"http://127.0.0.1:{server.server_address[1]}", runtime, fake_slack, sim)

    try:
        yield start
    finally:
        for server, runtime in started:
            server.shutdown()
            server.server_close()
            runtime.close()


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None, text
    return found[1]


def evening(sim: Simulator) -> datetime:
    return datetime.combine(sim.today + timedelta(days=1), time(20), SHANGHAI)


def free_room(sim: Simulator, start: datetime) -> str:
    """A room with nothing booked from `start` for an hour (from the simulator's own schedule)."""
    for room in sim.rooms:
        if sim.schedule(str(room["roomId"]), start, start + timedelta(hours=1)) == [] and not room.get("isolated"):
            return str(room["roomName"])
    raise AssertionError("premise: some room is free that evening")


def room_names(sim: Simulator, count: int, *, skip: int = 0) -> list[str]:
    return [str(room["roomName"]) for room in sim.rooms[skip : skip + count]]


# --- a link proves ownership ----------------------------------------------------------------------


def test_a_link_completes_with_the_code_dingtalk_delivered_and_then_books_in_her_name(
    serve: Callable[..., Served], sim: Simulator
) -> None:
    served = serve()
    li_lei = sim.users[1]
    sent = served.slash(f"link {li_lei['mobile']}")
    assert "sent a 6-digit code" in sent.all_text()
    assert served.runtime.store.users.get(TEAM, ALICE) is None or not served.runtime.store.users.get(TEAM, ALICE).linked  # type: ignore[union-attr]

    (note,) = served.notifications()
    assert note["userid"] == li_lei["userid"] and note["unionid"] == li_lei["unionid"]
    linked = served.slash(f"link {code_in(note['text'])}")
    assert messages.WORDS.linked_verified in linked.all_text()
    user = served.runtime.store.users.get(TEAM, ALICE)
    assert user is not None and user.union_id == li_lei["unionid"] and user.verified

    start = evening(sim)
    served.slash(f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm")
    (event,) = sim.events
    assert event["organizer"]["id"] == li_lei["unionid"]


def test_linking_a_colleagues_account_cannot_complete(serve: Callable[..., Served], sim: Simulator) -> None:
    """Bob types Li Lei's number: the code goes to Li Lei's DingTalk; Bob's guesses run out."""
    served = serve(link_max_attempts=3)
    li_lei = sim.users[1]
    served.slash(f"link {li_lei['mobile']}", user=BOB)
    (note,) = served.notifications()
    assert note["userid"] == li_lei["userid"]  # only Li Lei reads it
    real = code_in(note["text"])
    guesses = [f"{(int(real) + n) % 1_000_000:06d}" for n in (1, 2, 3)]

    answers = [served.slash(f"link {guess}", user=BOB).all_text() for guess in guesses]
    assert "not right" in answers[0] and "2 more tries" in answers[0]
    assert "Too many link attempts" in answers[-1]
    # Even the right code, had Bob seen it, no longer links anything: the code is spent.
    assert "Too many link attempts" in served.slash(f"link {real}", user=BOB).all_text()
    # And asking for a fresh code waits for the cool-down.
    assert "Too many link attempts" in served.slash(f"link {li_lei['mobile']}", user=BOB).all_text()
    assert len(served.notifications()) == 1

    bob = served.runtime.store.users.get(TEAM, BOB)
    assert bob is None or bob.union_id is None
    # Booking now is in roombot's account, naming Bob, never as Li Lei.
    start = evening(sim)
    served.slash(f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm", user=BOB)
    (event,) = sim.events
    assert event["organizer"]["id"] == sim.operator_union_id != li_lei["unionid"]


def test_a_link_made_before_codes_stays_unverified_and_books_as_the_operator(
    serve: Callable[..., Served], sim: Simulator
) -> None:
    served = serve()
    colleague = sim.users[2]
    served.runtime.store.users.link(TEAM, BOB, str(colleague["unionid"]))  # as the old `link <unionId>` did
    assert "not confirmed" in served.slash("link", user=BOB).all_text()
    start = evening(sim)
    served.slash(f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm", user=BOB)
    (event,) = sim.events
    assert event["organizer"]["id"] == sim.operator_union_id


def test_unlink_and_an_admin_removing_someone_elses_link(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve(admin_user_ids=(ALICE,))
    users = served.runtime.store.users
    users.link(TEAM, BOB, str(sim.users[2]["unionid"]), verified=True)
    users.link(TEAM, CAROL, str(sim.users[3]["unionid"]), verified=True)

    assert messages.WORDS.unlink_others_admin_only in served.slash(f"unlink <@{CAROL}>", user=BOB).all_text()
    assert users.get(TEAM, CAROL).linked  # type: ignore[union-attr]
    assert messages.unlinked_other(CAROL) in served.slash(f"unlink <@{CAROL}|carol>").all_text()
    assert messages.WORDS.unlinked in served.slash("unlink", user=BOB).all_text()
    assert not users.get(TEAM, BOB).linked and not users.get(TEAM, CAROL).linked  # type: ignore[union-attr]


# --- workspace groups are admin-owned ----------------------------------------------------------------


def test_workspace_groups_are_imported_and_changed_by_admins_only(serve: Callable[..., Served]) -> None:
    served = serve(admin_user_ids=(ALICE,))
    groups = served.runtime.store.groups

    refused = served.slash("group import", user=BOB)
    assert messages.WORDS.workspace_groups_admin_only in refused.all_text()
    assert groups.visible(TEAM, user_id=BOB) == []

    # A Slack workspace admin (users.info is_admin) may, without being named in the settings.
    imported = served.slash("group import", user=CAROL)
    assert "error" not in imported.body["text"].lower(), imported.all_text()
    workspace = groups.visible(TEAM, user_id=BOB)
    assert workspace and all(group.scope == "workspace" for group in workspace)
    name = workspace[0].name

    for attack in (f'group rename "{name}" Mine', f'group delete "{name}"', f'group share "{name}"'):
        assert messages.WORDS.workspace_groups_admin_only in served.slash(attack, user=BOB).all_text(), attack
    assert groups.visible(TEAM, user_id=BOB) == workspace
    # The importer owns nothing either: rights come from being an admin, not from importing first.
    assert "Renamed" in served.slash(f'group rename "{name}" "HQ all"').all_text()


# --- people from another organisation -----------------------------------------------------------------


def test_an_external_user_is_refused_politely(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve()
    served.slash("group import", user=CAROL)
    start = evening(sim)
    attacks = [
        f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm",
        f"link {sim.users[1]['mobile']}",
        "group import",
        f"group add Partners {room_names(sim, 1)[0]}",
        f"free rooms {start:%Y-%m-%d} 8-9pm",
    ]
    for attack in attacks[:-1]:
        answer = served.slash(attack, user=GUEST, team=GUEST_TEAM)
        assert messages.WORDS.external_user_refused in answer.all_text(), attack
    seeing = served.slash(attacks[-1], user=GUEST, team=GUEST_TEAM)
    assert messages.WORDS.external_user_cannot_see in seeing.all_text()
    assert sim.events == [] and served.notifications() == []
    assert served.runtime.store.groups.visible(GUEST_TEAM, user_id=GUEST) == []

    # An @mention in a Slack Connect channel names the guest's team in the event: refused the same way.
    mention = mention_event(f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm", user=GUEST)
    mention["user_team"] = GUEST_TEAM
    assert served.post(event_body(mention), content_type=JSON).status_code == 200
    (posted,) = served.fake.wait_for("chat.postEphemeral")  # a refusal is the guest's own business
    assert messages.WORDS.external_user_refused in str(posted.body) and posted.body["user"] == GUEST
    assert sim.events == []


def test_a_setting_lets_guests_see_availability_in_shared_channels_only(
    serve: Callable[..., Served], sim: Simulator
) -> None:
    served = serve(external_can_see=True)
    served.slash("group import", user=CAROL)
    start = evening(sim)
    seeing = served.slash(f"free rooms {start:%Y-%m-%d} 8-9pm", user=GUEST, team=GUEST_TEAM)
    assert messages.WORDS.external_user_cannot_see not in seeing.all_text()
    assert any(name in seeing.all_text() for name in room_names(sim, 24))
    booking = served.slash(f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm", user=GUEST, team=GUEST_TEAM)
    assert messages.WORDS.external_user_refused in booking.all_text()
    assert sim.events == []


# --- Share in channel never acts --------------------------------------------------------------------


def test_sharing_an_old_booking_answer_books_nothing(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve()
    start = evening(sim)
    text = f"book {free_room(sim, start)} {start:%Y-%m-%d} 8-9pm"
    booked = served.slash(text)
    assert '"action_id": "share"' not in json.dumps(booked.blocks), "a booking answer is not offered for sharing"
    (booking,) = served.runtime.store.bookings.for_user(TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))
    served.slash(f"cancel {booking.id}")
    events_before = sim.stats()["createEvent"]

    # A Share click whose value is that booking command (an old message, or a forged value).
    answer = served.click("share", text)
    assert answer.body["response_type"] == "ephemeral"
    assert messages.WORDS.share_not_possible in answer.all_text()
    assert sim.stats()["createEvent"] == events_before
    assert all(call.body.get("response_type") != "in_channel" for call in served.fake.webhook_calls("click"))


def test_a_shared_value_that_would_change_a_group_changes_nothing(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve()
    served.slash(f"group add Mine {room_names(sim, 1)[0]}")
    answer = served.click("share", "group delete Mine")
    assert messages.WORDS.share_not_possible in answer.all_text()
    assert [group.name for group in served.runtime.store.groups.visible(TEAM, user_id=ALICE)] == ["Mine"]


# --- names resolve predictably --------------------------------------------------------------------------


def test_the_channels_shared_group_wins_over_a_personal_group_of_the_same_name(
    serve: Callable[..., Served], sim: Simulator
) -> None:
    served = serve()
    shared_rooms, own_room = room_names(sim, 2), room_names(sim, 1, skip=5)[0]
    served.slash(f'group add "HQ 3F" {" ".join(shared_rooms)}', user=BOB)
    served.slash('group share "HQ 3F"', user=BOB)  # in CHANNEL
    made = served.slash(f'group add "hq 3f" {own_room}')  # Alice's own, same name
    assert "Created" in made.all_text(), made.all_text()

    start = evening(sim)
    answer = served.slash(f'free rooms in "HQ 3F" {start:%Y-%m-%d} 8-9pm').all_text()
    assert all(name in answer for name in shared_rooms) and own_room not in answer
    assert messages.group_used("HQ 3F", "shared with this channel") in answer

    listing = served.slash("groups").all_text()
    lines = [line for line in listing.splitlines() if "HQ 3F" in line or "hq 3f" in line]
    assert any("shared with this channel" in line and "yours" not in line for line in lines), lines
    assert any("(yours" in line for line in lines), lines


# --- limits ------------------------------------------------------------------------------------------------


def test_groups_per_person_are_capped_and_listings_summarised(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve(max_groups_per_user=22)
    room = room_names(sim, 1)[0]
    served.slash(f"group add G00 {room}")  # also syncs the room directory
    for n in range(1, 22):
        served.runtime.store.groups.create(TEAM, name=f"G{n:02d}", scope="personal", owner_user_id=ALICE, room_refs=[room])
    refused = served.slash(f"group add One-more {room}")
    assert messages.groups_per_user_limit(22) in refused.all_text()
    listing = served.slash("groups").all_text()
    assert messages.groups_more(2) in listing
    assert listing.count("(yours") == 2 * 20  # in the fallback text and in the blocks


# --- bad bytes --------------------------------------------------------------------------------------------------


def test_a_body_that_is_not_utf8_gets_400_and_one_log_line(
    serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    served = serve()
    body = b"token=x&text=\xff\xfe\xfa&user_id=U_ALICE"
    with caplog.at_level(logging.INFO):
        reply = httpx.post(f"{served.url}/slack/events", content=body, headers={"content-type": FORM})
    assert reply.status_code == 400
    mine = [record for record in caplog.records if record.name.startswith(("bot", "slack_bolt"))]
    assert len(mine) == 1 and "not UTF-8" in mine[0].getMessage()
    assert mine[0].exc_info is None
    assert served.fake.calls() == []
    # A signed request with the same bytes is refused the same way, before Bolt.
    headers = signed_headers(body.decode("latin-1"), content_type=FORM)
    assert httpx.post(f"{served.url}/slack/events", content=body, headers=headers).status_code == 400


# --- the one-click e-mail match (internal apps) ----------------------------------------------------------------


def test_a_matching_slack_email_offers_a_one_click_link(serve: Callable[..., Served], sim: Simulator) -> None:
    served = serve()
    wang = sim.users[2]
    served.fake.profiles[ALICE] = {"profile": {"email": str(wang["email"]).upper()}}
    offer = served.slash("link")
    assert messages.link_email_offer(str(wang["email"]).upper()) in offer.all_text()
    (element,) = [e for block in offer.blocks for e in block.get("elements", []) if e.get("action_id") == "link_email"]

    linked = served.click("link_email", element["value"])
    assert messages.WORDS.linked_verified in linked.all_text()
    alice = served.runtime.store.users.get(TEAM, ALICE)
    assert alice is not None and alice.union_id == wang["unionid"] and alice.verified
    assert served.notifications() == []  # no code was needed

    # The button proves nothing by itself: Bob, whose Slack e-mail DingTalk does not know, gets no link.
    served.fake.profiles[BOB] = {"profile": {"email": "bob@elsewhere.example"}}
    assert "link_email" not in json.dumps(served.slash("link", user=BOB).blocks)
    refused = served.click("link_email", element["value"], user=BOB)
    assert messages.WORDS.link_email_no_match in refused.all_text()
    bob = served.runtime.store.users.get(TEAM, BOB)
    assert bob is None or not bob.linked


def test_third_party_apps_offer_no_email_match_unless_told() -> None:
    internal = Settings(dingtalk_app_key="k", dingtalk_app_secret="s")
    suite = Settings(dingtalk_suite_key="k", dingtalk_suite_secret="s", dingtalk_auth_corp_id="c")
    assert internal.email_match_enabled and not suite.email_match_enabled
    assert not internal.with_overrides(link_email_match=False).email_match_enabled
