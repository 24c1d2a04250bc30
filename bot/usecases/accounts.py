"""Linking a Slack user to a DingTalk account (proved by a code), unlinking, and the user's cached time zone."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Clock
from bot.dingtalk import DingTalkClient
from bot.domain.identity import LinkLimits, looks_like_code, new_code
from bot.errors import DingTalkError, NotAllowed, NotAllowedReason, StoreError
from bot.parsing import Request
from bot.present import messages
from bot.present.actions import LINK_EMAIL, LINK_EMAIL_VALUE
from bot.present.reply import ButtonSpec, Reply, TextReply
from bot.store import Store
from bot.usecases.context import Admins, Asker, valid_zone


@dataclass(frozen=True, kw_only=True)
class Accounts:
    """Linking a DingTalk account, proved by a one-time code sent to it; `unlink`; the link's status.

    `link <mobile|unionId>` sends a code to that account's DingTalk (a work notification from the
    app, so only its owner reads it); `link <code>` finishes. Until then nothing is linked: typing a
    colleague's number only sends the colleague a code they will ignore.
    """

    store: Store
    dingtalk: DingTalkClient
    admins: Admins
    limits: LinkLimits  # how long a code lives, how many tries, how long between codes
    agent_id: int  # the DingTalk app that sends the code as a work notification (0: none configured)
    clock: Clock
    log: logging.Logger
    email_match: bool = False  # link in one click when the DingTalk directory has the Slack e-mail

    def link(self, request: Request, asker: Asker) -> Reply:
        if not request.args:
            return self.status(asker)
        target = request.args[0]
        if looks_like_code(target):
            return self._confirm(asker, target)
        if target.casefold() in {"email", "e-mail", "邮箱"}:
            return self.link_by_email(asker)
        return self._send_code(asker, target)

    def status(self, asker: Asker) -> Reply:
        """Whether the account is linked and proved; where e-mails can be matched, the one-click offer."""
        user = self.store.users.get(asker.team_id, asker.user_id)
        linked, verified = bool(user and user.union_id), bool(user and user.verified)
        state = messages.link_state(linked=linked, verified=verified)
        email = None if verified else self._matching_email(asker)
        if email is None:
            return TextReply(state, kind="info")
        button = ButtonSpec(messages.link_email_button(email), LINK_EMAIL.id(), LINK_EMAIL_VALUE, "primary")
        return TextReply(f"{state}\n{messages.link_email_offer(email)}", kind="info", buttons=(button,))

    def link_by_email(self, asker: Asker) -> Reply:
        """The one-click link: the Slack profile's e-mail equals a DingTalk directory e-mail.

        Both addresses are set by the organisations' admins, not by the person, so a match proves
        the account as a code does. The e-mail is read from Slack again here, never from a button.
        """
        profile = asker.actor.lookup() if self.email_match else None
        email = profile.email if profile is not None else None
        found = self.dingtalk.find_user_by_email(email) if email else None
        if not email or found is None:
            return TextReply(messages.WORDS.link_email_no_match, kind="info")
        _userid, union_id = found
        self.store.users.link(asker.team_id, asker.user_id, union_id, verified=True)
        self.log.info("%s linked DingTalk account %s (verified by directory e-mail)", asker.user_id, union_id)
        return TextReply(messages.WORDS.linked_verified, kind="success")

    def _matching_email(self, asker: Asker) -> str | None:
        """The asker's Slack e-mail when the DingTalk directory has it; None otherwise or when unsure."""
        if not self.email_match:
            return None
        profile = asker.actor.lookup()
        if profile is None or not profile.email:
            return None
        try:
            found = self.dingtalk.find_user_by_email(profile.email)
        except DingTalkError:
            # Only an offer: without DingTalk's answer, `link <mobile>` still works.
            self.log.warning("could not search the DingTalk directory by e-mail", exc_info=True)
            return None
        return profile.email if found is not None else None

    def unlink(self, request: Request, asker: Asker) -> Reply:
        """`unlink`: remove your own link. `unlink <@user>`: an admin removes someone else's."""
        target = request.args[0] if request.args else asker.user_id
        if target != asker.user_id and not self.admins.of(asker):
            raise NotAllowed(NotAllowedReason.UNLINK_OTHERS)
        if not self.store.users.unlink(asker.team_id, target):
            return TextReply(messages.WORDS.unlink_nothing, kind="info")
        self.log.info("DingTalk link of %s removed by %s", target, asker.user_id)
        if target == asker.user_id:
            return TextReply(messages.WORDS.unlinked, kind="success")
        return TextReply(messages.unlinked_other(target), kind="success")

    def _send_code(self, asker: Asker, target: str) -> Reply:
        if not self.agent_id:
            return TextReply(messages.WORDS.link_needs_agent_id, kind="error")
        union_id, corp_user_id = self._account_for(target)
        code = new_code()
        issued = self.store.link_codes.issue(asker.team_id, asker.user_id, union_id=union_id, code=code, limits=self.limits)
        if not issued.issued and issued.cooldown_until is not None:
            return TextReply(messages.link_cooling_down(issued.cooldown_until, self.clock()), kind="info")
        minutes = max(1, self.limits.ttl_s // 60)
        try:
            self.dingtalk.send_work_notification(
                agent_id=self.agent_id,
                user_id=corp_user_id,
                text=messages.link_code_notification(code, minutes=minutes),
            )
        except Exception:
            # Nobody got this code: forget it, so it cannot be confirmed; the send still counts.
            self.store.link_codes.withdraw(asker.team_id, asker.user_id)
            raise
        # The Slack user and the account, never the code: logs are read by more people than DingTalk is.
        self.log.info("link code sent for %s to DingTalk user %s", asker.user_id, corp_user_id)
        return TextReply(messages.link_code_sent(minutes=minutes), kind="info")

    def _confirm(self, asker: Asker, code: str) -> Reply:
        checked = self.store.link_codes.confirm(asker.team_id, asker.user_id, code=code, limits=self.limits)
        if checked.status == "linked":
            self.log.info("%s linked DingTalk account %s (verified by code)", asker.user_id, checked.union_id)
            return TextReply(messages.WORDS.linked_verified, kind="success")
        if checked.status == "wrong":
            return TextReply(messages.link_code_wrong(checked.attempts_left), kind="error")
        if checked.status == "expired":
            return TextReply(messages.WORDS.link_code_expired, kind="info")
        if checked.status == "cooling_down" and checked.cooldown_until is not None:
            return TextReply(messages.link_cooling_down(checked.cooldown_until, self.clock()), kind="info")
        return TextReply(messages.WORDS.link_code_none, kind="info")

    def _account_for(self, target: str) -> tuple[str, str]:
        """(unionId, corp userid) of a mobile number or a unionId; UserNotFound when not in the organisation."""
        digits = re.sub(r"[\s\-()]", "", target)
        if re.fullmatch(r"\+?\d{7,15}", digits):
            mobile = digits[3:] if digits.startswith("+86") else digits.lstrip("+")
            user_id = self.dingtalk.find_user_id_by_mobile(mobile)
            return self.dingtalk.get_user_union_id(user_id), user_id
        # The code goes to a userid, so an unchecked unionId cannot be linked any more.
        return target, self.dingtalk.get_user_id_by_union_id(target)


@dataclass(frozen=True, kw_only=True)
class TimeZones:
    """The user's zone: cached in the store, refreshed after `max_age_s`, else the default."""

    store: Store
    default_tz: str
    max_age_s: float
    clock: Clock
    log: logging.Logger

    def resolve(self, *, team_id: str, user_id: str, fetch: Callable[[], str | None]) -> str:
        now = self.clock()
        try:
            user = self.store.users.get(team_id, user_id)
        except StoreError:
            user = None
        fresh = (
            user is not None
            and user.tz_fetched_at is not None
            and ((now - user.tz_fetched_at).total_seconds() < self.max_age_s)
        )
        if fresh and user is not None and user.tz:
            return user.tz
        try:
            fetched = fetch()
        except Exception:
            self.log.warning("could not fetch the time zone of %s; using the cached or default zone", user_id, exc_info=True)
            fetched = None
        if fetched and valid_zone(fetched):
            try:
                self.store.users.set_tz(team_id, user_id, fetched, fetched_at=now)
            except StoreError:
                self.log.warning("could not cache the time zone of %s", user_id, exc_info=True)
            return fetched
        if user is not None and user.tz and valid_zone(user.tz):
            return user.tz
        return self.default_tz


__all__ = ["Accounts", "TimeZones"]
