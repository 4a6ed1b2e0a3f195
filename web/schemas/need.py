"""技术需求 input and output schema (API, forms and the drafts' review share it)."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from ..models import Need
from .common import BaseRecordSchema, ContactSchema, LenientDate, Money, Nested, Str, StrList, Vocab, VocabList


class NeedSchema(BaseRecordSchema):
    title = Str(required=True, max_length=300, min_length=4)
    title_en = Str(max_length=300, allow_none=True)
    description = Str(required=True, max_length=10000, min_length=10, multiline=True)
    keywords = StrList(max_items=20, item_max_length=50)
    field = Vocab("tech_field", required=True)
    industry = Str(max_length=100, allow_none=True)
    city = Vocab("city", required=True)
    budget_min = Money(allow_none=True)
    budget_max = Money(allow_none=True)
    cooperation_modes = VocabList("cooperation_mode", max_items=6)
    deadline = LenientDate(allow_none=True)
    organisation = Str(required=True, max_length=200)
    contact = Nested(ContactSchema, allow_none=True)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs):
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("预算下限不能高于上限 / the lower budget is above the upper one", "budget_max")
        if not data.get("cooperation_modes"):
            raise ValidationError("请选择至少一种合作方式 / choose at least one form of cooperation", "cooperation_modes")


def need_data(rec: Need) -> dict[str, Any]:
    return {
        "id": rec.public_id, "record_type": rec.RECORD_TYPE, "status": rec.status, "revision_id": rec.revision_id,
        "created_at": rec.created_at, "updated_at": rec.updated_at, "published_at": rec.published_at,
        "title": rec.title, "title_en": rec.title_en, "description": rec.description, "keywords": rec.keywords,
        "field": rec.field, "industry": rec.industry, "city": rec.city, "budget_min": rec.budget_min,
        "budget_max": rec.budget_max, "cooperation_modes": rec.cooperation_modes, "deadline": rec.deadline,
        "organisation": rec.organisation,
        "contact": {"name": rec.contact_name, "phone": rec.contact_phone, "email": rec.contact_email}
        if (rec.contact_name or rec.contact_phone or rec.contact_email) else None,
    }
