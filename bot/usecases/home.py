"""App Home: the user's groups, upcoming bookings, and what is free now in their default group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.errors import UnknownGroup
from bot.parsing import Intent, Request, TimeKind
from bot.present.reply import Reply
from bot.store import BookingRecord, GroupRecord, Store
from bot.usecases.context import Asker, Guard
from bot.usecases.find import FindRooms


@dataclass(frozen=True)
class HomeModel:
    """What App Home shows for one user."""

    user_id: str
    tz: str
    groups: tuple[GroupRecord, ...]
    default_group_id: int | None
    default_group: GroupRecord | None
    bookings: tuple[BookingRecord, ...]
    free_now: Reply | None
    groups_total: int = 0  # visible groups in all; `groups` holds the first page only
    quota_lines: tuple[str, ...] = ()  # admins only: where the month's DingTalk budget stands


@dataclass(frozen=True, kw_only=True)
class Home:
    """Builds the `HomeModel`; the free-now answer is guarded so a failure there never blanks the tab."""

    store: Store
    find: FindRooms
    guard: Guard
    meeting_minutes: int
    page_size: int = 20

    def model(self, asker: Asker) -> HomeModel:
        team_id, user_id = asker.team_id, asker.user_id
        page, total = self.store.groups.visible_page(team_id, user_id=user_id, limit=self.page_size)
        groups = tuple(page)
        user = self.store.users.get(team_id, user_id)
        bookings = tuple(self.store.bookings.for_user(team_id, user_id=user_id, start_after=asker.now))
        default_id = user.default_group_id if user else None
        default_group = next((group for group in groups if group.id == default_id), None)
        if default_group is None and default_id is not None:
            try:
                default_group = self.store.groups.get(team_id, default_id)
            except UnknownGroup:
                default_group = None
        if default_group is None:
            resolved = self.store.groups.resolve(team_id, user_id=user_id)
            default_group = resolved[0] if resolved else None
        free_now: Reply | None = None
        if default_group is not None:
            # Built directly, not parsed from text: a group name may hold quotes or words the parser reads.
            start = asker.now.replace(second=0, microsecond=0)
            now_request = Request(
                intent=Intent.FIND,
                text="free rooms now",
                start=start,
                end=start + timedelta(minutes=self.meeting_minutes),
                time_kind=TimeKind.POINT,
                group=default_group.name,
            )
            free_now = self.guard(lambda: self.find.find(now_request, asker))
        return HomeModel(
            user_id=user_id,
            tz=asker.zone.key,
            groups=groups,
            default_group_id=default_id,
            default_group=default_group,
            bookings=bookings,
            free_now=free_now,
            groups_total=total,
        )


__all__ = ["Home", "HomeModel"]
