"""Buttons: Share in channel, Book, Book and invite, Cancel, Show all, Refresh, Import groups, Link as
<e-mail>, App Home's group buttons, and the reminder's Check in / Release / Extend.

Each listener registers the `ActionId` the presenter builds its buttons with, so an id is
spelled in one place (`bot.present.actions`).
"""

from __future__ import annotations

from slack_bolt import App

from bot.present.actions import (
    BOOK,
    BOOK_INVITE,
    CANCEL_BOOKING,
    CHECK_IN,
    EXTEND_BOOKING,
    HOME_CREATE_GROUP,
    HOME_EDIT_GROUP,
    IMPORT_GROUPS,
    LINK_EMAIL,
    REFRESH,
    RELEASE_BOOKING,
    SHARE,
    SHOW_ALL,
)
from bot.slack.answers import Answers
from bot.slack.listeners.actions.accounts import AccountButtons
from bot.slack.listeners.actions.bookings import BookingButtons
from bot.slack.listeners.actions.checkin import CheckinButtons
from bot.slack.listeners.actions.groups import GroupButtons
from bot.slack.listeners.actions.questions import QuestionButtons


def register(app: App, *, answers: Answers) -> None:
    questions = QuestionButtons(answers=answers)
    app.action(SHARE.pattern)(questions.clicked("share", questions.share))
    app.action(SHOW_ALL.pattern)(questions.clicked("show_all", questions.show_all))
    app.action(REFRESH.pattern)(questions.clicked("refresh", questions.refresh))
    bookings = BookingButtons(answers=answers)
    app.action(BOOK.pattern)(bookings.clicked("book", bookings.book))
    app.action(CANCEL_BOOKING.pattern)(bookings.clicked("cancel", bookings.cancel))
    checkins = CheckinButtons(answers=answers)
    app.action(CHECK_IN.pattern)(checkins.clicked("check_in", checkins.check_in))
    app.action(RELEASE_BOOKING.pattern)(checkins.clicked("release", checkins.release))
    app.action(EXTEND_BOOKING.pattern)(checkins.clicked("extend", checkins.extend))
    app.action(BOOK_INVITE.pattern)(bookings.clicked("book_invite", bookings.book_invite))
    groups = GroupButtons(answers=answers)
    app.action(IMPORT_GROUPS.pattern)(groups.clicked("import_groups", groups.import_groups))
    app.action(HOME_CREATE_GROUP.pattern)(groups.on_home_create_group)
    app.action(HOME_EDIT_GROUP.pattern)(groups.on_home_edit_group)
    accounts = AccountButtons(answers=answers)
    app.action(LINK_EMAIL.pattern)(accounts.clicked("link_email", accounts.link_email))


__all__ = ["register"]
