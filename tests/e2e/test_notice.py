"""The "Looking…" rule: a notice only when the answer is slow, and then the answer replaces it."""

from __future__ import annotations

import threading

from bot.slack.notice import answer_with_notice


def _record(posted: list[str], what: str, ts: str) -> str:
    """Note that the notice was posted, and answer with its message ts."""
    posted.append(what)
    return ts


def test_a_fast_answer_comes_alone() -> None:
    posted: list[str] = []
    delivered: list[tuple[str, object]] = []
    result = answer_with_notice(
        lambda: "answer",
        after_s=60.0,
        post_notice=lambda: _record(posted, "notice", "ts-1"),
        deliver=lambda result, handle: delivered.append((result, handle)),
    )
    assert result == "answer"
    assert posted == []
    assert delivered == [("answer", None)]


def test_a_slow_answer_replaces_the_notice() -> None:
    noticed = threading.Event()
    delivered: list[tuple[str, object]] = []

    def post_notice() -> str:
        noticed.set()
        return "ts-1"

    def slow_work() -> str:
        assert noticed.wait(10), "the notice never came"
        return "answer"

    answer_with_notice(slow_work, after_s=0.0, post_notice=post_notice, deliver=lambda r, h: delivered.append((r, h)))
    assert delivered == [("answer", "ts-1")]


def test_a_failing_notice_does_not_lose_the_answer() -> None:
    tried = threading.Event()
    delivered: list[tuple[str, object]] = []

    def post_notice() -> str:
        tried.set()
        raise RuntimeError("slack said no")

    def slow_work() -> str:
        assert tried.wait(10)
        return "answer"

    answer_with_notice(slow_work, after_s=0.0, post_notice=post_notice, deliver=lambda r, h: delivered.append((r, h)))
    assert delivered == [("answer", None)]


def test_no_notice_after_the_answer() -> None:
    """The timer is cancelled under the lock, so a late timer cannot post after delivery."""
    timers: list[threading.Timer] = []

    def timer_factory(after: float, fire: object) -> threading.Timer:
        timer = threading.Timer(3600, fire)  # type: ignore[arg-type]
        timers.append(timer)
        return timer

    posted: list[str] = []
    answer_with_notice(
        lambda: "answer",
        after_s=0.0,
        post_notice=lambda: _record(posted, "x", "ts"),
        deliver=lambda r, h: None,
        timer_factory=timer_factory,
    )
    timers[0].function()  # the timer fires anyway, after the answer went out
    assert posted == []
