"""Every reason enum member has a sentence of its own, shared by the raiser and `bot.present.messages`."""

from __future__ import annotations

import pytest

from bot.errors import (
    BookingRuleViolation,
    LimitExceeded,
    LimitReason,
    NotAllowed,
    NotAllowedReason,
    RuleReason,
)
from bot.present import messages


def test_every_not_allowed_reason_has_its_own_sentence() -> None:
    sentences = {reason: messages.describe_error(NotAllowed(reason)) for reason in NotAllowedReason}
    assert len(set(sentences.values())) == len(NotAllowedReason)
    for reason, sentence in sentences.items():
        assert reason.value not in sentence


def test_every_limit_reason_has_its_own_sentence() -> None:
    sentences = {reason: messages.describe_error(LimitExceeded(reason, limit=7)) for reason in LimitReason}
    assert len(set(sentences.values())) == len(LimitReason)
    for reason, sentence in sentences.items():
        assert reason.value not in sentence
        assert "goes over a limit" not in sentence


def test_every_rule_reason_has_its_own_sentence() -> None:
    sentences = {
        reason: messages.describe_error(BookingRuleViolation(reason, room_name="Everest", detail={"limit": "9"}))
        for reason in RuleReason
    }
    assert len(set(sentences.values())) == len(RuleReason)
    for reason, sentence in sentences.items():
        assert f"({reason.value})" not in sentence


def test_an_empty_name_is_a_sentence_about_the_name() -> None:
    sentence = messages.describe_error(LimitExceeded("name_empty", limit=1))
    assert "empty" in sentence and "limit" not in sentence and "name_empty" not in sentence


def test_a_group_not_shared_with_the_channel_is_not_someone_elses_group() -> None:
    sentence = messages.describe_error(NotAllowed("group_not_shared_with_channel"))
    assert sentence != messages.describe_error(NotAllowed(NotAllowedReason.CHANGE_GROUP))
    assert "channel" in sentence


@pytest.mark.parametrize("reason", [*NotAllowedReason, *LimitReason, *RuleReason])
def test_the_bare_string_reads_like_the_member(reason: NotAllowedReason | LimitReason | RuleReason) -> None:
    """Code that still raises the string value (the store, for now) gets the same sentence."""
    if isinstance(reason, NotAllowedReason):
        assert messages.describe_error(NotAllowed(str(reason))) == messages.describe_error(NotAllowed(reason))
    elif isinstance(reason, LimitReason):
        pair = (LimitExceeded(str(reason), limit=3), LimitExceeded(reason, limit=3))
        assert messages.describe_error(pair[0]) == messages.describe_error(pair[1])
    else:
        pair2 = (BookingRuleViolation(str(reason), room_name="K2"), BookingRuleViolation(reason, room_name="K2"))
        assert messages.describe_error(pair2[0]) == messages.describe_error(pair2[1])


def test_an_unknown_reason_still_gets_a_sentence() -> None:
    assert "mystery" in messages.describe_error(LimitExceeded("mystery", limit=2))
    assert messages.describe_error(NotAllowed("cancel_someones_booking")) == messages.describe_error(
        NotAllowed(NotAllowedReason.CANCEL_BOOKING)
    )
