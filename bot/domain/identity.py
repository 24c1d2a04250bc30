"""Proving that a DingTalk account belongs to the Slack user who links it: pure rules.

A `link` sends a one-time code to the account; the person types it back. Codes are kept only as
salted hashes. A user gets `max_attempts` wrong codes per code, and `max_attempts` codes sent
per cool-down window; past either limit they wait `cooldown_s` before trying again. That keeps
a guesser to a handful of tries per code and a colleague's DingTalk free of a flood of codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

CODE_DIGITS = 6


@dataclass(frozen=True)
class LinkLimits:
    ttl_s: int = 600
    max_attempts: int = 5
    cooldown_s: int = 900


def new_code() -> str:
    """A random code of `CODE_DIGITS` digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def looks_like_code(text: str) -> bool:
    """A code is exactly `CODE_DIGITS` digits; mobile numbers are longer, unionIds are not all digits."""
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit()


def hash_code(*, salt: str, team_id: str, user_id: str, union_id: str, code: str) -> str:
    """The stored form of a code: bound to who asked and which account, so a hash is useless elsewhere."""
    material = "\x1f".join((team_id, user_id, union_id, code)).encode()
    return hashlib.pbkdf2_hmac("sha256", material, bytes.fromhex(salt), 10_000).hex()


def code_matches(*, stored_hash: str, salt: str, team_id: str, user_id: str, union_id: str, code: str) -> bool:
    candidate = hash_code(salt=salt, team_id=team_id, user_id=user_id, union_id=union_id, code=code)
    return hmac.compare_digest(candidate, stored_hash)


__all__ = ["CODE_DIGITS", "LinkLimits", "code_matches", "hash_code", "looks_like_code", "new_code", "new_salt"]
