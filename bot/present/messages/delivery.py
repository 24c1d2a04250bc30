"""Sentences about answering on time and to the right audience (busy, too slow, booked by)."""

from __future__ import annotations


def slack_busy() -> str:
    """Every answer slot is taken: the request was not queued."""
    return ":hourglass: I'm busy answering other questions right now. Please try again in a minute."


def slack_too_slow() -> str:
    """An answer that outlasted its deadline (a hung database or DingTalk)."""
    return (
        ":warning: That took too long to answer, so I stopped waiting. "
        "Please try again in a minute; if it keeps happening, tell your Slack admin."
    )


def slack_booked_by(user_id: str) -> str:
    """The neutral line a public message gains when someone books from it."""
    return f"Booked by <@{user_id}>"


__all__ = ["slack_booked_by", "slack_busy", "slack_too_slow"]
