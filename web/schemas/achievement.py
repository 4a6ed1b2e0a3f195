"""科技成果 input and output schema (API, forms and bulk imports share it)."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates, validates_schema

from ..models import Achievement
from .common import (
    BaseRecordSchema, ContactSchema, Float, InstitutionList, LenientDate, Money, Nested, Str, StrList, Trl, Vocab,
    VocabList, YearMonth, Bool,
)

SCORE_DIMENSIONS = ("innovation", "indicators", "difficulty", "maturity", "impact")


class EvaluationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    method = Vocab("evaluation_method", allow_none=True)
    org = Str(max_length=200, allow_none=True)
    date = LenientDate(allow_none=True)


class IpItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = Vocab("ip_type", required=True)
    number = Str(max_length=64, required=True)


class PriceSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    mode = Vocab("price_mode", allow_none=True)
    amount = Money(allow_none=True)
    amount_max = Money(allow_none=True)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs):
        mode, amount, high = data.get("mode"), data.get("amount"), data.get("amount_max")
        if mode is None:
            data["mode"] = "negotiable" if amount is None else ("range" if high is not None else "fixed")
        if data["mode"] in ("fixed", "range") and amount is None:
            raise ValidationError("固定价格或区间需要金额 / a fixed price or range needs an amount", "amount")
        if high is not None and amount is not None and high < amount:
            raise ValidationError("区间上限小于下限 / the upper bound is below the lower bound", "amount_max")


class AttachmentSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = Str(max_length=50, required=True)  # 评价证明, 研究报告, 查新报告, 检测报告, 用户证明, 专利证书
    name = Str(max_length=200, required=True)
    url = Str(max_length=500, allow_none=True)


class ScoresSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    innovation = Float(allow_none=True)  # 技术创新程度
    indicators = Float(allow_none=True)  # 技术经济指标先进程度
    difficulty = Float(allow_none=True)  # 技术难度和复杂程度
    maturity = Float(allow_none=True)  # 技术成熟度 (重现性)
    impact = Float(allow_none=True)  # 推动科技进步和市场竞争力

    @validates_schema
    def in_range(self, data, **kwargs):
        for key, value in data.items():
            if value is not None and not 0 <= value <= 100:
                raise ValidationError("评分应在 0-100 之间 / scores are 0 to 100", key)


class AchievementSchema(BaseRecordSchema):
    title = Str(required=True, max_length=300)
    title_en = Str(max_length=500, allow_none=True)
    registration_no = Str(max_length=32, allow_none=True)
    external_id = Str(max_length=300, allow_none=True)  # the source system's id (OAI identifier, handle, DOI)
    achievement_type = Vocab("achievement_type", allow_none=True)
    institutions = InstitutionList(required=True, min_items=1, max_items=20)
    people = StrList(max_items=50, item_max_length=50)
    keywords = StrList(max_items=20, item_max_length=50)  # the national form asks for 3; papers carry up to 20
    summary = Str(max_length=2000, multiline=True, allow_none=True)
    innovations = StrList(max_items=3, item_max_length=500, split=False)
    field = Vocab("tech_field", allow_none=True)
    industry = Str(max_length=16, allow_none=True)
    discipline = Str(max_length=100, allow_none=True)
    form = Vocab("achievement_form", allow_none=True)
    origin = Vocab("achievement_origin", allow_none=True)
    level = Vocab("achievement_level", allow_none=True)
    stage = Vocab("achievement_stage", allow_none=True)
    trl = Trl(allow_none=True)
    evaluation = Nested(EvaluationSchema, allow_none=True)
    funding_source = Str(max_length=200, allow_none=True)
    programme = Str(max_length=300, allow_none=True)
    grant_no = Str(max_length=100, allow_none=True)
    research_start = YearMonth(allow_none=True)
    research_end = YearMonth(allow_none=True)
    registered_at = LenientDate(allow_none=True)
    ip = fields.List(Nested(IpItemSchema), load_default=list)
    transfer_modes = VocabList("transfer_mode", max_items=6)
    price = Nested(PriceSchema, allow_none=True)
    application_status = Str(max_length=300, allow_none=True)
    transferred = Bool(allow_none=True)
    transfer_amount = Money(allow_none=True)
    contact = Nested(ContactSchema, allow_none=True)
    attachments = fields.List(Nested(AttachmentSchema), load_default=list)
    scores = Nested(ScoresSchema, allow_none=True)

    @validates("registration_no")
    def check_registration_no(self, value: str | None, **kwargs):
        if value and not (re.fullmatch(r"\d{12}", value) or re.fullmatch(r".{1,4}科成登字\d{4,10}", value)):
            raise ValidationError("登记号应为12位数字 / the registration number has 12 digits")

    @validates_schema
    def check_period(self, data, **kwargs):
        start, end = data.get("research_start"), data.get("research_end")
        if start and end and end < start:
            raise ValidationError("研究结束早于开始 / research ends before it starts", "research_end")


def achievement_data(rec: Achievement) -> dict[str, Any]:
    """The record as the schema's data shape (the inverse of what a load produces)."""
    return {
        "id": rec.public_id, "record_type": rec.RECORD_TYPE, "status": rec.status, "revision_id": rec.revision_id,
        "created_at": rec.created_at, "updated_at": rec.updated_at, "published_at": rec.published_at,
        "title": rec.title, "title_en": rec.title_en, "registration_no": rec.registration_no,
        "external_id": rec.external_id, "achievement_type": rec.achievement_type, "institutions": [i.name for i in rec.institutions],
        "people": rec.people, "keywords": rec.keywords, "summary": rec.summary, "innovations": rec.innovations,
        "field": rec.field, "industry": rec.industry, "discipline": rec.discipline, "form": rec.form,
        "origin": rec.origin, "level": rec.level, "stage": rec.stage, "trl": rec.trl,
        "evaluation": rec.evaluation or None, "funding_source": rec.funding_source, "programme": rec.programme,
        "grant_no": rec.grant_no, "research_start": rec.research_start, "research_end": rec.research_end,
        "registered_at": rec.registered_at, "ip": rec.ip, "transfer_modes": rec.transfer_modes,
        "price": {"mode": rec.price_mode, "amount": rec.price_amount, "amount_max": rec.price_amount_max} if rec.price_mode else None,
        "application_status": rec.application_status, "transferred": rec.transferred,
        "transfer_amount": rec.transfer_amount,
        "contact": {"name": rec.contact_name, "phone": rec.contact_phone, "email": rec.contact_email}
        if (rec.contact_name or rec.contact_phone or rec.contact_email) else None,
        "attachments": rec.attachments, "scores": rec.scores or None,
    }
