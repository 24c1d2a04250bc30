"""DingTalk: the client (tokens, rooms, free/busy, events, users), its rate limiter and models.

from bot.dingtalk import DingTalkClient
client = DingTalkClient(base_url=..., app_key=..., app_secret=...)
"""

from __future__ import annotations

from bot.dingtalk.client import DingTalkClient, split_window
from bot.dingtalk.ratelimit import NoRateLimit, RateLimiter, SlidingWindowLimiter
from bot.domain.models import (
    BUSY,
    TENTATIVE,
    AdvanceReservation,
    Event,
    EventRoom,
    Label,
    ReservationClosed,
    Room,
    RoomDetail,
    RoomGroupRef,
    RoomSchedule,
    ScheduleItem,
)

__all__ = [
    "BUSY",
    "TENTATIVE",
    "AdvanceReservation",
    "DingTalkClient",
    "Event",
    "EventRoom",
    "Label",
    "NoRateLimit",
    "RateLimiter",
    "ReservationClosed",
    "Room",
    "RoomDetail",
    "RoomGroupRef",
    "RoomSchedule",
    "ScheduleItem",
    "SlidingWindowLimiter",
    "split_window",
]
