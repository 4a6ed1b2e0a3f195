"""The instrument booking routes' part of the OpenAPI document (``bookings.py``), merged into it
by ``openapi.py``: their component schemas and their paths."""
from __future__ import annotations

from typing import Any, Callable

from apispec.ext.marshmallow import MarshmallowPlugin

from ..models.common import PUBLIC_ID_NUMBER
from .booking_schemas import (
    BookingCreateSchema, BookingListArgsSchema, BookingPageSchema, BookingSchema, CalendarArgsSchema, CalendarSchema, CompleteSchema,
    NoteSchema, ProposeSchema,
)
from .openapi_attachments import _errors, _json, _ref  # the document's shared helpers
from .openapi_parts import BAD_JSON, NOT_JSON, json_body

TAG = {"name": "bookings", "description": "仪器共享预约：申请机时，持有单位批准、建议其他时段或拒绝，完成后登记机时和费用（计入仪器的年度开放共享数据）；"
                                         "时间为 RFC 3339，应答为北京时间（+08:00）/ instrument bookings: ask for hours; the holder approves, "
                                         "proposes other hours or declines, and records the hours used and the fee when done (they count in "
                                         "the instrument's yearly openness figures). Times are RFC 3339, answered in China Standard Time (+08:00)"}
COMPONENTS = (("Booking", BookingSchema), ("BookingPage", BookingPageSchema), ("InstrumentCalendar", CalendarSchema))
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
INPUTS = {"BookingInput": BookingCreateSchema, "BookingNote": NoteSchema, "BookingProposal": ProposeSchema,
          "BookingCompletion": CompleteSchema}


def components(plugin: MarshmallowPlugin) -> dict[str, dict[str, Any]]:
    """The request bodies, from the schemas the routes load them with (their defaults are the
    server's, not values a client must send)."""
    out = {}
    for name, schema in INPUTS.items():
        body = plugin.converter.schema2jsonschema(schema)
        for prop in body["properties"].values():
            prop.pop("default", None)
        out[name] = body
    out["BookingInput"]["required"] = ["start_at", "end_at", "sample"]
    return out


def paths(query: Callable[[Any], list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    instrument_id = {"in": "path", "name": "public_id", "required": True, "description": "仪器的公开编号 / the instrument's public id",
                     "schema": {"type": "string", "pattern": f"^ins-{PUBLIC_ID_NUMBER}$", "example": "ins-1"}}
    booking_id = {"in": "path", "name": "booking_id", "required": True, "description": "预约编号 / booking id", "schema": ID}
    body = json_body
    one = _json("预约 / the booking", _ref("Booking"))
    tags = ["bookings"]
    no_instrument = "仪器不存在或未发布 / no such published instrument"
    not_found = "预约不存在，或您不是其当事方 / no such booking, or you are not a party to it"
    bad_json, not_json = BAD_JSON, NOT_JSON
    invalid = ("数据校验未通过，details 逐字段说明（如结束早于开始、过去的时间、未说明样品、仪器不提供的服务方式）/ validation failed; "
               "`details` names the field (an end before the start, hours in the past, no sample described, a service mode the "
               "instrument does not offer)")
    clash = ("该时段已被预约（double_booking，message 给出占用的时段）；或预约的状态不允许此操作（invalid_state、not_started）；或仪器"
             "不接受预约（not_shared、not_running）/ the hours are taken (`double_booking`, the message names them); or the booking's "
             "state does not allow the step (`invalid_state`, `not_started`); or the instrument takes no bookings (`not_shared`, `not_running`)")
    holder_only = "只有仪器的持有单位（其单位发布者）或管理员可以 / only the instrument's holder (its publishers) or an administrator"
    location = {"Location": {"description": "新预约的地址 / where it is", "schema": {"type": "string", "format": "uri"}}}

    def step(operation: str, summary: str, description: str, request: dict[str, Any] | None, forbidden: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "operationId": operation, "tags": tags, "summary": summary, "description": description, "x-account": True,
            "responses": _errors({"200": one}, e400=bad_json, e403=forbidden, e404=not_found, e409=clash, e415=not_json, e422=invalid),
        }
        if request is not None:
            item["requestBody"] = request
        return {"parameters": [booking_id], "post": item}

    return {
        "/bookings": {
            "get": {
                "operationId": "list_bookings", "tags": tags, "summary": "我的预约 / my bookings", "x-account": True,
                "description": "最新的在前 / newest first.", "parameters": query(BookingListArgsSchema),
                "responses": _errors({"200": _json("预约 / bookings", _ref("BookingPage"))}, e422="参数有误 / invalid parameters"),
            },
        },
        "/instruments/{public_id}/bookings": {
            "parameters": [instrument_id],
            "post": {
                "operationId": "create_booking", "tags": tags, "summary": "申请机时 / ask for hours on an instrument", "x-account": True,
                "description": "对外共享、运行正常的已发布仪器；已被占用的时段不能申请 / a published instrument that is shared and in "
                               "working order; hours already taken cannot be asked for.",
                "requestBody": body("BookingInput"),
                "responses": _errors({"201": _json("已申请 / requested", _ref("Booking"), location)},
                                     e400=bad_json, e404=no_instrument, e409=clash, e415=not_json, e422=invalid),
            },
        },
        "/instruments/{public_id}/calendar": {
            "parameters": [instrument_id],
            "get": {
                "operationId": "instrument_calendar", "tags": tags, "summary": "仪器的占用时段 / when an instrument is taken",
                "description": "任何人可查；只给出时段，不含预约人和内容 / for anyone: the hours only, never who or what.",
                "parameters": query(CalendarArgsSchema),
                "responses": _errors({"200": _json("占用时段 / the busy hours", _ref("InstrumentCalendar"))},
                                     e404=no_instrument, e422="参数有误（如 to 早于 from，超过 92 天）/ invalid parameters (`to` before "
                                                              "`from`, more than 92 days)"),
            },
        },
        "/bookings/{booking_id}": {
            "parameters": [booking_id],
            "get": {
                "operationId": "get_booking", "tags": tags, "summary": "一个预约 / a booking", "x-account": True,
                "description": "申请人和仪器的持有单位可见 / for the requester and the instrument's holder.",
                "responses": _errors({"200": one}, e404=not_found),
            },
        },
        "/bookings/{booking_id}/approve": step(
            "approve_booking", "批准 / approve", "待确认的预约；与已批准的时段冲突时 409 / a request; 409 when the hours clash with "
            "approved ones.", body("BookingNote", False), holder_only),
        "/bookings/{booking_id}/propose": step(
            "propose_booking", "建议其他时段 / propose other hours", "申请人接受后生效 / they hold once the requester accepts.",
            body("BookingProposal"), holder_only),
        "/bookings/{booking_id}/reject": step(
            "reject_booking", "拒绝 / decline", "可附说明 / with a note, if you like.", body("BookingNote", False), holder_only),
        "/bookings/{booking_id}/accept": step(
            "accept_booking", "接受建议的时段 / accept the proposed hours", "申请人；与已批准的时段冲突时 409 / the requester; 409 when "
            "the hours clash with approved ones.", None, "只有申请人可以 / only the requester may"),
        "/bookings/{booking_id}/cancel": step(
            "cancel_booking", "取消 / cancel", "任一方，在完成之前 / either side, before it is completed.", None,
            "无权执行 / you may not do this"),
        "/bookings/{booking_id}/complete": step(
            "complete_booking", "登记完成 / record it as done", "开始之后；机时和费用计入仪器本年度的对外服务机时和服务收入 / once it has "
            "started; the hours and the fee count in the instrument's yearly external service hours and income.",
            body("BookingCompletion"), holder_only),
    }
