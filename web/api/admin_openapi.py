"""The administration API's part of the OpenAPI document (``openapi.py`` joins it in): its
component schemas and its paths, built with the document's own helpers."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .admin_schemas import (
    AdminUserSchema, AuditArgsSchema, AuditListSchema, MergeBodySchema, MergeResultSchema, UserChangeSchema, UserCreatedSchema, UserCreateSchema,
    UserListArgsSchema, UserListSchema,
)

COMPONENTS = (
    ("AdminUser", AdminUserSchema), ("AdminUserList", UserListSchema), ("AdminUserCreated", UserCreatedSchema), ("AdminUserCreate", UserCreateSchema),
    ("AdminUserChange", UserChangeSchema), ("MergeRequest", MergeBodySchema), ("MergeResult", MergeResultSchema),
    ("AuditEventList", AuditListSchema),
)
TAG = {"name": "admin", "description": "平台管理：账号、单位合并、审计日志（仅管理员）/ administration: accounts, merging "
                                      "institutions, the audit log (administrators only)"}
MERGE_REFUSED = "不能合并（details 逐条说明原因：重复的仪器资产编号、重复的成果、审核中的修改稿）/ the merge cannot be done; " \
                "`details` says why (an instrument asset number or an achievement both would hold, an edit under review)"


def admin_paths(query: Callable[[Any], list[dict[str, Any]]], responses: Callable[..., dict[str, Any]],
                json: Callable[..., dict[str, Any]], ref: Callable[[str], dict[str, str]]) -> dict[str, dict[str, Any]]:
    user_id = {"in": "path", "name": "user_id", "required": True, "description": "账号编号 / account id",
               "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
    org_id = {"in": "path", "name": "public_id", "required": True, "description": "被并入的单位 / the institution merged away, org-N",
              "schema": {"type": "string", "pattern": r"^org-[1-9][0-9]{0,17}$", "example": "org-2"}}
    body = lambda name: {"required": True, "content": {"application/json": {"schema": ref(name)}}}  # noqa: E731
    refused = {"409": {"description": MERGE_REFUSED, "content": {"application/json": {"schema": ref("Error")}}}}
    return {
        "/admin/users": {
            "get": {
                "operationId": "admin_list_users", "tags": ["admin"], "summary": "账号列表 / list accounts",
                "parameters": query(UserListArgsSchema),
                "responses": responses({"200": json("账号 / accounts, newest first", ref("AdminUserList"))}, 403, 422),
            },
            "post": {
                "operationId": "admin_create_user", "tags": ["admin"], "summary": "创建账号 / create an account",
                "description": "新账号没有密码：平台向其邮箱发送设置密码的链接（mail 说明是否已发出）。/ The account has no "
                               "password: a set-password link is mailed to it (`mail` says whether it went).",
                "requestBody": body("AdminUserCreate"),
                "responses": responses({"201": json("新账号 / the new account", ref("AdminUserCreated"))}, 400, 403, 415, 422),
            },
        },
        "/admin/users/{user_id}": {
            "parameters": [user_id],
            "patch": {
                "operationId": "admin_change_user", "tags": ["admin"], "summary": "修改账号 / change an account",
                "description": "只改给出的字段。更改角色或停用后，该账号的所有登录立即退出；不能停用或降级自己，也不能停用或降级最后"
                               "一个管理员（422）。/ Only the fields given change. A new role or a disabled account ends its "
                               "sessions; nobody disables or demotes themselves or the last administrator (422).",
                "requestBody": body("AdminUserChange"),
                "responses": responses({"200": json("账号 / the account", ref("AdminUser"))}, 400, 403, 404, 415, 422),
            },
        },
        "/admin/institutions/{public_id}/merge": {
            "parameters": [org_id],
            "post": {
                "operationId": "admin_merge_institution", "tags": ["admin"], "summary": "合并单位 / merge an institution into another",
                "description": "该单位的成果、专利、仪器、发布者账号和稿件转到 target，名称成为其别名，以后以该名称导入的记录归入 "
                               "target；该单位随后删除。dry_run 只预览。/ Its achievements, patents, instruments, publishers and "
                               "drafts move to `target`, its name becomes an alias there (later imports under it land there too), "
                               "and it is deleted. `dry_run` only previews.",
                "requestBody": body("MergeRequest"),
                "responses": responses({"200": json("转移的内容 / what moved (or would)", ref("MergeResult")), **refused},
                                       400, 403, 404, 415, 422),
            },
        },
        "/admin/audit": {
            "get": {
                "operationId": "admin_audit", "tags": ["admin"], "summary": "审计日志 / the audit log",
                "description": "最新的在前 / newest first. CSV: /admin/audit.csv (网站页面 / the site's page) with the same filters.",
                "parameters": query(AuditArgsSchema),
                "responses": responses({"200": json("审计事件 / events", ref("AuditEventList"))}, 403, 422),
            },
        },
    }
