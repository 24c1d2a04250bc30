"""The answer pool: acknowledges first, refuses when full, and gives up on answers that waited too long."""

from __future__ import annotations

import threading

from bot.slack.work import BoundedWork, InlineWork


def test_a_full_pool_refuses_at_once_without_acknowledging_and_frees_its_slot_afterwards() -> None:
    pool = BoundedWork(workers=1, queue=0)
    release, done = threading.Event(), threading.Event()
    events: list[str] = []
    try:

        def hold_then_finish() -> None:
            release.wait(10)
            done.set()

        assert pool.start(hold_then_finish, ack=lambda: events.append("ack 1"), busy=lambda: None)
        assert not pool.start(
            lambda: events.append("work 2"), ack=lambda: events.append("ack 2"), busy=lambda: events.append("busy 2")
        )
        assert events == ["ack 1", "busy 2"]
        release.set()
        assert done.wait(10)
        ran = threading.Event()
        for _ in range(100):  # the slot is released just after the work returns
            if pool.start(ran.set, ack=lambda: None, busy=lambda: None):
                break
            threading.Event().wait(0.01)
        assert ran.wait(10)
    finally:
        release.set()
        pool.close()


def test_an_answer_that_waited_too_long_for_a_worker_is_replaced_by_the_late_notice() -> None:
    now = [0.0]
    pool = BoundedWork(workers=1, queue=1, max_wait_s=20.0, clock=lambda: now[0])
    release, finished = threading.Event(), threading.Event()
    events: list[str] = []
    try:

        def hold() -> None:
            release.wait(10)

        def late() -> None:
            events.append("late")
            finished.set()

        pool.start(hold, ack=lambda: None, busy=lambda: None)
        pool.start(
            lambda: events.append("work"),
            ack=lambda: events.append("ack"),
            busy=lambda: events.append("busy"),
            late=late,
        )
        now[0] = 21.0  # the second answer has now waited longer than allowed
        release.set()
        assert finished.wait(10)
        assert events == ["ack", "late"]
    finally:
        release.set()
        pool.close()


def test_inline_work_acknowledges_then_works_in_the_callers_thread() -> None:
    events: list[str] = []
    assert InlineWork().start(
        lambda: events.append("work"), ack=lambda: events.append("ack"), busy=lambda: events.append("busy")
    )
    assert events == ["ack", "work"]


def test_answers_started_while_holding_wait_until_released_then_run() -> None:
    pool = BoundedWork(workers=2, queue=0)
    ran = threading.Event()
    events: list[str] = []
    try:
        with pool.holding() as held:
            assert pool.start(ran.set, ack=lambda: events.append("ack"), busy=lambda: events.append("busy"))
        assert events == ["ack"]
        assert not ran.wait(0.2), "the answer started before its ack was written"
        held.release()
        assert ran.wait(10)
        # Outside `holding`, an answer starts at once.
        again = threading.Event()
        assert pool.start(again.set, ack=lambda: None, busy=lambda: None)
        assert again.wait(10)
    finally:
        pool.close()
