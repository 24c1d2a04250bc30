"""Work notifications (工作通知): a text message from the app into a person's DingTalk.

`POST /topapi/message/corpconversation/asyncsend_v2?access_token=…` on the old-style host. The
recipients are corp userids (not unionIds), at most 100; the message at most 2048 bytes. Errors come
as a non-zero `errcode` inside HTTP 200, which the transport turns into `DingTalkError`s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.dingtalk.endpoints.host import HostApi
from bot.dingtalk.transport import Call
from bot.errors import MalformedReply

MAX_MESSAGE_BYTES = 2048


class MessagesApi(HostApi):
    """Sends work notifications as the app named by its AgentId.

    Args:
        host: where the calls go.
    """

    def send_text(self, *, agent_id: int, user_id: str, text: str) -> int:
        """Send `text` to one corp userid; returns DingTalk's task id.

        Never retried blindly: a retry after a lost answer could deliver the message twice, and a
        person who gets no code simply asks for another.
        """
        msg = {"msgtype": "text", "text": {"content": text}}
        if len(json.dumps(msg, ensure_ascii=False).encode()) > MAX_MESSAGE_BYTES:
            raise ValueError("a work notification holds at most 2048 bytes")
        body = {"agent_id": agent_id, "userid_list": user_id, "msg": msg}
        path = "/topapi/message/corpconversation/asyncsend_v2"
        call = Call("workNotify", "POST", self._url + path, json_body=body, auth="query", oapi=True, idempotent=False)
        reply = self._transport.send(call)
        task_id = reply.get("task_id") if isinstance(reply, Mapping) else None
        if isinstance(task_id, bool) or not isinstance(task_id, int):
            raise MalformedReply(f"{path} reply has no task_id")
        return task_id


__all__ = ["MessagesApi"]
