"""Escaping of text that users wrote, before it is echoed inside Slack mrkdwn.

Slack treats `&`, `<` and `>` as control characters: `<!channel>` pings a whole channel and
`<https://x|label>` hides a link. Echoed names are escaped with these three entities (Slack's own
rule) and wrapped in a zero-width-space guard so `*bold*` or `_x_` in a name cannot format the
sentence around it.
"""

from __future__ import annotations

_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_FORMAT_CHARS = frozenset("*_~`")
_ZWSP = "\u200b"


def escape_mrkdwn(text: str) -> str:
    """Escape user text for Slack mrkdwn: no mentions, links or formatting can come through."""
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    if any(ch in _FORMAT_CHARS for ch in text):
        # A zero-width space after each formatting character stops Slack pairing them up.
        text = "".join(ch + _ZWSP if ch in _FORMAT_CHARS else ch for ch in text)
    return text


def unescape_mrkdwn(text: str) -> str:
    """Undo `escape_mrkdwn` for the terminal, which shows text as it is."""
    text = text.replace(_ZWSP, "")
    for raw, entity in reversed(_ENTITIES):
        text = text.replace(entity, raw)
    return text
