"""Room groups: management, limits, visibility, team isolation, resolution order, DingTalk import."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from bot.errors import (
    AmbiguousRoom,
    DuplicateName,
    LimitExceeded,
    LimitReason,
    NotAllowed,
    NotAllowedReason,
    UnknownGroup,
    UnknownRoom,
)
from bot.store import GroupsRepository, Store, make_session_factory
from bot.store.groups import GroupLimits
from bot.store.models import RoomGroupMember
from tests.integration.conftest import DIRECTORY, T1, T2, Clock, room

ALICE = "U_ALICE"
BOB = "U_BOB"
CHAN = "C_GENERAL"
OTHER_CHAN = "C_RANDOM"


def personal(store: Store, name: str, refs: tuple[str, ...] = (), *, owner: str = ALICE, team: str = T1) -> int:
    return store.groups.create(team, name=name, scope="personal", owner_user_id=owner, room_refs=refs).id


def test_a_group_keeps_its_rooms_in_the_order_given(synced: Store) -> None:
    group = synced.groups.create(
        T1, name="HQ", scope="personal", owner_user_id=ALICE, room_refs=("k2", "3F-Everest", "lhotse")
    )
    assert group.room_ids == ("r-k2", "r-everest", "r-lhotse")
    assert (group.name, group.scope, group.owner_user_id, group.channel_id) == ("HQ", "personal", ALICE, None)
    assert synced.groups.get(T1, group.id) == group


def test_adding_appends_and_ignores_rooms_already_there(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2",))
    group = synced.groups.add_rooms(T1, group_id, ["3F-Everest", "r-k2", "lhotse"], acting_user=ALICE)
    assert group.room_ids == ("r-k2", "r-everest", "r-lhotse")


def test_removing_keeps_the_order_of_the_rest(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2", "everest", "lhotse", "cafe"))
    group = synced.groups.remove_rooms(T1, group_id, ["EVEREST", "r-lhotse"], acting_user=ALICE)
    assert group.room_ids == ("r-k2", "r-cafe")
    assert synced.groups.add_rooms(T1, group_id, ["everest"], acting_user=ALICE).room_ids == ("r-k2", "r-cafe", "r-everest")


def test_removing_a_room_not_in_the_group_is_unknown(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2", "everest"))
    with pytest.raises(UnknownRoom) as caught:
        synced.groups.remove_rooms(T1, group_id, ["lhotse"], acting_user=ALICE)
    assert caught.value.name == "lhotse"
    assert synced.groups.get(T1, group_id).room_ids == ("r-k2", "r-everest")


def test_an_unlisted_room_can_still_be_removed(synced: Store, clock: Clock) -> None:
    group_id = personal(synced, "HQ", ("k2", "everest"))
    synced.rooms.upsert(T1, DIRECTORY[1:], clock.advance(hours=1))  # Everest disappears
    assert synced.groups.get(T1, group_id).room_ids == ("r-k2", "r-everest")
    assert synced.groups.remove_rooms(T1, group_id, ["3F-Everest"], acting_user=ALICE).room_ids == ("r-k2",)


def test_set_group_rooms_replaces_the_list(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2", "everest"))
    group = synced.groups.set_rooms(T1, group_id, ["cafe", "k2"], acting_user=ALICE)
    assert group.room_ids == ("r-cafe", "r-k2")


def test_a_bad_room_ref_changes_nothing(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2",))
    with pytest.raises(AmbiguousRoom):
        synced.groups.add_rooms(T1, group_id, ["everest", "mont blanc"], acting_user=ALICE)
    with pytest.raises(UnknownRoom):
        synced.groups.create(T1, name="New", scope="personal", owner_user_id=ALICE, room_refs=("everest", "nowhere"))
    assert synced.groups.get(T1, group_id).room_ids == ("r-k2",)
    assert [g.name for g in synced.groups.visible(T1, user_id=ALICE)] == ["HQ"]


def test_rename_and_delete(synced: Store) -> None:
    group_id = personal(synced, "HQ", ("k2",))
    assert synced.groups.rename(T1, group_id, "  Head   Office ", acting_user=ALICE).name == "Head Office"
    synced.groups.delete(T1, group_id, acting_user=ALICE)
    with pytest.raises(UnknownGroup):
        synced.groups.get(T1, group_id)
    assert synced.groups.visible(T1, user_id=ALICE) == []


def test_group_names_are_unique_per_scope_ignoring_case_accents_and_width(synced: Store) -> None:
    personal(synced, "Café")
    for clash in ("café", "CAFE", "Ｃａｆｅ"):
        with pytest.raises(DuplicateName):
            personal(synced, clash)
    # The same name is fine for another user, in a channel, and workspace-wide.
    personal(synced, "cafe", owner=BOB)
    synced.groups.create(T1, name="Cafe", scope="channel", owner_user_id=ALICE, channel_id=CHAN)
    synced.groups.create(T1, name="CAFE", scope="workspace", owner_user_id=ALICE)
    other = personal(synced, "Other")
    with pytest.raises(DuplicateName):
        synced.groups.rename(T1, other, "cafe", acting_user=ALICE)


def test_renaming_to_a_different_case_of_its_own_name_is_allowed(synced: Store) -> None:
    group_id = personal(synced, "hq")
    assert synced.groups.rename(T1, group_id, "HQ", acting_user=ALICE).name == "HQ"


def test_limits_are_clear_errors(synced: Store) -> None:
    # The fixture's store allows 10 rooms a group and 20-character names.
    with pytest.raises(LimitExceeded) as too_long:
        personal(synced, "x" * 21)
    assert (too_long.value.what, too_long.value.limit) == (LimitReason.NAME_LENGTH, 20)
    with pytest.raises(LimitExceeded) as empty:
        personal(synced, "   ")
    assert empty.value.what == LimitReason.NAME_EMPTY
    assert personal(synced, "x" * 20)


def test_a_group_holds_at_most_the_room_limit(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, [room(f"r{i:02}", f"Room {i:02}") for i in range(12)], clock())
    group_id = personal(store, "Big", tuple(f"r{i:02}" for i in range(8)))
    with pytest.raises(LimitExceeded) as caught:
        store.groups.add_rooms(T1, group_id, ["r08", "r09", "r10"], acting_user=ALICE)
    assert (caught.value.what, caught.value.limit) == (LimitReason.GROUP_ROOMS, 10)
    assert len(store.groups.get(T1, group_id).room_ids) == 8
    assert len(store.groups.add_rooms(T1, group_id, ["r08", "r09", "r00"], acting_user=ALICE).room_ids) == 10


def test_only_the_owner_or_an_admin_may_change_a_group(synced: Store) -> None:
    group_id = synced.groups.create(T1, name="HQ", scope="workspace", owner_user_id=ALICE, room_refs=("k2",)).id
    for attempt in (
        lambda: synced.groups.add_rooms(T1, group_id, ["everest"], acting_user=BOB),
        lambda: synced.groups.remove_rooms(T1, group_id, ["k2"], acting_user=BOB),
        lambda: synced.groups.rename(T1, group_id, "Mine", acting_user=BOB),
        lambda: synced.groups.delete(T1, group_id, acting_user=BOB),
        lambda: synced.groups.share(T1, group_id, CHAN, acting_user=BOB),
    ):
        with pytest.raises(NotAllowed):
            attempt()
    assert synced.groups.get(T1, group_id).room_ids == ("r-k2",)
    by_admin = synced.groups.add_rooms(T1, group_id, ["everest"], acting_user=BOB, is_admin=True)
    assert by_admin.room_ids == ("r-k2", "r-everest")


def test_another_teams_group_cannot_be_read_changed_or_used_by_its_id(synced: Store) -> None:
    theirs = personal(synced, "Theirs", ("k2",), team=T2)
    attempts: dict[str, Callable[[], object]] = {
        "get": lambda: synced.groups.get(T1, theirs),
        "add": lambda: synced.groups.add_rooms(T1, theirs, ["everest"], acting_user=ALICE, is_admin=True),
        "remove": lambda: synced.groups.remove_rooms(T1, theirs, ["k2"], acting_user=ALICE, is_admin=True),
        "set": lambda: synced.groups.set_rooms(T1, theirs, ["k2"], acting_user=ALICE, is_admin=True),
        "rename": lambda: synced.groups.rename(T1, theirs, "Mine", acting_user=ALICE, is_admin=True),
        "delete": lambda: synced.groups.delete(T1, theirs, acting_user=ALICE, is_admin=True),
        "share": lambda: synced.groups.share(T1, theirs, CHAN, acting_user=ALICE, is_admin=True),
        "user default": lambda: synced.users.set_default_group(T1, ALICE, theirs),
        "channel default": lambda: synced.channels.set_default_group(T1, CHAN, theirs),
    }
    for what, attempt in attempts.items():
        with pytest.raises(UnknownGroup):
            attempt()
            pytest.fail(f"{what} reached another team's group")
    assert synced.groups.get(T2, theirs).room_ids == ("r-k2",)
    assert synced.groups.get(T2, theirs).name == "Theirs"
    assert synced.groups.visible(T1, user_id=ALICE, channel_id=CHAN) == []
    with pytest.raises(UnknownGroup):
        synced.groups.find(T1, "Theirs", user_id=ALICE)
    assert synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN) == []


def test_visibility_personal_channel_shared_and_workspace(synced: Store) -> None:
    mine = personal(synced, "Mine")
    bobs = personal(synced, "Bobs", owner=BOB)
    here = synced.groups.create(T1, name="Here", scope="channel", owner_user_id=BOB, channel_id=CHAN).id
    elsewhere = synced.groups.create(T1, name="Elsewhere", scope="channel", owner_user_id=BOB, channel_id=OTHER_CHAN).id
    everyone = synced.groups.create(T1, name="All", scope="workspace", owner_user_id=BOB).id

    assert [g.id for g in synced.groups.visible(T1, user_id=ALICE)] == [mine, everyone]
    assert [g.id for g in synced.groups.visible(T1, user_id=ALICE, channel_id=CHAN)] == [mine, here, everyone]

    shared = synced.groups.share(T1, bobs, CHAN, acting_user=BOB)
    assert shared.shared_channel_ids == (CHAN,)
    assert synced.groups.share(T1, bobs, CHAN, acting_user=BOB).shared_channel_ids == (CHAN,)
    assert [g.id for g in synced.groups.visible(T1, user_id=ALICE, channel_id=CHAN)] == [mine, here, bobs, everyone]
    assert [g.id for g in synced.groups.visible(T1, user_id=ALICE, channel_id=OTHER_CHAN)] == [mine, elsewhere, everyone]

    synced.groups.unshare(T1, bobs, CHAN, acting_user=BOB)
    assert bobs not in [g.id for g in synced.groups.visible(T1, user_id=ALICE, channel_id=CHAN)]


def test_find_group_by_name_prefers_the_closest_scope(synced: Store) -> None:
    workspace = synced.groups.create(T1, name="HQ", scope="workspace", owner_user_id=BOB).id
    assert synced.groups.find(T1, "hq", user_id=ALICE).id == workspace
    mine = personal(synced, "ＨＱ")
    assert synced.groups.find(T1, "hq", user_id=ALICE).id == mine
    assert synced.groups.find(T1, "hq", user_id=BOB).id == workspace


def test_an_unknown_group_name_suggests_visible_groups_only(synced: Store) -> None:
    personal(synced, "Head Office")
    personal(synced, "Head Offices Bob", owner=BOB)
    with pytest.raises(UnknownGroup) as caught:
        synced.groups.find(T1, "head ofice", user_id=ALICE)
    assert caught.value.suggestions == ("Head Office",)


def test_resolution_order_named_user_default_channel_default_own_workspace(synced: Store) -> None:
    assert synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN) == []

    workspace = synced.groups.create(T1, name="All", scope="workspace", owner_user_id=BOB, room_refs=("cafe",)).id
    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN)] == [workspace]

    own_a = personal(synced, "A", ("k2",))
    own_b = personal(synced, "B", ("everest",))
    personal(synced, "Empty")
    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN)] == [own_a, own_b]

    channel_group = synced.groups.create(T1, name="Chan", scope="channel", owner_user_id=BOB, channel_id=CHAN).id
    synced.channels.set_default_group(T1, CHAN, channel_group)
    assert synced.channels.default_group_id(T1, CHAN) == channel_group
    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN)] == [channel_group]
    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=OTHER_CHAN)] == [own_a, own_b]

    synced.users.set_default_group(T1, ALICE, own_b)
    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN)] == [own_b]

    assert [g.id for g in synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN, name="all")] == [workspace]
    with pytest.raises(UnknownGroup):
        synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN, name="nope")


def test_only_empty_groups_are_still_returned(synced: Store) -> None:
    empty = personal(synced, "Empty")
    [group] = synced.groups.resolve(T1, user_id=ALICE)
    assert group.id == empty and group.empty


def test_workspace_groups_are_changed_by_admins_only_whoever_imported_them(synced: Store) -> None:
    [imported, *_] = synced.groups.import_dingtalk(T1, acting_user=ALICE)
    for change in (
        lambda: synced.groups.rename(T1, imported.id, "Mine now", acting_user=ALICE),
        lambda: synced.groups.delete(T1, imported.id, acting_user=ALICE),
        lambda: synced.groups.share(T1, imported.id, CHAN, acting_user=ALICE),
        lambda: synced.groups.add_rooms(T1, imported.id, ["cafe"], acting_user=ALICE),
    ):
        with pytest.raises(NotAllowed) as caught:
            change()
        assert caught.value.what == NotAllowedReason.WORKSPACE_GROUP
    assert synced.groups.get(T1, imported.id) == imported
    renamed = synced.groups.rename(T1, imported.id, "HQ (all)", acting_user=BOB, is_admin=True)
    assert renamed.name == "HQ (all)"


def test_a_user_makes_at_most_the_cap_of_groups(synced: Store, engine: Engine) -> None:
    session_factory = make_session_factory(engine)
    capped = GroupsRepository(session_factory=session_factory, rooms=synced.rooms, limits=GroupLimits(max_groups_per_user=3))
    for n in range(3):
        capped.create(T1, name=f"G{n}", scope="personal", owner_user_id=ALICE)
    with pytest.raises(LimitExceeded) as caught:
        capped.create(T1, name="One too many", scope="personal", owner_user_id=ALICE)
    assert caught.value.what == LimitReason.GROUPS_PER_USER and caught.value.limit == 3
    # The cap is per person: Bob still makes his own, and admins' workspace groups do not count.
    capped.create(T1, name="G0", scope="personal", owner_user_id=BOB)
    capped.create(T1, name="Everyone", scope="workspace", owner_user_id=ALICE)


def test_in_a_channel_its_shared_group_wins_over_a_personal_group_of_the_same_name(synced: Store) -> None:
    shared = synced.groups.create(T1, name="HQ 3F", scope="personal", owner_user_id=BOB, room_refs=["3F-Everest", "3F-K2"])
    synced.groups.share(T1, shared.id, CHAN, acting_user=BOB)
    mine = personal(synced, "hq 3f")
    in_channel = synced.groups.matching(T1, "HQ 3F", user_id=ALICE, channel_id=CHAN)
    assert [group.id for group in in_channel] == [shared.id, mine]
    assert synced.groups.resolve(T1, user_id=ALICE, channel_id=CHAN, name="HQ 3F")[0].id == shared.id
    # Outside that channel, her own group is the only one she sees by that name.
    assert [group.id for group in synced.groups.matching(T1, "HQ 3F", user_id=ALICE, channel_id="C_OTHER")] == [mine]


def test_deleting_a_default_group_clears_the_defaults(synced: Store) -> None:
    group_id = synced.groups.create(T1, name="All", scope="workspace", owner_user_id=ALICE).id
    synced.users.set_default_group(T1, BOB, group_id)
    synced.channels.set_default_group(T1, CHAN, group_id)
    synced.groups.delete(T1, group_id, acting_user=ALICE, is_admin=True)
    user = synced.users.get(T1, BOB)
    assert user is not None and user.default_group_id is None
    assert synced.channels.default_group_id(T1, CHAN) is None


def test_a_personal_group_is_no_channel_default_until_shared(synced: Store) -> None:
    group_id = personal(synced, "Mine")
    with pytest.raises(NotAllowed):
        synced.channels.set_default_group(T1, CHAN, group_id)
    synced.groups.share(T1, group_id, CHAN, acting_user=ALICE)
    synced.channels.set_default_group(T1, CHAN, group_id)
    assert synced.channels.default_group_id(T1, CHAN) == group_id
    synced.channels.set_default_group(T1, CHAN, None)
    assert synced.channels.default_group_id(T1, CHAN) is None


def test_someone_elses_personal_group_cannot_be_my_default(synced: Store) -> None:
    bobs = personal(synced, "Bobs", owner=BOB)
    with pytest.raises(UnknownGroup):
        synced.users.set_default_group(T1, ALICE, bobs)


def test_dingtalk_groups_import_as_workspace_groups_once(synced: Store, clock: Clock) -> None:
    imported = synced.groups.import_dingtalk(T1, acting_user=ALICE)

    assert [(g.name, g.scope, g.room_ids, g.dingtalk_group_id) for g in imported] == [
        ("HQ 3F", "workspace", ("r-everest", "r-k2"), 10),
        ("HQ 4F", "workspace", ("r-lhotse", "r-mont"), 11),
    ]
    again = synced.groups.import_dingtalk(T1, acting_user=BOB)
    assert again == imported
    assert len(synced.groups.visible(T1, user_id=BOB)) == 2

    # A room DingTalk adds to the group later is added; rooms added by hand stay.
    synced.groups.add_rooms(T1, imported[0].id, ["cafe"], acting_user=ALICE, is_admin=True)
    synced.rooms.upsert(T1, [*DIRECTORY, room("r-new", "3F-Fuji", group=(10, "HQ 3F"))], clock.advance(hours=1))
    [hq3, _] = synced.groups.import_dingtalk(T1, acting_user=ALICE)
    assert hq3.room_ids == ("r-everest", "r-k2", "r-cafe", "r-new")


def test_an_import_never_takes_an_existing_name(synced: Store) -> None:
    mine = synced.groups.create(T1, name="hq 3f", scope="workspace", owner_user_id=BOB).id
    imported = synced.groups.import_dingtalk(T1, acting_user=ALICE)
    assert [g.name for g in imported] == ["HQ 3F (DingTalk)", "HQ 4F"]
    assert synced.groups.get(T1, mine).name == "hq 3f"


def test_nothing_to_import_without_a_synced_directory(store: Store) -> None:
    assert store.groups.import_dingtalk(T1, acting_user=ALICE) == []


def test_two_threads_adding_rooms_at_once_lose_nothing(store: Store, engine: Engine, clock: Clock) -> None:
    store.rooms.upsert(T1, [room(f"r{i:02}", f"Room {i:02}") for i in range(10)], clock())
    group_id = personal(store, "Busy", ("r00",))
    batches = [["r01", "r02", "r03", "r04"], ["r05", "r06", "r07", "r08"]]
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def add(refs: list[str]) -> None:
        barrier.wait()
        try:
            for ref in refs:  # one call per room: many chances to interleave
                store.groups.add_rooms(T1, group_id, [ref], acting_user=ALICE)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    room_ids = store.groups.get(T1, group_id).room_ids
    assert sorted(room_ids) == [f"r{i:02}" for i in range(9)]
    assert len(set(room_ids)) == len(room_ids)
    assert room_ids[0] == "r00"
    for batch in batches:  # each thread's rooms keep the order it added them in
        positions = [room_ids.index(ref) for ref in batch]
        assert positions == sorted(positions)
    with engine.connect() as connection:  # and no two rooms share a position
        stored = connection.execute(
            select(RoomGroupMember.position).where(RoomGroupMember.group_id == group_id).order_by(RoomGroupMember.position)
        ).scalars()
        assert list(stored) == list(range(9))
