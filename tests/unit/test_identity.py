"""The pure rules of proving an account: code format and the stored hash."""

from __future__ import annotations

import hashlib

from bot.domain.identity import CODE_DIGITS, code_matches, hash_code, looks_like_code, new_code, new_salt


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == CODE_DIGITS and code.isdigit() for code in codes)
    assert len(codes) > 190  # 200 draws from a million rarely collide


def test_a_code_is_told_apart_from_mobiles_and_union_ids() -> None:
    assert looks_like_code("042137")
    assert not looks_like_code("13800138000")  # a mobile number
    assert not looks_like_code("0421")
    assert not looks_like_code("abc123")
    assert not looks_like_code("０４２１３７")  # full-width digits are not what DingTalk sent


def test_the_hash_is_salted_and_bound_to_who_asked_and_which_account() -> None:
    salt = new_salt()
    stored = hash_code(salt=salt, team_id="T1", user_id="U1", union_id="union-1", code="123456")
    assert "123456" not in stored
    assert stored != hashlib.sha256(b"123456").hexdigest()
    same = {"stored_hash": stored, "salt": salt, "team_id": "T1", "user_id": "U1", "union_id": "union-1"}
    assert code_matches(**same, code="123456")
    assert not code_matches(**same, code="123457")
    assert not code_matches(**{**same, "user_id": "U2"}, code="123456")
    assert not code_matches(**{**same, "union_id": "union-2"}, code="123456")
    assert hash_code(salt=new_salt(), team_id="T1", user_id="U1", union_id="union-1", code="123456") != stored
