"""Whatever constraints a question carries, each one roombot recognises filters the answer and is
repeated in its header; words it did not use are said back ("I ignored: …")."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UnknownGroup
from bot.parsing import Request, parse
from bot.present import messages
from bot.present.reply import FindReply
from bot.present.terminal import render_text
from bot.slack import blocks
from bot.usecases.find import FindRooms
from tests.unit.usecase_fakes import NOW, FakeStore, asker, find_rooms

LABEL_WORDS = {1: "with a TV", 2: "with a phone", 3: "with a projector", 4: "with a whiteboard", 5: "with video"}
GROUPS = ["HQ", "Annex", "Tower"]


def _finder() -> FindRooms:
    store = FakeStore()
    store.add_room("r1", "Everest", 8)
    store.add_room("r2", "K2", 30)
    for name in GROUPS[:2]:  # "Tower" is asked about but does not exist
        store.add_group(name, ["r1", "r2"])
    return find_rooms(store)


FINDER = _finder()


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.one_of(st.none(), st.integers(1, 60)),
    capacity_form=st.sampled_from(["for {n} people", "for {n}", "{n}人", "room for {n}"]),
    labels=st.lists(st.sampled_from(sorted(LABEL_WORDS)), max_size=2, unique=True),
    group=st.one_of(st.none(), st.sampled_from(GROUPS)),
    group_form=st.sampled_from(["in {g}", "@{g}", "在{g}"]),
    duration=st.one_of(st.none(), st.sampled_from([15, 45, 90])),
    time=st.sampled_from(["tomorrow 2-5pm", "tomorrow 10-11:30am", "明天下午2点到5点", "wednesday next week 9-12"]),
    stray=st.sampled_from(["", "bananas", "pls"]),
    order=st.randoms(use_true_random=False),
)
def test_every_recognised_constraint_is_echoed(
    capacity: int | None,
    capacity_form: str,
    labels: list[int],
    group: str | None,
    group_form: str,
    duration: int | None,
    time: str,
    stray: str,
    order: random.Random,
) -> None:
    parts = [time]
    if capacity is not None:
        parts.append(capacity_form.format(n=capacity))
    parts += [LABEL_WORDS[label] for label in labels]
    if group is not None:
        parts.append(group_form.format(g=group))
    if duration is not None:
        parts.append(f"a {duration} min slot")
    if stray:
        parts.append(stray)
    order.shuffle(parts)
    text = " ".join(parts)
    request = parse(text, now=NOW, tz="Asia/Shanghai")

    # recognised: everything that was written
    assert request.capacity == capacity, text
    assert sorted(request.labels) == sorted(labels), text
    assert request.group == group, text
    assert request.duration_minutes in (duration, None), text
    if stray == "bananas":
        assert request.ignored == ("bananas",), text

    try:
        reply = FINDER.find(request, asker())
    except UnknownGroup as exc:  # a group that does not exist is named, not skipped
        assert group == "Tower" and "Tower" in messages.describe_error(exc)
        return
    assert isinstance(reply, FindReply)
    for echo in (render_text(reply), json.dumps(blocks.render(reply), ensure_ascii=False)):
        _echoes(echo, request, reply)


def _echoes(echo: str, request: Request, reply: FindReply) -> None:
    """The answer as the terminal or Slack shows it repeats every constraint the request carries."""
    if request.capacity:
        assert f"for {request.capacity} people" in echo or f"for {request.capacity} person" in echo, echo
        assert all(r.room.capacity is None or r.room.capacity >= request.capacity for r in reply.results) or any(
            "No room here" in line for line in echo.splitlines()
        )
    for label in request.labels:
        assert messages.label_name(label) in echo, echo
    if request.group:
        assert request.group in echo, echo
    if request.duration_minutes:
        assert messages.minutes(request.duration_minutes) in echo, echo
    for word in request.ignored:
        assert f"`{word}`" in echo or word in echo, echo
    assert request.end is not None and request.start is not None
    assert request.end - request.start > timedelta(0)
