"""The monthly DingTalk call budget at run time: counting calls, and deciding whether a search may call.

- `CallCounter` is the transport's hook: every quota-counted call (retries too) adds one to the
  organisation's count for the month and API, in the database, so every process shares it.
- `QuotaKeeper` reads the count and answers the schedule provider: how old data may be before a
  refresh, whether a refresh may happen now (the budget's searching part, the user's fair share,
  DingTalk's own quota), and where the month stands (`roombot quota`, App Home, the admins' DM).

The arithmetic is in `bot.domain.quota`.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Clock, Settings
from bot.domain import quota
from bot.errors import HeldReason, StoreError

# A notice kind recorded once a month (the primary key of `quota_notices` makes it once).
NOTICE_RUNNING_LOW = "running_low"
NOTICE_DINGTALK_SPENT = "dingtalk_spent"
# After DingTalk reported the quota spent, searches are answered from the cache; one search tries
# DingTalk again this long after the last report (an admin may have upgraded the plan meanwhile).
PROBE_AFTER = timedelta(minutes=30)
# The refresh age `roombot quota` shows is the one of a group this size (four free/busy calls).
REFERENCE_ROOMS = 20


class QuotaCounts(Protocol):
    """What the quota needs from the store (`bot.store.quota.QuotaRepository`)."""

    def add_calls(self, org: str, month: str, api: str, calls: int = 1) -> None: ...

    def calls_by_api(self, org: str, month: str) -> dict[str, int]: ...

    def total(self, org: str, month: str) -> int: ...

    def add_user_fetch(self, team_id: str, user_id: str, hour: datetime) -> None: ...

    def user_fetches(self, team_id: str, user_id: str, hour: datetime) -> int: ...

    def claim_notice(self, org: str, month: str, kind: str) -> bool: ...

    def record_notice(self, org: str, month: str, kind: str) -> None: ...

    def notice(self, org: str, month: str, kind: str) -> datetime | None: ...


class CallCounter:
    """Counts one quota-counted DingTalk call of `api` for the organisation's current month.

    A question's free/busy calls leave in parallel, and each count is a database write. So that
    they do not queue behind each other's writes, the first caller writes while the others only
    add to a tally in memory and go on; the writer then writes the tally too, before it goes on.
    Every call is in the database before its own request is sent, or at most one write later.
    """

    def __init__(self, *, counts: QuotaCounts, org: str, zone: ZoneInfo, clock: Clock) -> None:
        self._counts = counts
        self._org = org
        self._zone = zone
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()
        self._writing = False
        self._log = logging.getLogger(__name__)

    def __call__(self, api: str) -> None:
        with self._lock:
            self._pending[api] += 1
            if self._writing:
                return
            self._writing = True
        try:
            while True:
                with self._lock:
                    tally, self._pending = self._pending, Counter()
                    if not tally:
                        # Under the lock: a call counted after this point finds no writer and writes itself.
                        self._writing = False
                        return
                month = quota.month_key(self._clock(), self._zone)
                for name, calls in tally.items():
                    self._add(month, name, calls)
        except BaseException:
            with self._lock:
                self._writing = False
            raise

    def _add(self, month: str, api: str, calls: int) -> None:
        try:
            self._counts.add_calls(self._org, month, api, calls)
        except StoreError:
            # The call itself matters more than its count; the gap shows as a lower count.
            self._log.warning("could not count %d DingTalk call(s) of %s", calls, api, exc_info=True)


@dataclass(frozen=True)
class QuotaStatus:
    """Where the month stands.

    Attributes:
        month: "2026-12".
        used: quota-counted calls so far.
        budget: the monthly budget (0 = no limit); search_limit: its searching part.
        projected: the month-end use at the pace so far.
        running_low: the projection passes the budget.
        search_spent: searching used its part; bookings use the reserve.
        dingtalk_spent: DingTalk itself said the organisation's quota is spent.
        month_ends: when the next month (and a fresh quota) begins.
    """

    month: str
    used: int
    budget: int
    search_limit: int
    projected: float
    running_low: bool
    search_spent: bool
    dingtalk_spent: bool
    month_ends: datetime
    use: quota.MonthUse

    def refresh_age_s(self, budget: quota.Budget, *, cost: int, day_offset: int = 0) -> float:
        if self.dingtalk_spent:
            return math.inf
        return quota.refresh_age_s(budget, self.use, cost=cost, day_offset=day_offset)


@dataclass(frozen=True)
class Decision:
    """Whether a refresh may call DingTalk now; if not, why and until when."""

    allowed: bool
    reason: HeldReason | None = None
    until: datetime | None = None


ALLOWED = Decision(allowed=True)


class QuotaKeeper:
    """The budget's side of every search: refresh ages, permission to call, and the month's figures."""

    def __init__(self, *, counts: QuotaCounts, settings: Settings, clock: Clock) -> None:
        self._counts = counts
        self._org = settings.quota_org
        self._zone = settings.org_zone
        self._hours = quota.WorkingHours(zone=settings.org_zone, start=settings.work_start, end=settings.work_end)
        self.budget = quota.Budget(
            calls=settings.monthly_call_budget,
            reserve_share=settings.budget_reserve,
            min_age_s=settings.cache_ttl_s,
            max_age_s=max(settings.max_refresh_age_s, settings.cache_ttl_s),
        )
        self._fair_share = settings.user_fetches_per_hour
        self.refresh_min_age_s = settings.refresh_min_age_s
        self._clock = clock

    @property
    def org(self) -> str:
        return self._org

    def counter(self) -> CallCounter:
        """The transport hook that counts calls into this keeper's store."""
        return CallCounter(counts=self._counts, org=self._org, zone=self._zone, clock=self._clock)

    def status(self, now: datetime | None = None) -> QuotaStatus:
        now = now or self._clock()
        month = quota.month_key(now, self._zone)
        first, following = quota.month_bounds(now, self._zone)
        used = self._counts.total(self._org, month)
        use = quota.MonthUse(
            used=used,
            elapsed_s=self._hours.seconds_between(first, now),
            total_s=self._hours.seconds_between(first, following),
            day_s=self._hours.day_s,
        )
        reported = self._counts.notice(self._org, month, NOTICE_DINGTALK_SPENT)
        spent = reported is not None and now - reported < PROBE_AFTER
        return QuotaStatus(
            month=month,
            used=used,
            budget=self.budget.calls,
            search_limit=self.budget.search_limit,
            projected=use.projected(),
            running_low=quota.running_low(self.budget, use) or spent,
            search_spent=quota.search_spent(self.budget, use),
            dingtalk_spent=spent,
            month_ends=following,
            use=use,
        )

    def calls_by_api(self, now: datetime | None = None) -> Mapping[str, int]:
        return self._counts.calls_by_api(self._org, quota.month_key(now or self._clock(), self._zone))

    def reference_refresh_age_s(self, status: QuotaStatus, *, batch_size: int) -> float:
        """Today's refresh age for a group of `REFERENCE_ROOMS` rooms (what `roombot quota` shows)."""
        return status.refresh_age_s(self.budget, cost=math.ceil(REFERENCE_ROOMS / max(batch_size, 1)))

    def may_fetch(self, status: QuotaStatus, *, team_id: str, user_id: str | None, now: datetime) -> Decision:
        """Whether a search may call DingTalk now (the caller already decided the data is stale)."""
        if status.dingtalk_spent:
            return Decision(False, HeldReason.DINGTALK_QUOTA, status.month_ends)
        if status.search_spent:
            return Decision(False, HeldReason.BUDGET, status.month_ends)
        if user_id and self._fair_share > 0:
            hour = _hour(now)
            if self._counts.user_fetches(team_id, user_id, hour) >= self._fair_share:
                return Decision(False, HeldReason.FAIRNESS, hour + timedelta(hours=1))
        return ALLOWED

    def fetched(self, *, team_id: str, user_id: str | None, now: datetime) -> None:
        """A search by `user_id` called DingTalk: it counts toward their fair share."""
        if user_id and self._fair_share > 0:
            try:
                self._counts.add_user_fetch(team_id, user_id, _hour(now))
            except StoreError:
                logging.getLogger(__name__).warning("could not count a user's fetch", exc_info=True)

    def dingtalk_spent(self, now: datetime | None = None) -> datetime:
        """DingTalk reported the quota spent: remember it for the month; returns when it comes back."""
        now = now or self._clock()
        self._counts.record_notice(self._org, quota.month_key(now, self._zone), NOTICE_DINGTALK_SPENT)
        return quota.month_bounds(now, self._zone)[1]

    def claim_running_low_notice(self, status: QuotaStatus) -> bool:
        """True once a month, for the one process that tells the admins the budget runs low."""
        return self._counts.claim_notice(self._org, status.month, NOTICE_RUNNING_LOW)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


__all__ = ["CallCounter", "Decision", "QuotaCounts", "QuotaKeeper", "QuotaStatus"]
