"""Accounts and time zones with fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.identity import LinkLimits
from bot.errors import NotAllowed
from bot.parsing import Intent, Request
from bot.present.reply import TextReply
from bot.usecases.accounts import Accounts, TimeZones
from bot.usecases.context import Admins
from tests.unit.usecase_fakes import ALICE, BOB, LOG, NOW, TEAM, FakeDingTalk, FakeStore, asker


def accounts_over(store: FakeStore, dingtalk: FakeDingTalk | None = None, *, admins: tuple[str, ...] = ()) -> Accounts:
    return Accounts(
        store=store.as_store(),
        dingtalk=(dingtalk or FakeDingTalk()).as_client(),
        admins=Admins(user_ids=admins),
        limits=LinkLimits(),
        agent_id=0,
        clock=lambda: NOW,
        log=LOG,
    )


def test_link_alone_tells_whether_the_account_is_linked_and_proved() -> None:
    store = FakeStore()
    accounts = accounts_over(store)
    before = accounts.link(Request(intent=Intent.LINK, text="link"), asker())
    store.users.link(TEAM, ALICE, "union-alice")
    unproved = accounts.link(Request(intent=Intent.LINK, text="link"), asker())
    store.users.link(TEAM, ALICE, "union-alice", verified=True)
    proved = accounts.link(Request(intent=Intent.LINK, text="link"), asker())
    texts = [reply.text for reply in (before, unproved, proved) if isinstance(reply, TextReply)]
    assert len(set(texts)) == 3
    assert "not confirmed" in texts[1]


def test_without_an_agent_id_no_code_is_sent_and_nothing_is_linked() -> None:
    store, dingtalk = FakeStore(), FakeDingTalk()
    dingtalk.mobiles["13800138000"] = "staff-1"
    dingtalk.union_ids["staff-1"] = "union-1"
    reply = accounts_over(store, dingtalk).link(Request(intent=Intent.LINK, text="link", args=("+8613800138000",)), asker())
    assert isinstance(reply, TextReply) and reply.kind == "error" and "DINGTALK_AGENT_ID" in reply.text
    assert ALICE not in store.users.rows


def test_unlink_removes_your_own_link() -> None:
    store = FakeStore()
    store.users.link(TEAM, ALICE, "union-alice", verified=True)
    reply = accounts_over(store).unlink(Request(intent=Intent.UNLINK, text="unlink"), asker())
    assert isinstance(reply, TextReply) and reply.kind == "success"
    assert store.users.rows[ALICE].union_id is None


def test_only_an_admin_removes_someone_elses_link() -> None:
    store = FakeStore()
    store.users.link(TEAM, BOB, "union-bob", verified=True)
    request = Request(intent=Intent.UNLINK, text="unlink", args=(BOB,))
    with pytest.raises(NotAllowed):
        accounts_over(store).unlink(request, asker())
    assert store.users.rows[BOB].union_id == "union-bob"
    reply = accounts_over(store, admins=(ALICE,)).unlink(request, asker())
    assert isinstance(reply, TextReply) and reply.kind == "success"
    assert store.users.rows[BOB].union_id is None


def zones(store: FakeStore) -> TimeZones:
    return TimeZones(store=store.as_store(), default_tz="Asia/Shanghai", max_age_s=3600, clock=lambda: NOW, log=LOG)


def test_a_fresh_cached_zone_is_used_without_asking() -> None:
    store = FakeStore()
    store.users.set_tz(TEAM, ALICE, "Europe/Berlin", fetched_at=NOW - timedelta(minutes=5))

    def fetch() -> str | None:
        raise AssertionError("must not ask Slack")

    assert zones(store).resolve(team_id=TEAM, user_id=ALICE, fetch=fetch) == "Europe/Berlin"


def test_an_old_zone_is_fetched_again_and_cached() -> None:
    store = FakeStore()
    store.users.set_tz(TEAM, ALICE, "Europe/Berlin", fetched_at=NOW - timedelta(days=2))
    assert zones(store).resolve(team_id=TEAM, user_id=ALICE, fetch=lambda: "Asia/Tokyo") == "Asia/Tokyo"
    assert store.users.rows[ALICE].tz == "Asia/Tokyo"


def test_an_invalid_or_failed_fetch_falls_back() -> None:
    store = FakeStore()
    assert zones(store).resolve(team_id=TEAM, user_id=ALICE, fetch=lambda: "Mars/Olympus") == "Asia/Shanghai"

    def broken() -> str | None:
        raise RuntimeError("slack down")

    store.users.set_tz(TEAM, ALICE, "Europe/Berlin", fetched_at=NOW - timedelta(days=2))
    assert zones(store).resolve(team_id=TEAM, user_id=ALICE, fetch=broken) == "Europe/Berlin"
