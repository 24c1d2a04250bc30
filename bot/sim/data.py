"""The simulator's demo organisation: a pure function of the seed.

Rooms, room groups, the user directory and the demo credentials are built by `build_directory`,
and each room's existing meetings on a day by `day_items(seed, room_id, day, ...)`. Every random
choice comes from a local `random.Random` seeded with a SHA-256 of its inputs (never Python's
salted `hash()`), so two processes with the same seed see the same organisation and calendars.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import random
import string
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.sim.timefmt import SHANGHAI

BUSY = "BUSY"
TENTATIVE = "TENTATIVE"

LABEL_NAMES = {1: "电视", 2: "电话", 3: "投影仪", 4: "白板", 5: "视频会议"}

_ALNUM = string.ascii_letters + string.digits


def stable_int(*parts: object) -> int:
    """A stable 64-bit integer from `parts` (same value in every process)."""
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stable_rng(*parts: object) -> random.Random:
    return random.Random(stable_int("roombot-sim", *parts))


def stable_hex(length: int, *parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in ("roombot-sim", *parts)).encode()).hexdigest()[:length]


def stable_alnum(length: int, *parts: object) -> str:
    rng = stable_rng("alnum", *parts)
    return "".join(rng.choice(_ALNUM) for _ in range(length))


def stable_event_id(*parts: object) -> str:
    """An event id shaped like DingTalk's (URL-safe base64, no padding)."""
    digest = hashlib.sha256(":".join(str(part) for part in ("roombot-sim-event", *parts)).encode()).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


# --- organisation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    building: str
    floor: str
    group_id: int
    prefix: str
    wings: tuple[str, ...]
    names: tuple[str, ...]


# Room groups as DingTalk shows them: buildings with floor groups underneath.
GROUPS: tuple[dict[str, Any], ...] = (
    {"groupId": 170, "groupName": "HQ Building A", "parentId": 0},
    {"groupId": 172, "groupName": "HQ 3F", "parentId": 170},
    {"groupId": 173, "groupName": "HQ 5F", "parentId": 170},
    {"groupId": 180, "groupName": "Tower B", "parentId": 0},
    {"groupId": 190, "groupName": "Lab", "parentId": 0},
)

FLOORS: tuple[Floor, ...] = (
    Floor("HQ Building A", "3F", 172, "3F-", ("east", "west"), ("Everest", "K2", "Fuji", "Denali", "Elbrus", "Matterhorn")),
    Floor(
        "HQ Building A",
        "5F",
        173,
        "5F-",
        ("north", "south"),
        ("Kilimanjaro", "Alps", "Andes", "Rockies", "Atlas", "Olympus"),
    ),
    Floor("Tower B", "2F", 180, "TowerB-2F-", ("A", "B"), ("Yangtze", "Mekong", "Nile", "Amazon", "Danube", "Volga")),
    Floor("Tower B", "6F", 180, "TowerB-6F-", ("A", "B"), ("Rhine", "Ganges", "Indus", "Thames", "Seine", "Loire")),
    Floor(
        "Innovation Lab", "1F", 190, "Lab-1F-", ("main hall",), ("Hub", "Forge", "Garage", "Studio", "Sandbox", "Workshop")
    ),
)

_CAPACITIES = (2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 16, 20, 30)

# The order of the floor sequence: 3F, 3F, 3F, 5F, 5F, Tower B 2F, Tower B 2F, Lab, Tower B 6F, 5F, ...
# so that the first rooms are the familiar "3F-Everest", "3F-K2", "3F-Fuji", "5F-Kilimanjaro", ...
_FLOOR_PATTERN = (0, 0, 0, 1, 1, 2, 2, 4, 3, 1, 3, 2)


def room_layout(count: int) -> list[tuple[Floor, str]]:
    """(floor, room name) of the `count` demo rooms, in list order; names are unique."""
    used = [0] * len(FLOORS)
    layout: list[tuple[Floor, str]] = []
    for index in range(count):
        floor_index = _FLOOR_PATTERN[index % len(_FLOOR_PATTERN)]
        floor = FLOORS[floor_index]
        position = used[floor_index]
        used[floor_index] += 1
        base = floor.names[position % len(floor.names)]
        round_ = position // len(floor.names)
        name = f"{floor.prefix}{base}" if round_ == 0 else f"{floor.prefix}{base}-{round_ + 1}"
        layout.append((floor, name))
    return layout


@dataclass(frozen=True)
class RoomRules:
    """A room's booking rules (`extensionConfig` of the room detail)."""

    open_reservation: bool = True
    max_minutes: int = 0
    min_minutes: int = 0
    advance_days: int = 30
    approval: bool = False
    closed_from: datetime | None = None
    closed_until: datetime | None = None
    close_reason: str = ""


@dataclass(frozen=True)
class NewRoom:
    """A room to add to the demo (`Simulator.add_room`)."""

    name: str
    capacity: int
    group_id: int | None
    labels: tuple[int, ...]
    location: tuple[str, str]  # (title, desc)
    rules: RoomRules


@dataclass
class SimRoom:
    """One room: its wire dict as the list serves it, its rules and its detail-only fields."""

    index: int
    wire: dict[str, Any]
    rules: RoomRules
    description: str = ""
    authorized_members: list[dict[str, str]] = field(default_factory=list)

    @property
    def room_id(self) -> str:
        return str(self.wire["roomId"])


@dataclass
class SimUser:
    userid: str
    unionid: str
    name: str
    mobile: str
    email: str = ""
    title: str = ""

    def wire(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "unionid": self.unionid,
            "name": self.name,
            "mobile": self.mobile,
            "state_code": "86",
            "email": self.email,
            "title": self.title,
            "active": True,
            "admin": False,
            "boss": False,
            "dept_id_list": [1],
            "real_authed": True,
        }


_PEOPLE = (
    ("Han Meimei", "Office manager"),
    ("Li Lei", "Engineer"),
    ("Wang Fang", "Product manager"),
    ("Zhang Wei", "Designer"),
    ("Liu Yang", "Sales lead"),
    ("Chen Jing", "Recruiter"),
    ("Zhao Min", "Engineering manager"),
)


def build_users(seed: int, corp_domain: str = "example.com") -> list[SimUser]:
    """The operator (first) and six colleagues, each with a mobile, userid and unionId."""
    users = []
    for number, (name, title) in enumerate(_PEOPLE):
        userid = f"{stable_int(seed, 'userid', number) % 90_000_000 + 10_000_000}"
        unionid = stable_alnum(27, seed, "unionid", number) + "E"
        mobile = f"1380013{8000 + number:04d}"
        email = name.lower().replace(" ", ".") + "@" + corp_domain
        users.append(SimUser(userid=userid, unionid=unionid, name=name, mobile=mobile, email=email, title=title))
    return users


def build_rooms(seed: int, count: int, *, corp_id: str, today: date, operator: SimUser) -> list[SimRoom]:
    """The `count` demo rooms; a few have interesting booking rules (see module docs)."""
    groups = {group["groupId"]: group for group in GROUPS}
    rooms = []
    for index, (floor, name) in enumerate(room_layout(count)):
        rng = stable_rng(seed, "room", index)
        capacity = rng.choice(_CAPACITIES)
        labels = {label for label in (1, 2, 3, 4, 5) if rng.random() < 0.45}
        if capacity >= 10:
            labels |= {1, 5}  # big rooms have a screen and video conferencing
        if capacity <= 2:
            labels &= {2, 4}  # phone booths: a phone, maybe a whiteboard
        group = groups[floor.group_id]
        room_status = 2 if index % 24 == 13 else 0
        wire: dict[str, Any] = {
            "roomId": stable_hex(16, seed, "roomId", index),
            "roomStaffId": "",
            "corpId": corp_id,
            "roomName": name,
            "roomStatus": room_status,
            "roomLabels": [{"labelId": label, "labelName": LABEL_NAMES[label]} for label in sorted(labels)],
            "roomCapacity": capacity,
            "roomLocation": {"title": floor.building, "desc": f"{floor.floor}, {rng.choice(floor.wings)} wing"},
            "roomPicture": f"https://static.dingtalk.com/media/sim-{stable_hex(12, seed, 'pic', index)}.jpg",
            "isvRoomId": "",
            "roomGroup": {"groupId": group["groupId"], "groupName": group["groupName"], "parentId": group["parentId"]},
        }
        rules = _rules_for(index, today)
        members = []
        if room_status == 2:
            members = [{"memberId": operator.unionid, "memberType": "user", "memberName": operator.name}]
        description = f"{capacity}-seat room on {floor.building} {floor.floor}."
        rooms.append(SimRoom(index=index, wire=wire, rules=rules, description=description, authorized_members=members))
    return rooms


def _rules_for(index: int, today: date) -> RoomRules:
    """Booking rules by position, so every demo of 10+ rooms has the same interesting cases."""
    if index % 8 == 4:  # rooms 4, 12, 20, ...: bookings need approval
        return RoomRules(approval=True)
    if index % 24 == 1:  # e.g. "3F-K2": at most two hours, at least half an hour
        return RoomRules(max_minutes=120, min_minutes=30)
    if index % 24 == 9:  # closed for maintenance from three days ago for two weeks
        start = datetime.combine(today - timedelta(days=3), time(0, 0), tzinfo=SHANGHAI)
        return RoomRules(closed_from=start, closed_until=start + timedelta(days=17), close_reason="Renovation")
    if index % 24 == 6:  # booked at most two weeks ahead
        return RoomRules(advance_days=14)
    return RoomRules()


# --- existing meetings ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoItem:
    """One existing meeting of a room: [start, end) in Asia/Shanghai, or an all-day day."""

    event_id: str
    status: str
    start: datetime
    end: datetime
    organizer_id: str
    all_day: bool = False


_DAY_START_SLOT = 18  # 09:00 in half hours
_DAY_SLOTS = 20  # 09:00 .. 19:00


@functools.lru_cache(maxsize=32768)  # pure, so a cache only saves time (free/busy asks for the same days often)
def day_items(
    seed: int, room_id: str, day: date, *, organizers: tuple[str, ...], approval: bool = False
) -> tuple[DemoItem, ...]:
    """The meetings a demo room already has on `day` (a pure function of its arguments).

    Working days: 2-5 meetings of 30-120 minutes on half or whole hours between 09:00 and 19:00,
    about 10% TENTATIVE (30% in rooms that need approval), and about one day in 30 is an all-day
    item. Weekends are mostly empty.
    """
    rng = stable_rng(seed, "day", room_id, day.isoformat())
    weekend = day.weekday() >= 5
    if weekend:
        count = 1 if rng.random() < 0.12 else 0
    else:
        if rng.random() < 0.035:
            return (_all_day(seed, room_id, day, rng, organizers),)
        count = rng.randint(2, 5)
    taken = [False] * _DAY_SLOTS
    items = []
    for number in range(count):
        length = rng.choice((1, 2, 2, 2, 3, 4))  # half hours: 30, 60, 90, 120 minutes
        for _attempt in range(12):
            first = rng.randrange(0, _DAY_SLOTS - length + 1)
            if not any(taken[first : first + length]):
                break
        else:
            continue
        for slot in range(first, first + length):
            taken[slot] = True
        start = datetime.combine(day, time(0, 0), tzinfo=SHANGHAI) + timedelta(minutes=30 * (_DAY_START_SLOT + first))
        tentative = rng.random() < (0.3 if approval else 0.1)
        items.append(
            DemoItem(
                event_id=stable_event_id(seed, room_id, day.isoformat(), number),
                status=TENTATIVE if tentative else BUSY,
                start=start,
                end=start + timedelta(minutes=30 * length),
                organizer_id=rng.choice(organizers) if organizers else "",
            )
        )
    items.sort(key=lambda item: item.start)
    return tuple(items)


def _all_day(seed: int, room_id: str, day: date, rng: random.Random, organizers: tuple[str, ...]) -> DemoItem:
    start = datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)
    return DemoItem(
        event_id=stable_event_id(seed, room_id, day.isoformat(), "all-day"),
        status=BUSY,
        start=start,
        end=start + timedelta(days=1),
        organizer_id=rng.choice(organizers) if organizers else "",
        all_day=True,
    )
