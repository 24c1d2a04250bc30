"""User lookups on DingTalk's old-style host (oapi): userId, unionId and mobile numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dingtalk.endpoints.host import HostApi
from bot.dingtalk.transport import Call
from bot.errors import MalformedReply

ROOT_DEPARTMENT = 1


class UsersApi(HostApi):
    """The old-style user endpoints; the token goes in the query string and errors come as `errcode`.

    Args:
        host: where the calls go.
    """

    def get_user_union_id(self, user_id: str) -> str:
        """A corp userId (staffId) → the user's unionId. UserNotFound if there is no such user."""
        body = {"userid": user_id, "language": "zh_CN"}
        return self._field("userGet", "/topapi/v2/user/get", body, "unionid", "unionId")

    def find_user_id_by_mobile(self, mobile: str) -> str:
        """A mobile number → the corp userId. UserNotFound if nobody in the organisation has it."""
        return self._field("userGetByMobile", "/topapi/v2/user/getbymobile", {"mobile": mobile}, "userid")

    def get_user_id_by_union_id(self, union_id: str) -> str:
        """A unionId → the corp userId. UserNotFound if the unionId is not in the organisation."""
        return self._field("userGetByUnionId", "/topapi/user/getbyunionid", {"unionid": union_id}, "userid")

    def find_by_email(self, email: str, *, max_departments: int = 500) -> tuple[str, str] | None:
        """(userid, unionId) of the person whose directory e-mail (`email` or `org_email`) is `email`.

        Walks the departments from the root, each one's direct members a page at a time (contact
        look-ups do not count against the monthly quota). Internal apps only: DingTalk hides
        e-mails from third-party apps, so there nothing matches. None when nobody has it.
        """
        wanted = email.strip().casefold()
        if not wanted:
            return None
        pending, seen = [ROOT_DEPARTMENT], 0
        while pending and seen < max_departments:
            dept_id = pending.pop(0)
            seen += 1
            cursor: int | None = 0
            while cursor is not None:
                result = self._result(
                    "userList", "/topapi/v2/user/list", {"dept_id": dept_id, "cursor": cursor, "size": 100}
                )
                people = result.get("list")
                for person in people if isinstance(people, list) else []:
                    if not isinstance(person, Mapping):
                        continue
                    emails = {str(person.get(key) or "").strip().casefold() for key in ("email", "org_email")}
                    userid, unionid = person.get("userid"), person.get("unionid")
                    if wanted in emails and isinstance(userid, str) and isinstance(unionid, str) and userid and unionid:
                        return userid, unionid
                next_cursor = result.get("next_cursor")
                more = result.get("has_more") is True and isinstance(next_cursor, int) and next_cursor > (cursor or 0)
                cursor = next_cursor if more and isinstance(next_cursor, int) else None
            subs = self._result("departmentSubIds", "/topapi/v2/department/listsubid", {"dept_id": dept_id})
            ids = subs.get("dept_id_list")
            pending.extend(int(sub) for sub in (ids if isinstance(ids, list) else []) if isinstance(sub, int))
        return None

    def _field(self, api: str, path: str, body: dict[str, Any], *names: str) -> str:
        """One text field of an old-style reply's `result` (the first of `names` present); MalformedReply if none."""
        result = self._result(api, path, body)
        value = next((result.get(name) for name in names if result.get(name)), None)
        if not isinstance(value, str) or not value:
            raise MalformedReply(f"{path.rsplit('/', 1)[-1]} reply has no {names[0]}")
        return value

    def _result(self, api: str, path: str, body: dict[str, Any]) -> Mapping[str, Any]:
        call = Call(api, "POST", self._url + path, json_body=body, auth="query", oapi=True, idempotent=True)
        reply = self._transport.send(call)
        result = reply.get("result") if isinstance(reply, Mapping) else None
        if not isinstance(result, Mapping):
            raise MalformedReply(f"{path} reply has no result")
        return result


__all__ = ["UsersApi"]
