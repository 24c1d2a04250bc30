"""Who may edit or cancel what: one rule, kept in one place.

A group may be renamed, reordered, shared or deleted, and a booking cancelled, by the person who
owns it (the group's owner, the booking's booker) or by a workspace admin. Workspace groups belong
to the workspace: only admins change them, whoever made or imported them. Everyone else is refused
with `NotAllowed`; the caller picks the reason that words the refusal.
"""

from __future__ import annotations


def may_change(*, owner_user_id: str | None, acting_user: str, is_admin: bool, workspace_owned: bool = False) -> bool:
    """Whether `acting_user` may edit or cancel something owned by `owner_user_id`.

    An admin may change anything; anyone else only what they own. Something the workspace owns
    (`workspace_owned`: a workspace group, even one a user imported) or without an owner is
    changed by admins only.
    """
    if is_admin:
        return True
    if workspace_owned:
        return False
    return owner_user_id is not None and owner_user_id == acting_user


__all__ = ["may_change"]
