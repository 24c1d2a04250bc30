"""What the Slack layer needs from the service: a structural type, so listeners stay thin.

`bot.usecases.router.RoomService` satisfies this protocol; the Slack code depends only on these
methods. Every answer takes a `Caller` whose team and user come from the Slack payload, never
from a button value, so the service can re-check who may do what; what a button asks for travels
in the use cases' own types (`BookingAsk`, `Invitees`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.present.reply import Reply
from bot.store import GroupRecord
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import Actor, Caller
from bot.usecases.home import HomeModel
from bot.usecases.people import Invitees


class SlackService(Protocol):
    # --- answers to a person: never raise --------------------------------------------------------

    def handle_text(self, caller: Caller, text: str) -> Reply: ...

    def reask(self, caller: Caller, text: str) -> Reply: ...

    def show_all(self, caller: Caller, payload: str) -> Reply: ...

    def refresh(self, caller: Caller, payload: str) -> Reply: ...

    def book(self, caller: Caller, ask: BookingAsk) -> Reply: ...

    def book_and_invite(self, caller: Caller, ask: BookingAsk, invitees: Invitees) -> Reply: ...

    def cancel(self, caller: Caller, booking_id: int, *, is_admin: bool) -> Reply: ...

    def booking_action(
        self, caller: Caller, action: str, booking_id: int, *, is_admin: bool, minutes: int | None = None
    ) -> Reply: ...

    def group_for_edit(self, caller: Caller, group_id: int | None) -> GroupRecord | None: ...

    def save_group(self, caller: Caller, *, group_id: int | None, name: str, room_ids: list[str]) -> Reply: ...

    def import_groups(self, *, team_id: str, user_id: str, actor: Actor | None = None) -> Reply: ...

    def link_by_email(self, caller: Caller) -> Reply: ...

    # --- lookups and housekeeping ----------------------------------------------------------------

    def resolve_timezone(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str: ...

    def home(self, *, team_id: str, user_id: str, tz: str, now: datetime | None = None) -> HomeModel: ...

    def search_rooms(self, *, team_id: str, query: str, limit: int = 100) -> list[tuple[str, str]]: ...

    def mark_event_processed(self, *, team_id: str, event_id: str) -> bool: ...

    def health(self) -> dict[str, bool]: ...


__all__ = ["SlackService"]
