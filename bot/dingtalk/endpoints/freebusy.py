"""Free/busy of meeting rooms: batches of rooms and spans of the window, fanned out in parallel."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.dingtalk import wire
from bot.dingtalk.endpoints.host import Host, HostApi
from bot.dingtalk.endpoints.pool import LazyPool
from bot.dingtalk.transport import Call, path_segment
from bot.domain.models import RoomSchedule, ScheduleItem
from bot.errors import (
    BadCredentials,
    DingTalkError,
    EmptyRoomList,
    PermissionMissing,
    QuotaExhausted,
    Throttled,
    TooManyRooms,
    UpstreamUnavailable,
)

MAX_WINDOW = timedelta(days=90)  # DingTalk refuses longer: "Cannot query schedule for more than 90 days."

# Outcomes that sink a whole free/busy question rather than one batch of it.
_FATAL = (QuotaExhausted, BadCredentials, PermissionMissing, Throttled, UpstreamUnavailable)

_Job = tuple[list[str], tuple[datetime, datetime]]


@dataclass(frozen=True)
class _Ask:
    """What every call of one free/busy question shares: who asks, the deadline, and the flag that
    stops the other calls once one has failed for good."""

    union_id: str
    deadline: float
    abort: threading.Event


def split_window(start: datetime, end: datetime, longest: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """Cut [start, end) into consecutive spans of at most `longest`."""
    spans = []
    cursor = start
    while cursor < end:
        stop = min(cursor + longest, end)
        spans.append((cursor, stop))
        cursor = stop
    return spans


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class FreeBusyApi(HostApi):
    """The meeting-room schedules endpoint, fanned out over a thread pool.

    Args:
        host: where the calls go.
        batch_size: rooms per call (DingTalk recommends at most 5); lowered when DingTalk refuses
            a batch as too large.
        max_workers: calls in flight at once.
        max_window: the longest span of time one call asks about.
        logger: where the "batch size lowered" warning goes.
    """

    def __init__(
        self,
        *,
        host: Host,
        batch_size: int,
        max_workers: int,
        max_window: timedelta,
        logger: logging.Logger,
    ) -> None:
        super().__init__(host=host)
        self._batch_size = batch_size
        self._max_window = max_window
        self._log = logger
        self._pool = LazyPool(max_workers=max_workers, name="dingtalk")

    @property
    def batch_size(self) -> int:
        """Rooms per call now (lowered if DingTalk refused a batch as too large)."""
        return self._batch_size

    def close(self) -> None:
        """Stop the worker threads; later questions raise RuntimeError."""
        self._pool.close()

    def query_schedules(self, union_id: str, room_ids: Sequence[str], start: datetime, end: datetime) -> list[RoomSchedule]:
        """Free/busy of any number of rooms over any window, one RoomSchedule per room in input order.

        See `DingTalkClient.query_schedules` for what is raised and when.
        """
        ids = list(dict.fromkeys(room_ids))
        if not ids:
            raise EmptyRoomList("query ids cannot be empty", code="invalidParameter")
        if any(not isinstance(r, str) or not r for r in ids):
            raise ValueError("room ids must be non-empty strings")
        wire.check_window(start, end)
        deadline = self._transport.new_deadline()
        spans = split_window(start, end, self._max_window)
        jobs: list[_Job] = [(batch, span) for span in spans for batch in _chunks(ids, self._batch_size)]
        abort = threading.Event()

        ask = _Ask(union_id=union_id, deadline=deadline, abort=abort)

        def run(job: _Job) -> dict[str, RoomSchedule] | DingTalkError:
            batch, (span_start, span_end) = job
            return self._schedule_job(ask, batch, span_start, span_end)

        results: list[dict[str, RoomSchedule] | DingTalkError]
        if len(jobs) == 1:
            results = [run(jobs[0])]
        else:
            pool = self._pool.get()
            futures = [pool.submit(run, job) for job in jobs]
            done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
            failed = [f for f in futures if f in done and f.exception() is not None]
            if failed:
                abort.set()  # the others stop at their next attempt
                for future in futures:
                    future.cancel()
                # Calls already sent end (within the deadline) before the question does, so none
                # of them lands after its answer, or is counted against the next question.
                concurrent.futures.wait(futures)
                first = failed[0].exception()
                assert first is not None
                raise first
            results = [f.result() for f in futures]

        failures = [r for r in results if isinstance(r, DingTalkError)]
        if failures and len(failures) == len(results):
            raise failures[0]
        return _merge_schedules(ids, jobs, results)

    def _schedule_job(
        self, ask: _Ask, batch: list[str], start: datetime, end: datetime
    ) -> dict[str, RoomSchedule] | DingTalkError:
        try:
            return {s.room_id: s for s in self._query_batch(ask, batch, start, end)}
        except _FATAL:
            raise
        except TooManyRooms as exc:
            if len(batch) == 1:
                return exc
            # DingTalk does not publish its per-call limit (it only advises at most 5): learn it and split.
            smaller = max(1, len(batch) // 2)
            if smaller < self._batch_size:
                self._log.warning(
                    "DingTalk refused %d rooms in one free/busy call; using batches of %d (set ROOMBOT_BATCH_SIZE)",
                    len(batch),
                    smaller,
                )
                self._batch_size = smaller
            merged: dict[str, RoomSchedule] = {}
            for part in _chunks(batch, smaller):
                result = self._schedule_job(ask, part, start, end)
                if isinstance(result, DingTalkError):
                    merged.update({room: _unknown(room, result) for room in part})
                else:
                    merged.update(result)
            return merged
        except DingTalkError as exc:
            return exc

    def _query_batch(self, ask: _Ask, batch: list[str], start: datetime, end: datetime) -> list[RoomSchedule]:
        path = f"/v1.0/calendar/users/{path_segment(ask.union_id)}/meetingRooms/schedules/query"
        body = {"roomIds": batch, "startTime": wire.format_time(start), "endTime": wire.format_time(end, round_up=True)}
        call = Call("schedules", "POST", self._url + path, json_body=body, idempotent=True)
        return wire.parse_schedules(self._transport.send(call, deadline=ask.deadline, abort=ask.abort))


def _unknown(room_id: str, error: DingTalkError) -> RoomSchedule:
    return RoomSchedule(room_id=room_id, error=error.message or error.code or type(error).__name__)


def _merge_schedules(
    ids: list[str], jobs: list[_Job], results: list[dict[str, RoomSchedule] | DingTalkError]
) -> list[RoomSchedule]:
    """One RoomSchedule per room in input order: spans joined, items crossing a span edge once."""
    items: dict[str, dict[tuple[object, ...], ScheduleItem]] = {room: {} for room in ids}
    errors: dict[str, str] = {}
    for (batch, _span), result in zip(jobs, results, strict=True):
        for room in batch:
            if isinstance(result, DingTalkError):
                errors.setdefault(room, _unknown(room, result).error or "unknown")
                continue
            schedule = result.get(room)
            if schedule is None:
                errors.setdefault(room, "DingTalk did not answer for this room")
                continue
            if schedule.error:
                errors.setdefault(room, schedule.error)
            for item in schedule.items:
                items[room].setdefault((item.event_id, item.start, item.end, item.status), item)
    merged = []
    for room in ids:
        ordered = tuple(sorted(items[room].values(), key=lambda i: (i.start, i.end)))
        merged.append(RoomSchedule(room_id=room, items=ordered, error=errors.get(room)))
    return merged


__all__ = ["MAX_WINDOW", "FreeBusyApi", "split_window"]
