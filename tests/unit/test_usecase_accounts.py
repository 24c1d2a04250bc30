"""Accounts and time zones with fakes."""

from __future__ import annotations

from datetime import timedelta

from bot.parsing import Intent, Request
from bot.present.reply import TextReply
from bot.usecases.accounts import Accounts, TimeZones
from tests.unit.usecase_fakes import ALICE, LOG, NOW, TEAM, FakeDingTalk, FakeStore, asker


def test_link_alone_tells_whether_the_account_is_linked() -> None:
    store = FakeStore()
    accounts = Accounts(store=store.as_store(), dingtalk=FakeDingTalk().as_client(), log=LOG)
    before = accounts.link(Request(intent=Intent.LINK, text="link"), asker())
    store.users.link(TEAM, ALICE, "union-alice")
    after = accounts.link(Request(intent=Intent.LINK, text="link"), asker())
    assert isinstance(before, TextReply) and isinstance(after, TextReply)
    assert before.text != after.text


def test_link_by_mobile_finds_the_union_id() -> None:
    store, dingtalk = FakeStore(), FakeDingTalk()
    dingtalk.mobiles["13800138000"] = "staff-1"
    dingtalk.union_ids["staff-1"] = "union-1"
    accounts = Accounts(store=store.as_store(), dingtalk=dingtalk.as_client(), log=LOG)
    reply = accounts.link(Request(intent=Intent.LINK, text="link", args=("+86 138-0013-8000",)), asker())
    assert isinstance(reply, TextReply) and reply.kind == "success"
    assert store.users.rows[ALICE].union_id == "union-1"


def test_link_by_union_id_checks_it_first() -> None:
    store, dingtalk = FakeStore(), FakeDingTalk()
    dingtalk.union_ids["staff-1"] = "union-1"
    accounts = Accounts(store=store.as_store(), dingtalk=dingtalk.as_client(), log=LOG)
    accounts.link(Request(intent=Intent.LINK, text="link", args=("union-1",)), asker())
    assert store.users.rows[ALICE].union_id == "union-1"


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
