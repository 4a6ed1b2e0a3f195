"""Schemas of the instrument booking routes (``bookings.py``): the arguments and bodies they load,
the shapes they answer (in the OpenAPI document, checked by schemathesis), and the functions
that make those answers.

Times: RFC 3339. A time sent without an offset is China Standard Time (UTC+08:00), as the
pages' forms are; every booking time is answered with the +08:00 offset. The rules (hours in
the future and in order, a sample described, a service mode the instrument offers, hours not
already held) are the booking service's: these schemas only type the input, so the API refuses
what the pages refuse, with the same words."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..booking_actions import ACTIONS, allowed_actions, is_holder, is_requester
from ..booking_times import CST, ZONE_LABEL, hours_between, iso, to_utc
from ..models import BOOKING_STATES, Instrument, InstrumentBooking
from ..services.bookings import SERVICE_MODES
from ..services.identity import Identity
from ..urls import external_url
from .args import FormArgs

MAX_TEXT = 4000
MAX_PAGE_SIZE = 100
MAX_WINDOW_DAYS = 92  # the calendar answers at most a quarter at a time
DEFAULT_WINDOW_DAYS = 7
SIDES = ("mine", "holder")
TIME_NOTE = "RFC 3339；不带时区偏移时按北京时间（UTC+08:00）/ RFC 3339; without an offset, China Standard Time (UTC+08:00)"


class LocalDateTime(fields.AwareDateTime):
    """An RFC 3339 time; without an offset, China Standard Time. Loaded as UTC (what the store keeps)."""

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", default_timezone=CST, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if not 1970 <= loaded.year <= 2999:
            raise ValidationError("时间超出范围 / the time is out of range")
        return to_utc(loaded)


class DayOrTime(LocalDateTime):
    """A day (``2026-12-01``: its midnight in China) or an RFC 3339 time."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise ValidationError("应为日期（YYYY-MM-DD）或时间 / a date (YYYY-MM-DD) or a date-time") from None
            if not 1970 <= day.year <= 2999:
                raise ValidationError("时间超出范围 / the time is out of range")
            return to_utc(datetime.combine(day, time(0)))
        return super()._deserialize(value, attr, data, **kwargs)


def _text(description: str, required: bool = False) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(max=MAX_TEXT), metadata={"description": description})
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT), metadata={"description": description})


# -- arguments and bodies -----------------------------------------------------------------------------

class BookingListArgsSchema(FormArgs):
    side = fields.String(load_default="mine", validate=validate.OneOf(SIDES), metadata={
        "description": "mine：我申请的预约；holder：本单位仪器收到的预约（管理员：全部）/ mine: the bookings I asked for; "
                       "holder: those of my institution's instruments (administrators: all)"})
    status = fields.String(load_default=None, validate=validate.OneOf(BOOKING_STATES), metadata={"description": "只列此状态 / one state only"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000), metadata={"description": "页码 / page (1-based)"})
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE), metadata={"description": "每页条数 / per page"})


class CalendarArgsSchema(FormArgs):
    from_ = DayOrTime(data_key="from", load_default=None, metadata={
        "description": "起（含），日期或时间；默认今天零点（北京时间）/ from (inclusive), a date or a date-time; today's midnight in China "
                       "if not given"})
    to = DayOrTime(load_default=None, metadata={
        "description": f"止（不含）；默认起始后 {DEFAULT_WINDOW_DAYS} 天，最长 {MAX_WINDOW_DAYS} 天 / until (exclusive); by default "
                       f"{DEFAULT_WINDOW_DAYS} days after `from`, at most {MAX_WINDOW_DAYS}"})

    @validates_schema
    def window(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start is not None and end is not None:
            if end <= start:
                raise ValidationError("to 应晚于 from / `to` must come after `from`", "to")
            if end - start > timedelta(days=MAX_WINDOW_DAYS):
                raise ValidationError(f"最多查询 {MAX_WINDOW_DAYS} 天 / at most {MAX_WINDOW_DAYS} days at a time", "to")


class BookingCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    start_at = LocalDateTime(required=True, metadata={"description": f"开始 / start. {TIME_NOTE}"})
    end_at = LocalDateTime(required=True, metadata={"description": f"结束 / end. {TIME_NOTE}"})
    sample = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT), metadata={
        "description": "样品与测试内容（必填）/ the samples and the work (required)"})
    service_mode = fields.String(load_default=None, allow_none=True, metadata={
        "description": "服务方式（service_mode 代码，须为仪器提供的；默认第一个）/ the service mode (a service_mode code the instrument "
                       "offers; its first by default): " + ", ".join(SERVICE_MODES)})
    purpose = _text("用途说明 / what it is for")


class NoteSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    note = _text("给申请人的说明 / a note to the requester")


class ProposeSchema(NoteSchema):
    start_at = LocalDateTime(required=True, metadata={"description": f"建议的开始 / the proposed start. {TIME_NOTE}"})
    end_at = LocalDateTime(required=True, metadata={"description": f"建议的结束 / the proposed end. {TIME_NOTE}"})


class CompleteSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    hours_used = fields.Float(required=True, allow_nan=False, metadata={"description": "实际使用机时（小时）/ hours used"})
    fee = fields.Float(required=True, allow_nan=False, metadata={"description": "服务费用（元）/ the fee charged, CNY"})


# -- answers ----------------------------------------------------------------------------------------------

class BookingInstrumentSchema(Schema):
    id = fields.String(required=True, metadata={"description": "仪器的公开编号 / the instrument's public id, e.g. ins-12"})
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)
    institution = fields.String(required=True, allow_none=True, metadata={"description": "持有单位 / the holder"})


class RequesterSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    organisation = fields.String(required=True, allow_none=True)


class BookingLinksSchema(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri", "description": "网站上的预约页 / the booking's page"})
    instrument = fields.String(required=True, metadata={"format": "uri"})
    calendar = fields.String(required=True, metadata={"format": "uri", "description": "仪器的占用时段 / the instrument's busy hours"})


class BookingSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(BOOKING_STATES))
    instrument = fields.Nested(BookingInstrumentSchema, required=True)
    start_at = fields.String(required=True, metadata={"format": "date-time", "description": "北京时间 / +08:00"})
    end_at = fields.String(required=True, metadata={"format": "date-time", "description": "北京时间 / +08:00"})
    hours = fields.Float(required=True, metadata={"description": "预约的小时数 / the hours booked"})
    service_mode = fields.String(required=True, validate=validate.OneOf(SERVICE_MODES))
    sample = fields.String(required=True)
    purpose = fields.String(required=True, allow_none=True)
    proposed_start_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    proposed_end_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    holder_note = fields.String(required=True, allow_none=True)
    hours_used = fields.Float(required=True, allow_none=True)
    fee = fields.Float(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    decided_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    completed_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    you = fields.List(fields.String(validate=validate.OneOf(("requester", "holder"))), required=True,
                      metadata={"description": "您在此预约中的身份 / your side of it"})
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), required=True, metadata={
        "description": "您现在可以执行的操作 / the steps open to you now"})
    requester = fields.Nested(RequesterSchema, required=True)
    links = fields.Nested(BookingLinksSchema, required=True)


class BookingPageSchema(Schema):
    items = fields.List(fields.Nested(BookingSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class BusySlotSchema(Schema):
    start_at = fields.String(required=True, metadata={"format": "date-time"})
    end_at = fields.String(required=True, metadata={"format": "date-time"})


class CalendarSchema(Schema):
    instrument = fields.String(required=True, metadata={"description": "仪器的公开编号 / the instrument's public id"})
    bookable = fields.Boolean(required=True, metadata={"description": "是否接受预约（对外共享且运行正常）/ whether it takes bookings (shared, "
                                                                      "in working order)"})
    timezone = fields.String(required=True, metadata={"description": "应答中时间的时区 / the offset of the times answered"})
    from_ = fields.String(data_key="from", required=True, metadata={"format": "date-time"})
    to = fields.String(required=True, metadata={"format": "date-time"})
    busy = fields.List(fields.Nested(BusySlotSchema), required=True, metadata={
        "description": "已被占用的时段（已批准或已完成），不含预约人 / the hours taken (approved or completed), with nobody's name"})


# -- bodies ---------------------------------------------------------------------------------------------

def instrument_body(instrument: Instrument) -> dict[str, Any]:
    return {"id": instrument.public_id, "name": instrument.name, "name_en": instrument.name_en,
            "institution": instrument.institution.name if instrument.institution else None}


def booking_body(identity: Identity, booking: InstrumentBooking) -> dict[str, Any]:
    """A booking as its parties read it (only they get one)."""
    user = booking.requester
    instrument = booking.instrument
    return {
        "id": booking.id, "status": booking.status, "instrument": instrument_body(instrument),
        "start_at": iso(booking.start_at), "end_at": iso(booking.end_at), "hours": hours_between(booking.start_at, booking.end_at),
        "service_mode": booking.service_mode, "sample": booking.sample, "purpose": booking.purpose,
        "proposed_start_at": iso(booking.proposed_start_at), "proposed_end_at": iso(booking.proposed_end_at),
        "holder_note": booking.holder_note, "hours_used": booking.hours_used, "fee": booking.fee,
        "created_at": iso(booking.created_at), "decided_at": iso(booking.decided_at), "completed_at": iso(booking.completed_at),
        "you": [side for side, yes in (("requester", is_requester(identity, booking)), ("holder", is_holder(identity, booking))) if yes],
        "actions": allowed_actions(identity, booking),
        "requester": {"name": user.name, "email": user.email, "phone": user.phone,
                      "organisation": user.organisation or (user.institution.name if user.institution else None)},
        "links": {"self": external_url("api.get_booking", booking_id=booking.id),
                  "html": external_url("bookings.detail", booking_id=booking.id),
                  "instrument": external_url("api.get_record", public_id=instrument.public_id),
                  "calendar": external_url("api.instrument_calendar", public_id=instrument.public_id)},
    }


def calendar_body(instrument: Instrument, bookable: bool, start: datetime, end: datetime, taken: list[InstrumentBooking]) -> dict[str, Any]:
    return {"instrument": instrument.public_id, "bookable": bookable, "timezone": ZONE_LABEL, "from": iso(start), "to": iso(end),
            "busy": [{"start_at": iso(b.start_at), "end_at": iso(b.end_at)} for b in taken]}
