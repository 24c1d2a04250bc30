"""Action ids and button values: what the presenter writes is what the listener reads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.present.actions import (
    BOOK,
    BUTTON_VALUE_MAX,
    CANCEL_BOOKING,
    SHARE,
    BookValue,
    ShowAllValue,
    book_value,
    cancel_value,
    group_modal_metadata,
    parse_book_value,
    parse_cancel_value,
    parse_group_modal_metadata,
    parse_show_all_value,
    share_value,
    show_all_value,
)

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 14, 0, tzinfo=SHANGHAI)
END = START + timedelta(hours=1)


def test_numbered_ids_match_their_kind_and_nothing_else() -> None:
    assert [BOOK.id(), BOOK.id(3), CANCEL_BOOKING.id(42)] == ["book", "book:3", "cancel_booking:42"]
    assert BOOK.matches("book") and BOOK.matches("book:12")
    assert not BOOK.matches("book-R12") and not BOOK.matches("booking") and not BOOK.matches("book:")
    assert SHARE.matches("share") and not SHARE.matches("share:1")
    with pytest.raises(ValueError):
        SHARE.id(1)


def test_a_book_value_reads_back_as_written() -> None:
    value = book_value("r-everest", START, END)
    assert json.loads(value) == {"room_id": "r-everest", "start": START.isoformat(), "end": END.isoformat()}
    assert parse_book_value(value) == BookValue("r-everest", START, END)


@pytest.mark.parametrize(
    "value",
    ["", "[]", '{"room_id": "r"}', json.dumps({"room_id": "r", "start": END.isoformat(), "end": START.isoformat()})],
)
def test_a_bad_book_value_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parse_book_value(value)


def test_a_naive_window_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_book_value(book_value("r", START.replace(tzinfo=None), END.replace(tzinfo=None)))


def test_cancel_and_group_values() -> None:
    assert parse_cancel_value(cancel_value(7)) == 7
    with pytest.raises(ValueError):
        parse_cancel_value("seven")
    metadata = group_modal_metadata(group_id=5, channel_id="C1")
    assert parse_group_modal_metadata(metadata) == 5
    assert parse_group_modal_metadata(group_modal_metadata(group_id=None, channel_id=None)) is None
    assert parse_group_modal_metadata("not json") is None


def test_show_all_value_round_trip_and_cut() -> None:
    value = show_all_value(query="free rooms 2-3pm", start=START, end=END, tz="Asia/Shanghai", duration_minutes=30)
    assert parse_show_all_value(value) == ShowAllValue("free rooms 2-3pm", START, END, 30)
    long = show_all_value(query="房" * 5000, start=START, end=END, tz="Asia/Shanghai", duration_minutes=None)
    assert len(long) <= BUTTON_VALUE_MAX
    parsed = parse_show_all_value(long)
    assert isinstance(parsed, ShowAllValue) and parsed.query and set(parsed.query) == {"房"}
    assert parse_show_all_value("plain text") == "plain text"


def test_a_question_too_long_for_a_button_gets_no_share_value() -> None:
    assert share_value("free rooms") == "free rooms"
    assert share_value("") is None and share_value("x" * (BUTTON_VALUE_MAX + 1)) is None
