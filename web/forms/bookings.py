"""Forms of the instrument booking pages. They read and type what was typed (a day and times of
day in China Standard Time, which ``hours()`` turns into UTC); whether the hours can be had, the
sample is described and the service mode is offered is the booking service's to say, and its
refusals are shown beside the field they name (``web/views/bookings.py``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, RadioField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import NumberInput

from ..booking_times import at
from ..services.bookings import MAX_HOURS

MAX_TEXT = 4000
MAX_FEE = 100_000_000


class ActionForm(FlaskForm):
    """A button that changes something (accept, cancel): only the CSRF token."""


class HoursForm(FlaskForm):
    """A day, a start and an end, in China Standard Time; an end day only for hours past midnight."""

    day = DateField(_l("日期"), validators=[DataRequired(_l("请选择日期"))])
    start = TimeField(_l("开始时间"), validators=[DataRequired(_l("请填写开始时间"))])
    end = TimeField(_l("结束时间"), validators=[DataRequired(_l("请填写结束时间"))])
    end_day = DateField(_l("结束日期（跨天时填写）"), validators=[Optional()])

    def hours(self) -> tuple[datetime, datetime]:
        """(start, end) as UTC: what the service takes and the store keeps."""
        end_day = self.end_day.data or self.day.data
        return at(self.day.data, self.start.data), at(end_day, self.end.data)

    def fill(self, start: datetime, end: datetime) -> None:
        """Show these hours (local times of China) in the fields."""
        self.day.data, self.start.data = start.date(), start.time().replace(second=0, microsecond=0)
        self.end.data = end.time().replace(second=0, microsecond=0)
        self.end_day.data = end.date() if end.date() != start.date() else None


class RequestForm(HoursForm):
    service_mode = RadioField(_l("服务方式"), choices=[], validators=[InputRequired(_l("请选择服务方式"))])
    sample = TextAreaField(_l("样品与测试内容"), validators=[DataRequired(_l("请说明样品或上机内容")), Length(max=MAX_TEXT)],
                           render_kw={"rows": 4, "maxlength": MAX_TEXT})
    purpose = TextAreaField(_l("用途说明（可不填）"), validators=[Optional(), Length(max=MAX_TEXT)],
                            render_kw={"rows": 2, "maxlength": MAX_TEXT})

    def data_for_service(self) -> dict:
        start, end = self.hours()
        return {"start_at": start, "end_at": end, "service_mode": self.service_mode.data,
                "sample": (self.sample.data or "").strip(), "purpose": (self.purpose.data or "").strip() or None}


class ProposeForm(HoursForm):
    note = TextAreaField(_l("说明（可不填）"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 2, "maxlength": MAX_TEXT})


class NoteForm(FlaskForm):
    """Approve or reject, with a note to the requester."""

    note = TextAreaField(_l("给申请人的说明（可不填）"), validators=[Optional(), Length(max=MAX_TEXT)],
                         render_kw={"rows": 2, "maxlength": MAX_TEXT})


class CompleteForm(FlaskForm):
    hours_used = FloatField(_l("实际使用机时（小时）"), validators=[InputRequired(_l("请填写实际使用机时")),
                                                          NumberRange(min=0.01, max=MAX_HOURS)],
                            widget=NumberInput(step="0.01", min="0.01", max=str(MAX_HOURS)))
    fee = FloatField(_l("服务费用（元）"), validators=[InputRequired(_l("请填写服务费用，免费填 0")), NumberRange(min=0, max=MAX_FEE)],
                     widget=NumberInput(step="0.01", min="0"))


def duration(start: datetime, end: datetime) -> float:
    """The booked hours, to suggest as the hours used."""
    return round(max(end - start, timedelta(0)).total_seconds() / 3600, 2)
