"""Who may edit or cancel what: the owner, or an admin."""

from __future__ import annotations

import pytest

from bot.domain.policy import may_change


@pytest.mark.parametrize(
    ("owner", "actor", "is_admin", "allowed"),
    [
        ("U1", "U1", False, True),
        ("U1", "U2", False, False),
        ("U1", "U2", True, True),
        (None, "U2", False, False),
        (None, "U2", True, True),
    ],
)
def test_owner_or_admin(owner: str | None, actor: str, is_admin: bool, allowed: bool) -> None:
    assert may_change(owner_user_id=owner, acting_user=actor, is_admin=is_admin) is allowed
