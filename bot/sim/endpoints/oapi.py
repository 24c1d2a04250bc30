"""Old-style (oapi.dingtalk.com) user lookups: errors are errcode/errmsg with HTTP 200."""

from __future__ import annotations

import re
from typing import Any

from bot.sim.http import Reply, Request
from bot.sim.replies import Endpoints, Problem, json_body, oapi_reply, serves
from bot.sim.state import SimState

MOBILE_PATTERN = re.compile(r"^(?:\+?86-?)?1\d{10}$")
ROOT_DEPARTMENT = 1


def _int_of(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class OapiEndpoints(Endpoints):
    """`userGet`, `userGetByMobile` and `userGetByUnionId`; a Problem's code is the errcode."""

    def __init__(self, *, state: SimState) -> None:
        self._state = state

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            return json_body(request, required=False)
        except Problem:
            raise Problem(200, "40035", "不合法的参数") from None

    @serves("userGet")
    def user_get(self, params: dict[str, str], request: Request) -> Reply:
        userid = self._body(request).get("userid")
        if not isinstance(userid, str) or not userid.strip():
            raise Problem(200, "33012", "无效的USERID")
        user = next((u for u in self._state.users if u.userid == userid), None)
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result=user.wire())

    @serves("userGetByMobile")
    def user_get_by_mobile(self, params: dict[str, str], request: Request) -> Reply:
        mobile = str(self._body(request).get("mobile") or "").strip()
        if not MOBILE_PATTERN.match(mobile):
            raise Problem(200, "40104", "企业中无效的手机号")
        digits = mobile[-11:]
        user = next((u for u in self._state.users if u.mobile == digits), None)
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result={"userid": user.userid})

    @serves("userList")
    def user_list(self, params: dict[str, str], request: Request) -> Reply:
        """The direct members of one department, a page at a time (`cursor`, `size` at most 100).

        The demo organisation has one department, the root (1), holding everyone.
        """
        body = self._body(request)
        dept_id, start, size = _int_of(body.get("dept_id")), _int_of(body.get("cursor", 0)), _int_of(body.get("size"))
        if dept_id is None or start is None or size is None or not 1 <= size <= 100 or start < 0:
            raise Problem(200, "40035", "不合法的参数")
        if dept_id != ROOT_DEPARTMENT:
            raise Problem(200, "60003", "部门不存在")
        users = self._state.users
        page = [
            {**user.wire(), "org_email": user.email, "dept_id_list": [ROOT_DEPARTMENT]}
            for user in users[start : start + size]
        ]
        more = start + size < len(users)
        result: dict[str, Any] = {"has_more": more, "list": page}
        if more:
            result["next_cursor"] = start + size
        return oapi_reply(0, "ok", result=result)

    @serves("departmentSubIds")
    def department_sub_ids(self, params: dict[str, str], request: Request) -> Reply:
        dept_id = _int_of(self._body(request).get("dept_id"))
        if dept_id is None:
            raise Problem(200, "40035", "不合法的参数")
        if dept_id != ROOT_DEPARTMENT:
            raise Problem(200, "60003", "部门不存在")
        return oapi_reply(0, "ok", result={"dept_id_list": []})

    @serves("userGetByUnionId")
    def user_get_by_union_id(self, params: dict[str, str], request: Request) -> Reply:
        unionid = self._body(request).get("unionid")
        user = self._state.user_by_union(unionid) if isinstance(unionid, str) else None
        if user is None:
            raise Problem(200, "60121", "找不到该用户")
        return oapi_reply(0, "ok", result={"contact_type": 0, "userid": user.userid})
