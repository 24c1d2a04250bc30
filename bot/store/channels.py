"""`ChannelsRepository`: per-channel settings (today, the channel's default room group)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotAllowed, NotAllowedReason
from bot.store import models as m
from bot.store.base import Repository, upsert_rows
from bot.store.group_rows import group_row, visible_in_channel


class ChannelsRepository(Repository):
    """Settings of Slack channels, by (team, channel id)."""

    def set_default_group(self, team_id: str, channel_id: str, group_id: int | None) -> None:
        """Set (or clear) a channel's default group; it must be visible in that channel.

        Raises:
            UnknownGroup: no such group in this team.
            NotAllowed: a personal group not shared with the channel.
        """

        def work(session: Session) -> None:
            if group_id is not None:
                group = group_row(session, team_id, group_id)
                if not visible_in_channel(session, group, channel_id):
                    raise NotAllowed(NotAllowedReason.GROUP_NOT_SHARED_WITH_CHANNEL)
            now = self._clock()
            upsert_rows(
                session,
                m.ChannelSetting,
                [{"team_id": team_id, "channel_id": channel_id, "default_group_id": group_id, "updated_at": now}],
                keys=["team_id", "channel_id"],
                update=["default_group_id", "updated_at"],
            )

        self._run(work)

    def default_group_id(self, team_id: str, channel_id: str) -> int | None:
        return self._read(
            lambda session: session.scalar(
                select(m.ChannelSetting.default_group_id).where(
                    m.ChannelSetting.team_id == team_id, m.ChannelSetting.channel_id == channel_id
                )
            )
        )


__all__ = ["ChannelsRepository"]
