"""The subscription and alert routes' part of the OpenAPI document (``subscriptions.py``), merged
into it by ``openapi.py``: their component schemas and their paths."""
from __future__ import annotations

from typing import Any, Callable

from apispec.ext.marshmallow import MarshmallowPlugin

from ..schemas.subscription import SubscriptionSchema
from .openapi_attachments import _errors, _json, _ref  # the document's shared helpers
from .openapi_parts import BAD_JSON, NOT_JSON, json_body
from .subscription_schemas import AlertPageSchema, AlertSchema, InboxArgsSchema, MarkReadResultSchema, MarkReadSchema, SubscriptionOutSchema

TAG = {"name": "subscriptions", "description": "检索订阅与提醒：保存检索，新记录发布时经邮件、Webhook 或私有 Atom 源提醒；站内提醒 / "
                                              "saved-search subscriptions, their alerts by e-mail, webhook or a private Atom feed, "
                                              "and the inbox"}
COMPONENTS = (
    ("Subscription", SubscriptionOutSchema), ("Alert", AlertSchema), ("AlertPage", AlertPageSchema), ("MarkRead", MarkReadSchema),
    ("MarkReadResult", MarkReadResultSchema),
)
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}


def components(plugin: MarshmallowPlugin) -> dict[str, dict[str, Any]]:
    """The request bodies, from the schema the service loads them with."""
    create = plugin.converter.schema2jsonschema(SubscriptionSchema)
    create["description"] = ("保存一个检索；检索参数与检索页相同 / saves a search, with the search page's parameters. At least one of "
                             "email, webhook_url, feed.")
    change = plugin.converter.schema2jsonschema(SubscriptionSchema(partial=True))
    change["description"] = "只改给出的项 / changes only the keys given"
    change["properties"]["paused"] = {"type": "boolean", "description": "暂停（不再提醒）或恢复 / pause or resume its alerts"}
    for schema in (create, change):
        for prop in schema["properties"].values():
            prop.pop("default", None)  # load defaults: the service's, not a value the client must send
    return {"SubscriptionInput": create, "SubscriptionChange": change}


def paths(query: Callable[[Any], list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    sub_id = {"in": "path", "name": "sub_id", "required": True, "description": "订阅编号 / subscription id", "schema": ID}
    body = json_body
    location = {"Location": {"description": "新订阅的地址 / where it is", "schema": {"type": "string", "format": "uri"}}}
    not_found = "订阅不存在，或不是您的 / no such subscription, or not yours"
    bad_json, not_json = BAD_JSON, NOT_JSON
    invalid = ("数据校验未通过，details 逐字段说明（如未知的筛选条件、内网或回环的 Webhook 地址、订阅数已达上限）/ validation failed; "
               "`details` lists each field (an unknown filter, a webhook address on a private or loopback network, too many "
               "subscriptions)")
    tags = ["subscriptions"]
    return {
        "/subscriptions": {
            "get": {
                "operationId": "list_subscriptions", "tags": tags, "summary": "我的订阅 / my subscriptions", "x-account": True,
                "description": "最新的在前 / newest first.",
                "responses": _errors({"200": _json("订阅 / subscriptions", {"type": "array", "items": _ref("Subscription")})}),
            },
            "post": {
                "operationId": "create_subscription", "tags": tags, "summary": "保存检索为订阅 / subscribe to a search",
                "description": "应答中的 webhook_secret 只给这一次 / the answer's `webhook_secret` is given this once.", "x-account": True,
                "requestBody": body("SubscriptionInput"),
                "responses": _errors({"201": _json("已订阅 / subscribed", _ref("Subscription"), location)},
                                     e400=bad_json, e415=not_json, e422=invalid),
            },
        },
        "/subscriptions/{sub_id}": {
            "parameters": [sub_id],
            "get": {
                "operationId": "get_subscription", "tags": tags, "summary": "一个订阅 / a subscription", "x-account": True,
                "responses": _errors({"200": _json("订阅 / the subscription", _ref("Subscription"))}, e404=not_found),
            },
            "patch": {
                "operationId": "update_subscription", "tags": tags, "summary": "修改订阅 / change a subscription",
                "description": "paused 暂停或恢复提醒；首次设置 Webhook 时应答给出 webhook_secret / `paused` pauses or resumes it; a "
                               "webhook given for the first time: the answer has its `webhook_secret`.", "x-account": True,
                "requestBody": body("SubscriptionChange"),
                "responses": _errors({"200": _json("订阅 / the subscription", _ref("Subscription"))},
                                     e400=bad_json, e404=not_found, e415=not_json, e422=invalid),
            },
            "delete": {
                "operationId": "delete_subscription", "tags": tags, "summary": "删除订阅 / delete a subscription", "x-account": True,
                "description": "连同其提醒 / with its alerts.",
                "responses": _errors({"204": {"description": "已删除 / deleted"}}, e404=not_found),
            },
        },
        "/alerts": {
            "get": {
                "operationId": "list_alerts", "tags": tags, "summary": "提醒（站内收件箱）/ alerts (the inbox)", "x-account": True,
                "description": "最新的在前；每条说明匹配原因（命中的词与筛选条件）/ newest first; each says why it matched (the "
                               "words and the filters).",
                "parameters": query(InboxArgsSchema),
                "responses": _errors({"200": _json("提醒 / alerts", _ref("AlertPage"))},
                                     e422="参数有误 / invalid parameters"),
            },
        },
        "/alerts/read": {
            "post": {
                "operationId": "mark_alerts_read", "tags": tags, "summary": "标为已读或未读 / mark alerts read or unread",
                "description": "{\"ids\": [...], \"read\": true|false}，或 {\"all\": true}（可加 subscription）；不是您的编号被忽略 / "
                               "or `{\"all\": true}` (with `subscription`, one subscription's); ids not yours are ignored.",
                "x-account": True, "requestBody": body("MarkRead"),
                "responses": _errors({"200": _json("结果 / done", _ref("MarkReadResult"))},
                                     e400=bad_json, e415=not_json, e422="数据校验未通过 / validation failed"),
            },
        },
    }
