"""DingTalk: the client (tokens, rooms, free/busy, events, users), and its rate limiter.

Its records are the domain types in `bot.domain.models`.

from bot.dingtalk import DingTalkClient
client = DingTalkClient(base_url=..., app_key=..., app_secret=...)
"""

from __future__ import annotations

from bot.dingtalk.client import DingTalkClient, split_window
from bot.dingtalk.ratelimit import NoRateLimit, RateLimiter, SlidingWindowLimiter

__all__ = ["DingTalkClient", "NoRateLimit", "RateLimiter", "SlidingWindowLimiter", "split_window"]
