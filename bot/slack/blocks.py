"""The Slack presenter: a reply as Block Kit, built with slack_sdk.models and within Slack's limits.

`render(reply)` returns `{"text": fallback, "blocks": [...]}`, ready for `chat.postMessage`,
`respond` or `chat.update`. Every block goes through slack_sdk's `to_dict()`, which validates
Slack's limits (https://docs.slack.dev/reference/block-kit/blocks); on top of that this module
keeps a message to at most 50 blocks, summarising a long list behind a "Show all" button.

Buttons (ids and values from `bot.present.actions`): Book on a room that fits (`book:<n>` when
several share an actions block), Cancel on each booking, and Show all on a summarised answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.domain.availability import Verdict
from bot.markup import escape_mrkdwn
from bot.present import messages
from bot.present.actions import (
    BOOK,
    BOOK_INVITE,
    BUTTON_VALUE_MAX,
    CANCEL_BOOKING,
    SHOW_ALL,
    book_value,
    cancel_value,
    invite_value,
    show_all_value,
)
from bot.present.reply import BookingsReply, ButtonSpec, ConfirmSpec, FindReply, MeetReply, Reply, RoomResult, TextReply
from bot.present.terminal import LOOKS, room_facts, timeline, timeline_span, verdict_detail

MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
CONTEXT_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
ACTIONS_ELEMENTS_MAX = 25
FALLBACK_MAX = 3000
MOBILE_SECTION_MAX = 1000
DEFAULT_MAX_ROOMS = 8


_KIND_EMOJI = {"error": ":warning: ", "success": ":white_check_mark: ", "help": "", "info": ""}


def render(reply: Reply, *, max_rooms: int = DEFAULT_MAX_ROOMS, shared: bool = False) -> dict[str, Any]:
    """Render a reply as a Slack message payload: `{"text": ..., "blocks": [...]}`.

    Args:
        max_rooms: rooms shown in full before the answer is summarised behind "Show all".
        shared: the message is for a channel, not only the asker: its window is written as
            `<!date^…>` tokens, so that every reader sees it in their own zone.
    """
    if isinstance(reply, TextReply):
        blocks, text = _text_reply(reply)
    elif isinstance(reply, BookingsReply):
        blocks, text = _bookings_reply(reply)
    elif isinstance(reply, MeetReply):
        blocks, text = _meet_reply(reply)
    else:
        blocks, text = _find_reply(reply, max_rooms=max(1, max_rooms), shared=shared)
    if len(blocks) > MAX_BLOCKS:  # a bug here, never the user's fault: fail loudly in tests
        raise ValueError(f"{len(blocks)} blocks exceed Slack's {MAX_BLOCKS}")
    return {"text": _cut(text, FALLBACK_MAX), "blocks": _one_primary([block.to_dict() for block in blocks])}


def _one_primary(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack's guidance: at most one primary button per message; the first (the best room) keeps it."""
    seen = False
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        for button in [*elements, block.get("accessory") or {}]:
            if button.get("style") == "primary":
                if seen:
                    del button["style"]
                seen = True
    return blocks


# --- text replies ----------------------------------------------------------------------------


def _text_reply(reply: TextReply) -> tuple[list[Block], str]:
    text = _KIND_EMOJI.get(reply.kind, "") + reply.text
    blocks: list[Block] = [_section(chunk) for chunk in _chunks(text.split("\n"), SECTION_MAX)]
    if reply.examples:
        examples = " · ".join(f"`{escape_mrkdwn(example)}`" for example in reply.examples)
        blocks.append(ContextBlock(elements=[_mrkdwn(_cut(examples, CONTEXT_TEXT_MAX))]))
    blocks.extend(_actions([_button(spec) for spec in reply.buttons], block_id="buttons"))
    return blocks[:MAX_BLOCKS], reply.text


# --- bookings --------------------------------------------------------------------------------

MAX_BOOKINGS = 40


def _bookings_reply(reply: BookingsReply) -> tuple[list[Block], str]:
    """Upcoming bookings: one section each, with a Cancel button (`cancel_booking:<id>`, value the id)."""
    zone = ZoneInfo(reply.tz)
    blocks: list[Block] = []
    fallback: list[str] = []
    if reply.intro:
        intro = _KIND_EMOJI.get(reply.intro_kind, "") + reply.intro
        blocks.append(_section(intro, block_id="intro"))
        fallback.append(reply.intro)
    blocks.append(HeaderBlock(block_id="bookings-header", text=PlainTextObject(text=messages.WORDS.bookings_header)))
    if not reply.bookings:
        blocks.append(_section(reply.empty_text or messages.WORDS.bookings_none, block_id="no-bookings"))
    shown = reply.bookings[: MAX_BOOKINGS - len(blocks) - 1]
    for booking in shown:
        start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
        line = f"*{escape_mrkdwn(booking.room_name)}* · {messages.window(start, end)}"
        label = messages.booking_status_label(booking.status)
        if label:
            line += f" · _{label}_"
        action_id = CANCEL_BOOKING.id(booking.booking_id)
        spec = ButtonSpec(messages.WORDS.cancel_button, action_id, cancel_value(booking.booking_id), "danger")
        block_id = f"booking-{booking.booking_id}"
        # A declined booking holds no room: nothing to cancel.
        accessory = _button(spec) if booking.status != "declined" else None
        blocks.append(SectionBlock(block_id=block_id, text=_mrkdwn(_cut(line, SECTION_MAX)), accessory=accessory))
    if len(shown) < len(reply.bookings):
        blocks.append(ContextBlock(elements=[_mrkdwn(messages.slack_home_more(len(reply.bookings) - len(shown)))]))
    fallback.append(messages.WORDS.bookings_header)
    return blocks, "\n".join(fallback)


# --- a time for people ----------------------------------------------------------------------


def _meet_reply(reply: MeetReply) -> tuple[list[Block], str]:
    """Suggested times, each with who is busy, the free rooms and a Book and invite button per room."""
    zone = ZoneInfo(reply.tz)
    blocks: list[Block] = []
    fallback: list[str] = []
    if reply.intro:
        blocks.append(_section(_KIND_EMOJI.get(reply.intro_kind, "") + reply.intro, block_id="intro"))
        fallback.append(reply.intro)
    if reply.intro and not reply.slots:
        return blocks, "\n".join(fallback)
    header = messages.meet_header(reply.headcount, reply.duration_minutes)
    blocks.append(HeaderBlock(block_id="header", text=PlainTextObject(text=_cut(header, HEADER_MAX), emoji=True)))
    fallback.append(header)
    searched = messages.meet_searched(reply.window_start.astimezone(zone), reply.window_end.astimezone(zone))
    blocks.append(ContextBlock(block_id="searched", elements=[_mrkdwn(searched)]))
    if not reply.slots:
        blocks.append(_section(messages.meet_no_slots(reply.duration_minutes), block_id="no-slots"))
    elif reply.calendars and not reply.slots[0].everyone_free:
        blocks.append(_section(messages.WORDS.meet_no_common_time, block_id="no-common-time"))
    button = 0
    for number, slot in enumerate(reply.slots):
        start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        lines = messages.meet_slot_lines(
            start,
            end,
            busy=slot.busy,
            maybe_busy=slot.maybe_busy,
            optional_busy=slot.optional_busy,
            rooms=[room.name for room in slot.rooms] if reply.groups else None,
            calendars=reply.calendars > 0,
        )
        blocks.append(_section("\n".join(lines), block_id=f"slot-{number}"))
        fallback.append(messages.window(start, end))
        buttons: list[ButtonElement] = []
        for room in slot.rooms:
            value = invite_value(room.room_id, slot.start, slot.end, reply.people, reply.optional_people, reply.video)
            if len(value) > BUTTON_VALUE_MAX:  # a very large group: the times still show, without the button
                continue
            spec = ButtonSpec(
                messages.invite_button(room.name), BOOK_INVITE.id(button), value, "primary" if not buttons else None
            )
            buttons.append(_button(spec))
            button += 1
        blocks.extend(_actions(buttons, block_id=f"invite-{number}"))
    if reply.notes:
        blocks.append(
            ContextBlock(block_id="notes", elements=[_mrkdwn(_cut(n, CONTEXT_TEXT_MAX)) for n in reply.notes[:10]])
        )
    return blocks[:MAX_BLOCKS], "\n".join(fallback)


# --- availability ----------------------------------------------------------------------------


def _find_reply(reply: FindReply, *, max_rooms: int, shared: bool = False) -> tuple[list[Block], str]:
    zone = ZoneInfo(reply.tz)
    start, end = reply.start.astimezone(zone), reply.end.astimezone(zone)
    header = messages.find_header(start, end, reply.tz, reply.duration_minutes)
    reason = reply.summary_sentence()
    shown_reason = _shared_reason(reply, reason, zone) if shared else reason
    wanted = messages.wanted(reply.capacity, reply.labels)
    # A header block is plain text, where date tokens do not work: a shared answer's title is a section.
    title: Block = (
        _section(messages.find_header_shared(start, end, reply.duration_minutes), block_id="header")
        if shared
        else HeaderBlock(block_id="header", text=PlainTextObject(text=_cut(header, HEADER_MAX), emoji=True))
    )

    head: list[Block] = [
        *([_section(_KIND_EMOJI.get(reply.intro_kind, "") + reply.intro, block_id="intro")] if reply.intro else []),
        title,
        _section(f"*{shown_reason}*" + (f" · {wanted}" if wanted else ""), block_id="summary"),
        DividerBlock(),
    ]
    summarised = not reply.show_all and len(reply.results) > max_rooms
    # "Show all" lists rooms compactly, without footnotes: those then go under the rooms as notes.
    in_full = () if reply.show_all else reply.results[:max_rooms]
    tail = _tail(reply, reply.notes_for(in_full))
    buttons = [_button(spec) for spec in reply.buttons]
    if summarised:
        value = show_all_value(
            query=reply.query_text, start=reply.start, end=reply.end, tz=reply.tz, duration_minutes=reply.duration_minutes
        )
        spec = ButtonSpec(messages.show_all_button(len(reply.results)), SHOW_ALL.id(), value)
        buttons.insert(0, _button(spec))
    final = list(_actions(buttons[:ACTIONS_ELEMENTS_MAX], block_id="more"))
    budget = MAX_BLOCKS - len(head) - len(tail) - len(final)

    body: list[Block] = []
    if reply.show_all:
        body.extend(_compact_rooms(reply.results, zone, budget=budget - _extras_size(reply)))
    else:
        shown = reply.results[:max_rooms] if summarised else reply.results
        body.extend(_room_section(result, reply, zone, index, shared=shared) for index, result in enumerate(shown))
        if summarised:
            body.append(ContextBlock(elements=[_mrkdwn(messages.showing_best(len(shown), len(reply.results)))]))
    body.extend(_extras(reply, zone, budget=budget - len(body), shared=shared))

    fallback = f"{header}: {reason}"
    best = [(r.room.name, messages.verdict_label(r.assessment.verdict.value, fits=r.assessment.fits)) for r in reply.results]
    if best:
        fallback += ". " + messages.slack_fallback_rooms(best[:max_rooms])
    if reply.intro:
        fallback = f"{reply.intro} {fallback}"
    return head + body + tail + final, fallback


def _room_section(
    result: RoomResult, reply: FindReply, zone: ZoneInfo, index: int, *, prefix: str = "room", shared: bool = False
) -> SectionBlock:
    """One room in full: name and facts, verdict, timeline, footnote; a Book button if it fits.

    Shared, the times are date tokens, and the timeline (an hour chart in the asker's zone) is left out.
    """
    assessment = result.assessment
    facts = " · ".join(escape_mrkdwn(fact) for fact in room_facts(result))
    lines = [f"*{escape_mrkdwn(result.room.name)}*" + (f" · {facts}" if facts else "")]
    detail = _shared_detail(result) if shared else escape_mrkdwn(verdict_detail(result, reply.start, zone))
    lines.append(f"{LOOKS[assessment.verdict].emoji} {detail}")
    first, last = timeline_span(reply)
    row = None if shared else timeline(assessment, first, last, zone)
    if row:
        lines.append(f"`{row}`")
    if result.footnote:
        lines.append(f"_{result.footnote}_")
    accessory = None
    if assessment.fits and assessment.bookable is not None:
        bookable = assessment.bookable
        whole = (bookable.start, bookable.end) == (assessment.start, assessment.end)
        label = messages.book_button(bookable.start.astimezone(zone), bookable.end.astimezone(zone), whole_window=whole)
        spec = ButtonSpec(label, BOOK.id(), book_value(result.room.room_id, bookable.start, bookable.end), "primary")
        accessible = messages.slack_book_accessible(
            result.room.name, bookable.start.astimezone(zone), bookable.end.astimezone(zone)
        )
        accessory = _button(spec, accessible=accessible)
    return SectionBlock(
        block_id=f"{prefix}-{index}",
        text=MarkdownTextObject(text=_cut("\n".join(lines), SECTION_MAX), verbatim=True),
        accessory=accessory,
    )


def _shared_detail(result: RoomResult) -> str:
    """`verdict_detail` with every time as a date token, for a message a channel sees."""
    assessment = result.assessment
    parts = [escape_mrkdwn(messages.verdict_label(assessment.verdict, fits=assessment.fits))]
    if assessment.verdict is Verdict.PARTLY_FREE and assessment.free:
        parts.append(messages.slack_free_windows([(w.start, w.end) for w in assessment.free]))
    elif assessment.verdict in (Verdict.BUSY, Verdict.PENDING) and assessment.next_free is not None:
        parts.append(messages.slack_free_from(assessment.next_free))
    if result.booked_by:
        parts.append(messages.booked_by(result.booked_by))
    return " · ".join(parts)


def _shared_reason(reply: FindReply, reason: str, zone: ZoneInfo) -> str:
    """The one-line reason with its "free from" time as a date token."""
    next_free = reply.summary.next_free
    if next_free is None:
        return reason
    local = messages.clock(next_free.astimezone(zone))
    return reason.replace(f"from {local}", f"from {messages.slack_date(next_free, '{time}', local)}")


def _compact_rooms(results: Sequence[RoomResult], zone: ZoneInfo, *, budget: int) -> list[Block]:
    """Every room on one line each, several rooms per section, Book buttons below: for "show all"."""
    fitting = [result for result in results if result.assessment.fits]
    button_blocks = min(2, -(-len(fitting) // ACTIONS_ELEMENTS_MAX))
    # keep one for "...and N more" and one for the note on rooms listed without a button
    section_budget = max(1, budget - button_blocks - 2)
    lines = []
    for result in results:
        facts = " · ".join(escape_mrkdwn(fact) for fact in room_facts(result)[:1])
        detail = escape_mrkdwn(verdict_detail(result, result.assessment.start, zone))
        lines.append(
            f"{LOOKS[result.assessment.verdict].emoji} *{escape_mrkdwn(result.room.name)}*"
            + (f" ({facts})" if facts else "")
            + f" · {detail}"
        )
    # Slack's mobile apps fold long sections behind "See more": short sections keep every room in view.
    chunks = _chunks(lines, MOBILE_SECTION_MAX)
    blocks: list[Block] = [_section(chunk, block_id=f"all-{n}") for n, chunk in enumerate(chunks[:section_budget])]
    listed = sum(chunk.count("\n") + 1 for chunk in chunks[:section_budget])
    if listed < len(lines):
        blocks.append(ContextBlock(elements=[_mrkdwn(messages.more_rooms(len(lines) - listed))]))
    listed_fitting = [result for result in results[:listed] if result.assessment.fits]
    buttons = []
    for n, result in enumerate(listed_fitting[: button_blocks * ACTIONS_ELEMENTS_MAX]):
        bookable = result.assessment.bookable
        assert bookable is not None  # fits implies bookable
        label = messages.book_alternative_button(
            result.room.name, bookable.start.astimezone(zone), bookable.end.astimezone(zone)
        )
        value = book_value(result.room.room_id, bookable.start, bookable.end)
        buttons.append(_button(ButtonSpec(label, BOOK.id(n), value)))
    for n in range(0, len(buttons), ACTIONS_ELEMENTS_MAX):
        blocks.extend(_actions(buttons[n : n + ACTIONS_ELEMENTS_MAX], block_id=f"book-all-{n // ACTIONS_ELEMENTS_MAX}"))
    if len(listed_fitting) > len(buttons):
        note = messages.slack_listed_without_button(len(listed_fitting) - len(buttons))
        blocks.append(ContextBlock(block_id="without-button", elements=[_mrkdwn(note)]))
    return blocks


def _extras_size(reply: FindReply) -> int:
    """Blocks `_extras` may take: reserved before the room list is laid out."""
    size = 2 if reply.alternatives else 0
    if reply.other_group_results:
        size += 1 + min(len(reply.other_group_results), 3)
    return size


def _extras(reply: FindReply, zone: ZoneInfo, *, budget: int, shared: bool = False) -> list[Block]:
    """When nothing fits: the nearest other times (with Book buttons) and rooms in other groups."""
    blocks: list[Block] = []
    if reply.alternatives and budget - len(blocks) >= 2:
        lines = [f"*{messages.WORDS.alternatives_header}*"]
        buttons = []
        for n, slot in enumerate(reply.alternatives):
            view = reply.room(slot.key)
            name = view.name if view else slot.key
            start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
            when = (
                messages.slack_span(slot.start, slot.end)
                if shared
                else messages.span_on(start, end, reply.start.astimezone(zone))
            )
            lines.append(f"• *{escape_mrkdwn(name)}* {when} ({messages.alternative_when(slot.earlier)})")
            label = messages.book_alternative_button(name, start, end)
            buttons.append(_button(ButtonSpec(label, BOOK.id(n), book_value(slot.key, slot.start, slot.end))))
        blocks.append(_section("\n".join(lines), block_id="alternatives"))
        blocks.extend(_actions(buttons[:ACTIONS_ELEMENTS_MAX], block_id="book-alternatives"))
    room_budget = budget - len(blocks) - 1
    if reply.other_group_results and room_budget >= 1:
        blocks.append(_section(f"*{messages.WORDS.other_groups_header}*", block_id="other-groups"))
        blocks.extend(
            _room_section(result, reply, zone, index, prefix="other", shared=shared)
            for index, result in enumerate(reply.other_group_results[:room_budget])
        )
    return blocks


def _tail(reply: FindReply, notes_shown: Sequence[str]) -> list[Block]:
    """Notes, then the context line: groups searched, age of the data, the timeline's legend."""
    blocks: list[Block] = []
    if notes_shown:
        notes = list(notes_shown)
        if len(notes) > CONTEXT_ELEMENTS_MAX:
            notes = notes[: CONTEXT_ELEMENTS_MAX - 1] + ["\n".join(notes[CONTEXT_ELEMENTS_MAX - 1 :])]
        blocks.append(ContextBlock(block_id="notes", elements=[_mrkdwn(_cut(note, CONTEXT_TEXT_MAX)) for note in notes]))
    context = [messages.searched_groups(reply.groups), messages.data_age(reply.data_age_s), messages.WORDS.timeline_legend]
    elements = [_mrkdwn(_cut(part, CONTEXT_TEXT_MAX)) for part in context if part]
    blocks.append(ContextBlock(block_id="context", elements=elements))
    return blocks


# --- helpers ---------------------------------------------------------------------------------


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _section(text: str, *, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=_mrkdwn(_cut(text, SECTION_MAX)))


def _button(spec: ButtonSpec, *, accessible: str | None = None) -> ButtonElement:
    """A button whose label fits Slack's display width, with the whole label (or `accessible`) for
    screen readers, and a confirmation before anything that cancels a booking."""
    if len(spec.value) > BUTTON_VALUE_MAX:
        raise ValueError(f"button value of {len(spec.value)} characters exceeds Slack's {BUTTON_VALUE_MAX}")
    return ButtonElement(
        text=PlainTextObject(text=_cut(spec.text, messages.LABEL_DISPLAY_MAX), emoji=True),
        action_id=spec.action_id,
        value=spec.value,
        style=spec.style,
        accessibility_label=_cut(accessible or spec.text, BUTTON_TEXT_MAX),
        confirm=_confirm(spec.confirm) if spec.confirm is not None else _cancel_confirm_for(spec.action_id),
    )


def _cancel_confirm_for(action_id: str) -> ConfirmObject | None:
    return cancel_confirm() if CANCEL_BOOKING.matches(action_id) else None


def _confirm(spec: ConfirmSpec) -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text=_cut(spec.title, 100)),
        text=PlainTextObject(text=_cut(spec.text, 300)),
        confirm=PlainTextObject(text=_cut(spec.confirm, 30)),
        deny=PlainTextObject(text=_cut(spec.deny, 30)),
        style="danger",
    )


def cancel_confirm() -> ConfirmObject:
    """The dialog Slack shows before a Cancel click is sent."""
    return _confirm(messages.CANCEL_CONFIRM)


def _actions(buttons: Sequence[ButtonElement], *, block_id: str) -> list[Block]:
    return [ActionsBlock(block_id=block_id, elements=list(buttons))] if buttons else []


def _chunks(lines: Sequence[str], limit: int) -> list[str]:
    """Join lines into texts of at most `limit` characters (a longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = _cut(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not chunks:
        chunks.append(current or " ")
    return chunks


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["MAX_BLOCKS", "cancel_confirm", "render"]
