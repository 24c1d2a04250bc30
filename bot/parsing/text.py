"""Text clean-up before parsing: Slack markup, Unicode forms, dashes, Chinese numerals."""

from __future__ import annotations

import html
import re
import unicodedata

_SLACK_MARKUP = re.compile(r"<([^<>]*)>")
_SPACES = re.compile(r"\s+")
# Invisible characters a user (or a paste) can slip in: control characters, bidi overrides and
# marks (U+200E/F, U+202A-E, U+2066-9), zero-width spaces and the BOM. They would split words
# the grammar must see whole ("\u202egroups") and could make an echoed name display reversed.
# Zero-width (non-)joiners stay: emoji sequences and some scripts need them.
_KEEP_FORMAT = frozenset("\u200c\u200d")
_DASHES = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "~": "-",
        "\u301c": "-",
        "\uff5e": "-",
        "\u201c": '"',
        "\u201d": '"',
        "\u300c": '"',
        "\u300d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u3001": ",",
        "\u3002": " ",
        "\uff0c": ",",
    }
)
_CJK = re.compile(r"[\u3400-\u9fff]")

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# A run of Chinese numerals, unless it names a weekday (周一, 星期三, 礼拜五).
_CN_NUMBER = re.compile(r"(?<![周週期拜])[零〇一二两兩三四五六七八九十百]+")


def strip_slack_markup(text: str) -> str:
    """Drop mentions, channel links and URLs; keep the visible label of tel:/mailto: links."""

    def replace(match: re.Match[str]) -> str:
        inner = match[1]
        target, _, label = inner.partition("|")
        if target.startswith(("tel:", "mailto:")):
            return label or target.split(":", 1)[1]
        # <@U123>, <#C1|name>, <!here>, <!date^...|fallback>, <https://...|label>: not part of the request.
        return " "

    return _SLACK_MARKUP.sub(replace, text)


def clean(text: str, *, max_chars: int = 2000) -> str:
    """The message as the parser reads it (and as `Request.text` shows it)."""
    text = text[: max_chars * 2]
    text = strip_slack_markup(text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = strip_invisible(text)
    return _SPACES.sub(" ", text).strip()[:max_chars]


def strip_invisible(text: str) -> str:
    """Control characters become spaces; format characters (bidi marks, zero-width spaces) go."""
    if text.isprintable():  # the common case: nothing to do
        return text
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            out.append(" ")
        elif category != "Cf" or char in _KEEP_FORMAT:
            out.append(char)
    return "".join(out)


def has_chinese(text: str) -> bool:
    """Cheap script check: no language detection on the hot path."""
    return _CJK.search(text) is not None


def chinese_number(run: str) -> int | None:
    """二十三 → 23, 十二 → 12, 两 → 2, 二〇二五 → 2025, 一百二十 → 120."""
    if "十" not in run and "百" not in run:
        value = 0
        for char in run:
            value = value * 10 + _CN_DIGITS[char]
        return value
    total = 0
    current = 0
    for char in run:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[char]
    return total + current


def convert_chinese_numerals(text: str) -> str:
    """Rewrite Chinese numerals as digits so one grammar reads both (下午三点 → 下午3点)."""
    if not has_chinese(text):
        return text

    def replace(match: re.Match[str]) -> str:
        value = chinese_number(match[0])
        return match[0] if value is None else str(value)

    return _CN_NUMBER.sub(replace, text)


def lower_same_length(text: str) -> str:
    """Lower-case without changing the length, so spans map back to the original text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
