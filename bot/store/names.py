"""Name keys for rooms and groups: how two spellings of one name are found equal.

Pure functions, no I/O. A key is case-folded, accent-free and width-folded (full-width
`Ｅｖｅｒｅｓｔ` and half-width `Everest` give the same key), and separators (spaces, hyphens,
underscores, dots, middle dots) collapse into one space, so `3F-Everest`, `3f everest` and
`３Ｆ＿ＥＶＥＲＥＳＴ` are one name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

_SEPARATORS = re.compile(r"[\s\-_.·・/]+")


def name_key(text: str) -> str:
    """The comparison key of a room or group name."""
    # NFKC folds full-width and compatibility forms (Ｅ -> E, ３ -> 3, ｶ -> カ) first.
    folded = unicodedata.normalize("NFKC", text).casefold()
    # NFKD then dropping combining marks removes accents (é -> e) without touching CJK text.
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    recomposed = unicodedata.normalize("NFC", stripped)
    return _SEPARATORS.sub(" ", recomposed).strip()


def clean_name(text: str) -> str:
    """A name as it is stored and shown: trimmed, inner whitespace collapsed, NFC."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def closest(query: str, names: Iterable[str], *, limit: int = 5, cutoff: float = 0.5) -> list[str]:
    """The names closest to `query` (by key), best first, each name at most once."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(name_key(name), name)
    key = name_key(query)
    found = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=cutoff)
    # Names that contain the query (or that it contains) are good suggestions even when short.
    for candidate in by_key:
        if len(found) >= limit:
            break
        if key and candidate not in found and (key in candidate or (len(candidate) >= 2 and candidate in key)):
            found.append(candidate)
    return [by_key[k] for k in found]


def rank_prefix(query: str, names: Sequence[tuple[str, str]]) -> list[str]:
    """Ids of `(id, name)` pairs matching `query`, best first: prefix of the name, prefix of a word, substring."""
    key = name_key(query)
    ranked: list[tuple[int, str, str]] = []
    for ident, name in names:
        candidate = name_key(name)
        if not key:
            ranked.append((3, candidate, ident))
        elif candidate.startswith(key) or ident.casefold().startswith(key):
            ranked.append((0, candidate, ident))
        elif any(word.startswith(key) for word in candidate.split(" ")):
            ranked.append((1, candidate, ident))
        elif key in candidate:
            ranked.append((2, candidate, ident))
    ranked.sort()
    return [ident for _, _, ident in ranked]


__all__ = ["clean_name", "closest", "name_key", "rank_prefix"]
