"""Room groups: list, add, remove, rename, delete, share, default, import, and the group modal."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.policy import may_change
from bot.errors import NotAllowed, NotAllowedReason, ParseError, StoreError, UnknownGroup
from bot.parsing import Request
from bot.present import messages
from bot.present.reply import Reply, TextReply
from bot.store import GroupRecord, Store
from bot.usecases.context import Actor, Admins, Asker, Directory, no_groups_reply, ordered_room_ids

LIST_PAGE = 20
"""Groups listed by `groups`; the rest are counted (a listing never grows with someone's thousands)."""


@dataclass(frozen=True, kw_only=True)
class Groups:
    """The user's room groups, changed only by their owner or an admin; workspace groups by admins only."""

    store: Store
    directory: Directory
    admins: Admins
    log: logging.Logger
    page_size: int = LIST_PAGE

    # --- typed commands ----------------------------------------------------------------------

    def overview(self, request: Request, asker: Asker) -> Reply:
        groups, total = self.store.groups.visible_page(
            asker.team_id, user_id=asker.user_id, channel_id=asker.channel_id, limit=self.page_size
        )
        if not groups:
            return no_groups_reply()
        self.directory.ensure_fresh(asker.team_id)
        rooms = self.store.rooms.get_many(asker.team_id, ordered_room_ids(groups))
        user = self.store.users.get(asker.team_id, asker.user_id)
        default_id = user.default_group_id if user else None
        lines = [
            messages.group_line(
                group.name,
                [rooms[room].name if room in rooms else room for room in group.room_ids],
                scope=group.scope,
                is_default=group.id == default_id,
                mine=group.owner_user_id == asker.user_id,
                shared_here=bool(asker.channel_id) and asker.channel_id in group.shared_channel_ids,
            )
            for group in groups
        ]
        if total > len(groups):
            lines.append(messages.groups_more(total - len(groups)))
        return TextReply(messages.groups_list(lines), kind="info")

    def add(self, request: Request, asker: Asker) -> Reply:
        name, *refs = _args(request, minimum=2, usage="group add HQ 3F-Everest 3F-K2")
        self.directory.ensure_fresh(asker.team_id)
        try:
            group = self._find_own(asker, name)
            if group.scope == "personal" and group.owner_user_id != asker.user_id:
                # Someone else's group shared here: `group add` makes the asker's own, it never edits theirs.
                raise UnknownGroup(name)
        except UnknownGroup:
            # One transaction makes the group with its rooms: a failure never leaves an empty group behind.
            group = self.store.groups.create(
                asker.team_id, name=name, scope="personal", owner_user_id=asker.user_id, room_refs=refs
            )
            created = True
        else:
            group = self.store.groups.add_rooms(
                asker.team_id, group.id, refs, acting_user=asker.user_id, is_admin=self._is_admin(asker)
            )
            created = False
        names = self._room_names_after_write(asker.team_id, group.room_ids)
        return TextReply(messages.group_saved(group.name, names, created=created), kind="success")

    def remove(self, request: Request, asker: Asker) -> Reply:
        name, *refs = _args(request, minimum=2, usage="group remove HQ 3F-K2")
        group = self._find_own(asker, name)
        group = self.store.groups.remove_rooms(
            asker.team_id, group.id, refs, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        names = self._room_names_after_write(asker.team_id, group.room_ids)
        return TextReply(messages.group_saved(group.name, names, created=False), kind="success")

    def rename(self, request: Request, asker: Asker) -> Reply:
        old, new = _args(request, minimum=2, usage="group rename HQ HQ-3F")[:2]
        group = self._find_own(asker, old)
        renamed = self.store.groups.rename(
            asker.team_id, group.id, new, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        return TextReply(messages.group_renamed(group.name, renamed.name), kind="success")

    def delete(self, request: Request, asker: Asker) -> Reply:
        (name,) = _args(request, minimum=1, usage="group delete HQ")[:1]
        group = self._find_own(asker, name)
        self.store.groups.delete(asker.team_id, group.id, acting_user=asker.user_id, is_admin=self._is_admin(asker))
        return TextReply(messages.group_deleted(group.name), kind="success")

    def share(self, request: Request, asker: Asker) -> Reply:
        (name,) = _args(request, minimum=1, usage="group share HQ")[:1]
        if not asker.channel_id:
            return TextReply(messages.WORDS.share_needs_channel, kind="info")
        group = self._find_own(asker, name)
        self.store.groups.share(
            asker.team_id, group.id, asker.channel_id, acting_user=asker.user_id, is_admin=self._is_admin(asker)
        )
        return TextReply(messages.group_shared(group.name, asker.channel_id), kind="success")

    def set_default(self, request: Request, asker: Asker) -> Reply:
        (name,) = _args(request, minimum=1, usage="group default HQ")[:1]
        group = self._find_own(asker, name)
        self.store.users.set_default_group(asker.team_id, asker.user_id, group.id)
        return TextReply(messages.group_default_set(group.name), kind="success")

    # --- buttons and modals ------------------------------------------------------------------

    def import_groups(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply:
        """Import DingTalk's own room groups as workspace groups (idempotent); admins only."""
        if not self.admins.is_admin(user_id, actor):
            raise NotAllowed(NotAllowedReason.WORKSPACE_GROUP)
        self.directory.ensure_fresh(team_id)
        groups = self.store.groups.import_dingtalk(team_id, acting_user=user_id)
        return TextReply(messages.groups_imported([group.name for group in groups]), kind="success")

    def for_edit(
        self, *, team_id: str, user_id: str, group_id: int | None, actor: Actor | None = None
    ) -> GroupRecord | None:
        """A group the user may edit (None for a new one). Raises NotAllowed for other people's groups."""
        if group_id is None:
            return None
        group = self.store.groups.get(team_id, group_id)
        workspace_owned = group.scope == "workspace"
        if not may_change(
            owner_user_id=group.owner_user_id,
            acting_user=user_id,
            is_admin=self.admins.is_admin(user_id, actor),
            workspace_owned=workspace_owned,
        ):
            raise NotAllowed(NotAllowedReason.WORKSPACE_GROUP if workspace_owned else NotAllowedReason.CHANGE_GROUP)
        return group

    def save(
        self,
        *,
        team_id: str,
        user_id: str,
        group_id: int | None,
        name: str,
        room_ids: list[str],
        actor: Actor | None = None,
    ) -> Reply:
        """The group modal's submission: create a personal group, or rename and reorder an existing one."""
        is_admin = self.admins.is_admin(user_id, actor)
        if group_id is None:
            group = self.store.groups.create(team_id, name=name, scope="personal", owner_user_id=user_id, room_refs=room_ids)
            created = True
        else:
            group = self.store.groups.get(team_id, group_id)
            if name.strip() and name.strip() != group.name:
                group = self.store.groups.rename(team_id, group_id, name, acting_user=user_id, is_admin=is_admin)
            group = self.store.groups.set_rooms(team_id, group_id, room_ids, acting_user=user_id, is_admin=is_admin)
            created = False
        names = self._room_names_after_write(team_id, group.room_ids)
        return TextReply(messages.group_saved(group.name, names, created=created), kind="success")

    # --- helpers -----------------------------------------------------------------------------

    def _is_admin(self, asker: Asker) -> bool:
        return self.admins.of(asker)

    def _find_own(self, asker: Asker, name: str) -> GroupRecord:
        return self.store.groups.find(asker.team_id, name, user_id=asker.user_id, channel_id=asker.channel_id)

    def _room_names_after_write(self, team_id: str, room_ids: Sequence[str]) -> list[str]:
        """Room names for a "done" answer; the change is already saved, so a failed read shows ids, not an error."""
        try:
            rooms = self.store.rooms.get_many(team_id, room_ids)
        except StoreError:
            self.log.warning("saved the group, but could not read its room names", exc_info=True)
            rooms = {}
        return [rooms[room].name if room in rooms else room for room in room_ids]


def _args(request: Request, *, minimum: int, usage: str) -> tuple[str, ...]:
    if len(request.args) < minimum:
        raise ParseError("missing_argument", understood=request.text, example=usage, text=request.text)
    return request.args


__all__ = ["Groups"]
