"""Groups with fakes: typed commands, the group modal, and who may change a group."""

from __future__ import annotations

import pytest

from bot.errors import NotAllowed, NotAllowedReason, ParseError
from bot.parsing import Intent, Request
from bot.present.reply import TextReply
from bot.usecases.context import Actor, Admins, Profile
from bot.usecases.groups import Groups
from tests.unit.usecase_fakes import ADMIN, ALICE, BOB, LOG, TEAM, FakeDirectory, FakeStore, admins, asker


def build(store: FakeStore) -> Groups:
    return Groups(store=store.as_store(), directory=FakeDirectory().as_directory(), admins=admins(), log=LOG)


def command(intent: Intent, *args: str) -> Request:
    return Request(intent=intent, text=" ".join(("group", *args)), args=args)


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.add_room("r1", "Everest")
    store.add_room("r2", "K2")
    return store


def test_add_creates_a_personal_group_then_adds_to_it(store: FakeStore) -> None:
    groups = build(store)
    first = groups.add(command(Intent.GROUP_ADD, "HQ", "Everest"), asker())
    assert isinstance(first, TextReply) and first.kind == "success"
    groups.add(command(Intent.GROUP_ADD, "HQ", "K2"), asker())
    (group,) = store.groups.rows.values()
    assert (group.name, group.owner_user_id, group.room_ids) == ("HQ", ALICE, ("r1", "r2"))


def test_missing_arguments_show_the_usage(store: FakeStore) -> None:
    with pytest.raises(ParseError) as caught:
        build(store).add(command(Intent.GROUP_ADD, "HQ"), asker())
    assert caught.value.example == "group add HQ 3F-Everest 3F-K2"


def test_someone_elses_group_cannot_be_renamed(store: FakeStore) -> None:
    store.add_group("HQ", ["r1"], owner=ALICE)
    with pytest.raises(NotAllowed) as caught:
        build(store).rename(command(Intent.GROUP_RENAME, "HQ", "Mine"), asker(BOB))
    assert caught.value.what == NotAllowedReason.CHANGE_GROUP


def test_an_admin_may_rename_any_group(store: FakeStore) -> None:
    store.add_group("HQ", ["r1"], owner=ALICE)
    reply = build(store).rename(command(Intent.GROUP_RENAME, "HQ", "HQ-3F"), asker(ADMIN))
    assert isinstance(reply, TextReply) and reply.kind == "success"
    assert [g.name for g in store.groups.rows.values()] == ["HQ-3F"]


def test_remove_and_delete(store: FakeStore) -> None:
    store.add_group("HQ", ["r1", "r2"])
    groups = build(store)
    groups.remove(command(Intent.GROUP_REMOVE, "HQ", "K2"), asker())
    assert [g.room_ids for g in store.groups.rows.values()] == [("r1",)]
    groups.delete(command(Intent.GROUP_DELETE, "HQ"), asker())
    assert store.groups.rows == {}


def test_share_needs_a_channel(store: FakeStore) -> None:
    store.add_group("HQ", ["r1"])
    reply = build(store).share(command(Intent.GROUP_SHARE, "HQ"), asker(channel_id=None))
    assert isinstance(reply, TextReply) and reply.kind == "info"
    assert all(not g.shared_channel_ids for g in store.groups.rows.values())


def test_default_group_is_saved_for_the_user(store: FakeStore) -> None:
    group = store.add_group("HQ", ["r1"])
    build(store).set_default(command(Intent.GROUP_DEFAULT, "HQ"), asker())
    user = store.users.rows[ALICE]
    assert user.default_group_id == group.id


def test_overview_lists_groups_with_room_names(store: FakeStore) -> None:
    store.add_group("HQ", ["r1", "r2"])
    reply = build(store).overview(command(Intent.GROUPS), asker())
    assert isinstance(reply, TextReply)
    assert "Everest" in reply.text and "K2" in reply.text


def test_overview_without_groups_offers_the_import(store: FakeStore) -> None:
    reply = build(store).overview(command(Intent.GROUPS), asker())
    assert isinstance(reply, TextReply) and [b.action_id for b in reply.buttons] == ["import_groups"]


def test_for_edit_refuses_other_peoples_groups(store: FakeStore) -> None:
    group = store.add_group("HQ", ["r1"], owner=ALICE)
    groups = build(store)
    assert groups.for_edit(team_id=TEAM, user_id=ALICE, group_id=group.id) == group
    assert groups.for_edit(team_id=TEAM, user_id=ADMIN, group_id=group.id) == group
    assert groups.for_edit(team_id=TEAM, user_id=BOB, group_id=None) is None
    with pytest.raises(NotAllowed):
        groups.for_edit(team_id=TEAM, user_id=BOB, group_id=group.id)


def test_save_creates_or_renames_and_reorders(store: FakeStore) -> None:
    groups = build(store)
    created = groups.save(team_id=TEAM, user_id=ALICE, group_id=None, name="HQ", room_ids=["r1"])
    assert isinstance(created, TextReply) and created.kind == "success"
    (group,) = store.groups.rows.values()
    groups.save(team_id=TEAM, user_id=ALICE, group_id=group.id, name="HQ-3F", room_ids=["r2", "r1"])
    assert (store.groups.rows[group.id].name, store.groups.rows[group.id].room_ids) == ("HQ-3F", ("r2", "r1"))


def test_import_names_the_imported_groups(store: FakeStore) -> None:
    groups = Groups(
        store=store.as_store(), directory=FakeDirectory().as_directory(), admins=Admins(user_ids=(ALICE,)), log=LOG
    )
    reply = groups.import_groups(team_id=TEAM, user_id=ALICE)
    assert isinstance(reply, TextReply) and "DingTalk HQ" in reply.text


def test_only_admins_import_workspace_groups(store: FakeStore) -> None:
    with pytest.raises(NotAllowed) as caught:
        build(store).import_groups(team_id=TEAM, user_id=BOB)
    assert caught.value.what == NotAllowedReason.WORKSPACE_GROUP
    assert not store.groups.rows


def test_a_slack_workspace_admin_may_import(store: FakeStore) -> None:
    actor = Actor(profile=lambda: Profile(is_admin=True, team_id=TEAM))
    reply = build(store).import_groups(team_id=TEAM, user_id=BOB, actor=actor)
    assert isinstance(reply, TextReply) and reply.kind == "success"
