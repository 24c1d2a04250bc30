"""People's free/busy (`querySchedule`): at most 20 user ids a call, batches fanned out in parallel."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from bot.dingtalk import wire
from bot.dingtalk.endpoints.host import Host, HostApi
from bot.dingtalk.endpoints.pool import LazyPool
from bot.dingtalk.transport import Call, path_segment
from bot.domain.models import PersonSchedule
from bot.domain.slots import MAX_PEOPLE_PER_CALL, batches


class PeopleApi(HostApi):
    """`POST /v1.0/calendar/users/{unionId}/querySchedule` for any number of people.

    Every call is a real call: it goes through the transport's rate limit and counts against the
    organisation's API quota like any other. The first failure of any batch is raised: a search
    that silently lost some people's calendars would suggest times they are busy.

    Args:
        host: where the calls go.
        max_workers: calls in flight at once.
    """

    def __init__(self, *, host: Host, max_workers: int) -> None:
        super().__init__(host=host)
        self._pool = LazyPool(max_workers=max_workers, name="dingtalk-people")
        self._lock = threading.Lock()
        self.calls = 0  # querySchedule calls sent, for the caller's accounting

    def close(self) -> None:
        self._pool.close()

    def query_people(self, union_id: str, user_ids: Sequence[str], start: datetime, end: datetime) -> list[PersonSchedule]:
        """One PersonSchedule per distinct id, in input order; asked as `union_id` (the operator)."""
        ids = list(dict.fromkeys(u for u in user_ids if u))
        if not ids:
            return []
        wire.check_window(start, end)
        deadline = self._transport.new_deadline()
        calls = batches(ids, MAX_PEOPLE_PER_CALL)

        def run(batch: list[str]) -> list[PersonSchedule]:
            return self._query(union_id, batch, start, end, deadline)

        if len(calls) == 1:
            results = [run(calls[0])]
        else:
            pool = self._pool.get()
            futures = [pool.submit(run, batch) for batch in calls]
            results = [future.result() for future in futures]
        found = {schedule.user_id: schedule for result in results for schedule in result}
        return [found.get(u, PersonSchedule(user_id=u, error="DingTalk did not answer for this person")) for u in ids]

    def _query(
        self, union_id: str, batch: list[str], start: datetime, end: datetime, deadline: float
    ) -> list[PersonSchedule]:
        path = f"/v1.0/calendar/users/{path_segment(union_id)}/querySchedule"
        body = {"userIds": batch, "startTime": wire.format_time(start), "endTime": wire.format_time(end, round_up=True)}
        call = Call("querySchedule", "POST", self._url + path, json_body=body, idempotent=True)
        with self._lock:
            self.calls += 1
        return wire.parse_people_schedules(self._transport.send(call, deadline=deadline))


__all__ = ["PeopleApi"]
