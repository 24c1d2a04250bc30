"""What the Slack layer needs from the service: a structural type, so listeners stay thin.

`bot.service.RoomService` satisfies this protocol; the Slack code depends only on these methods.
Every call passes the acting team and user taken from the Slack payload, never from a button
value, so the service can re-check who may do what.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.present.reply import Reply
from bot.store import GroupRecord
from bot.usecases.context import Actor
from bot.usecases.home import HomeModel


class SlackService(Protocol):
    def handle_text(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        text: str,
        tz: str,
        now: datetime | None = None,
        user_name: str | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def reask(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        text: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def show_all(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        payload: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def refresh(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        payload: str,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def book(
        self,
        *,
        team_id: str,
        user_id: str,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        idempotency_key: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def book_and_invite(
        self,
        *,
        team_id: str,
        user_id: str,
        user_name: str,
        room_id: str,
        start: datetime,
        end: datetime,
        people: Sequence[str],
        optional_people: Sequence[str],
        video: bool,
        idempotency_key: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
        tz: str,
        now: datetime | None = None,
    ) -> Reply: ...

    def cancel(
        self,
        *,
        team_id: str,
        user_id: str,
        booking_id: int,
        is_admin: bool,
        tz: str,
        now: datetime | None = None,
        actor: Actor | None = None,
    ) -> Reply: ...

    def booking_action(
        self,
        *,
        action: str,
        team_id: str,
        user_id: str,
        booking_id: int,
        is_admin: bool,
        tz: str,
        minutes: int | None = None,
        now: datetime | None = None,
    ) -> Reply: ...

    def resolve_timezone(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str: ...

    def home(self, *, team_id: str, user_id: str, tz: str, now: datetime | None = None) -> HomeModel: ...

    def search_rooms(self, *, team_id: str, query: str, limit: int = 100) -> list[tuple[str, str]]: ...

    def group_for_edit(
        self, *, team_id: str, user_id: str, group_id: int | None, actor: Actor | None = None
    ) -> GroupRecord | None: ...

    def save_group(
        self,
        *,
        team_id: str,
        user_id: str,
        group_id: int | None,
        name: str,
        room_ids: list[str],
        actor: Actor | None = None,
    ) -> Reply: ...

    def import_groups(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply: ...

    def link_by_email(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply: ...

    def mark_event_processed(self, *, team_id: str, event_id: str) -> bool: ...

    def health(self) -> dict[str, bool]: ...


__all__ = ["SlackService"]
