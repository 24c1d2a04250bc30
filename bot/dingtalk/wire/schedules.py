"""Free/busy replies (querySchedule): the schedule of each room, or of each person."""

from __future__ import annotations

from collections.abc import Iterator

from bot.dingtalk.wire.shape import as_list, as_object, as_str, is_all_day, parse_moment, required_str
from bot.domain.models import PersonSchedule, RoomSchedule, ScheduleItem
from bot.errors import MalformedReply


def parse_schedule_item(raw: object) -> ScheduleItem:
    obj = as_object(raw, "scheduleItems[]")
    start = parse_moment(obj.get("start"), "scheduleItems[].start")
    end = parse_moment(obj.get("end"), "scheduleItems[].end")
    status = as_str(obj.get("status")).upper() or "BUSY"  # an unlabelled item still blocks the room
    organizer = obj.get("organizer")
    organizer_id = as_str(as_object(organizer, "organizer").get("id")) if organizer is not None else ""
    return ScheduleItem(
        status=status,
        start=start.at,
        end=end.at,
        event_id=as_str(obj.get("eventId")) or None,
        organizer_id=organizer_id or None,
        all_day=is_all_day(start, end),
    )


def _schedule_information(
    body: object, *, what: str, id_key: str
) -> Iterator[tuple[str, tuple[ScheduleItem, ...], str | None]]:
    """Each entry of `scheduleInformation` as (its `id_key`, its items, its error);
    `scheduleItems` and `error` may be omitted or empty."""
    obj = as_object(body, what)
    if "scheduleInformation" not in obj:
        raise MalformedReply(f"{what} has no scheduleInformation")
    for raw in as_list(obj.get("scheduleInformation"), "scheduleInformation"):
        info = as_object(raw, "scheduleInformation[]")
        owner_id = required_str(info, id_key, "scheduleInformation[]")
        error = as_str(info.get("error")) or None
        items = tuple(parse_schedule_item(item) for item in as_list(info.get("scheduleItems"), "scheduleItems"))
        yield owner_id, items, error


def parse_schedules(body: object) -> list[RoomSchedule]:
    """The rooms' `scheduleInformation` list: `roomId`, `error`, `scheduleItems`."""
    entries = _schedule_information(body, what="free/busy reply", id_key="roomId")
    return [RoomSchedule(room_id=room_id, items=items, error=error) for room_id, items, error in entries]


def parse_people_schedules(body: object) -> list[PersonSchedule]:
    """The people's `scheduleInformation` list: `userId`, `error`, `scheduleItems`."""
    entries = _schedule_information(body, what="people free/busy reply", id_key="userId")
    return [PersonSchedule(user_id=user_id, items=items, error=error) for user_id, items, error in entries]
