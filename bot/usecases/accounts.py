"""Linking a Slack user to a DingTalk account, and the user's cached time zone."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Clock
from bot.dingtalk import DingTalkClient
from bot.errors import DingTalkError, StoreError, UserNotFound
from bot.parsing import Request
from bot.present import messages
from bot.present.reply import Reply, TextReply
from bot.store import Store
from bot.usecases.context import Asker, valid_zone


@dataclass(frozen=True, kw_only=True)
class Accounts:
    """`link <mobile|unionId>` and `link` alone (is my account linked?)."""

    store: Store
    dingtalk: DingTalkClient
    log: logging.Logger

    def link(self, request: Request, asker: Asker) -> Reply:
        if not request.args:
            user = self.store.users.get(asker.team_id, asker.user_id)
            return TextReply(messages.link_status(bool(user and user.union_id)), kind="info")
        union_id = self._union_id_for(request.args[0])
        self.store.users.link(asker.team_id, asker.user_id, union_id)
        return TextReply(messages.linked(), kind="success")

    def _union_id_for(self, target: str) -> str:
        digits = re.sub(r"[\s\-()]", "", target)
        if re.fullmatch(r"\+?\d{7,15}", digits):
            mobile = digits[3:] if digits.startswith("+86") else digits.lstrip("+")
            user_id = self.dingtalk.find_user_id_by_mobile(mobile)
            return self.dingtalk.get_user_union_id(user_id)
        try:
            self.dingtalk.get_user_id_by_union_id(target)
        except UserNotFound:
            raise
        except DingTalkError:
            # The lookup is only a check: when DingTalk cannot answer it, trust the user's unionId.
            self.log.warning("could not check unionId %s; linking it unchecked", target, exc_info=True)
        return target


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
