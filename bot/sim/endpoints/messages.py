"""Work notifications (工作通知): `topapi/message/corpconversation/asyncsend_v2`.

The app messages people in their work-notification conversation. The simulator "delivers" a
message by recording it (recipient userid and unionId, the text, the time), and lists what it
delivered at `GET /_sim/notifications`, so a test reads a one-time code the way a person would.
"""

from __future__ import annotations

import json
from typing import Any

from bot.sim.http import Reply, Request
from bot.sim.replies import Endpoints, Problem, json_body, oapi_reply, serves
from bot.sim.state import SimState

MAX_RECIPIENTS = 100
MAX_MSG_BYTES = 2048


class WorkNotifications(Endpoints):
    """`workNotify`; a Problem's code is the errcode (an HTTP 200 answer, as with every oapi call)."""

    def __init__(self, *, state: SimState) -> None:
        self._state = state

    @serves("workNotify")
    def send(self, params: dict[str, str], request: Request) -> Reply:
        try:
            body = json_body(request, required=True)
        except Problem:
            raise Problem(200, "40035", "不合法的参数") from None
        state = self._state
        agent_id = body.get("agent_id")
        if isinstance(agent_id, bool) or not isinstance(agent_id, (int, str)) or str(agent_id) != str(state.agent_id):
            raise Problem(200, "40056", "不合法的agentid")
        raw_ids = body.get("userid_list")
        if not isinstance(raw_ids, str) or not raw_ids.strip():
            raise Problem(200, "40035", "缺少参数 userid_list")
        userids = [part.strip() for part in raw_ids.split(",") if part.strip()]
        if len(userids) > MAX_RECIPIENTS:
            raise Problem(200, "40035", "userid_list 超过限制")
        text = _text_of(body.get("msg"))
        recipients = [user for user in state.users if user.userid in userids]
        if not recipients:
            raise Problem(200, "60121", "找不到该用户")
        state.task_counter += 1
        task_id = 700_000_000 + state.task_counter
        sent_at = state.now().isoformat()
        for user in recipients:
            state.notifications.append(
                {"task_id": task_id, "userid": user.userid, "unionid": user.unionid, "text": text, "sent_at": sent_at}
            )
        return oapi_reply(0, "ok", task_id=task_id)


def _text_of(msg: Any) -> str:
    """The text of a `msg` object; only the text type is used by roombot, so only it is accepted."""
    if isinstance(msg, str):
        try:
            msg = json.loads(msg)
        except ValueError:
            raise Problem(200, "40035", "msg 不合法") from None
    if not isinstance(msg, dict) or msg.get("msgtype") != "text":
        raise Problem(200, "40035", "msg 不合法")
    content = (msg.get("text") or {}).get("content") if isinstance(msg.get("text"), dict) else None
    if not isinstance(content, str) or not content:
        raise Problem(200, "40035", "msg.text.content 不能为空")
    if len(json.dumps(msg, ensure_ascii=False).encode()) > MAX_MSG_BYTES:
        raise Problem(200, "40035", "msg 超过长度限制")
    return content


__all__ = ["WorkNotifications"]
