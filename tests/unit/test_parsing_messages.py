"""The sentences of parse errors: what was understood, why it failed, and an example."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import messages
from bot.errors import ParseError
from bot.parsing import parse

NOW = datetime(2025, 12, 2, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai"))


def _error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, now=NOW, tz="Asia/Shanghai")
    return info.value


def test_in_past_suggests_the_same_time_tomorrow() -> None:
    err = _error("today 9am")
    assert err.detail["suggestion_start"] == "2025-12-03T09:00:00+08:00"
    sentence = messages.parse_error(err)
    assert sentence.startswith("That time has already passed (09:00–09:30).")
    assert "Did you mean Wed 3 Dec 2025 09:00–09:30?" in sentence
    assert "I understood: " in sentence and "Try: `" in sentence


def test_end_before_start_shows_both_ends() -> None:
    assert messages.parse_error(_error("3pm-2pm")).startswith("The end of that window comes before its start (15:00–14:00).")


def test_book_without_time_asks_when() -> None:
    err = _error("book 3F-Everest")
    assert err.reason == "no_time"
    assert "book 3F-Everest tomorrow 2-3pm" in messages.parse_error(err)


def test_unreadable_names_the_fragment_and_user_text_is_escaped() -> None:
    err = _error("<b>meet</b> at 25:00")
    sentence = messages.parse_error(err)
    assert "“25:00”" in sentence
    assert "<b>" not in sentence


def test_missing_argument_names_the_command() -> None:
    sentence = messages.parse_error(_error("group rename HQ"))
    assert sentence.startswith("`group rename` needs more")
    assert 'group rename HQ "Head Office"' in sentence


def test_every_help_example_parses() -> None:
    for example in messages.parse_help_examples():
        first = example.split(" · ")[0]
        parse(first, now=NOW, tz="Asia/Shanghai")


def test_request_text_is_the_cleaned_message() -> None:
    request = parse("<@UBOT>   free rooms   <#C1|general> tomorrow &amp; later", now=NOW, tz="Asia/Shanghai")
    assert request.text == "free rooms tomorrow & later"
    assert request.to_json()["text"] == request.text
