"""大型科研仪器 input and output schema."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from ..models import Instrument
from .common import (
    BaseRecordSchema, Bool, ContactSchema, Float, InstitutionRef, Int, LenientDate, Money, Nested, Str, StrList, Vocab,
    VocabList,
)


class InstrumentSchema(BaseRecordSchema):
    name = Str(required=True, max_length=300)
    name_en = Str(max_length=300, allow_none=True)
    asset_no = Str(max_length=64, allow_none=True)
    class_code = Str(max_length=32, allow_none=True)
    instrument_class = Vocab("instrument_class", allow_none=True)
    model = Str(max_length=200, allow_none=True)
    manufacturer = Str(max_length=200, allow_none=True)
    country = Str(max_length=64, allow_none=True)
    origin = Vocab("instrument_origin", allow_none=True)
    specs = Str(max_length=5000, multiline=True, allow_none=True)
    functions = Str(max_length=5000, multiline=True, allow_none=True)
    research_areas = StrList(max_items=20, item_max_length=100)
    accessories = Str(max_length=2000, multiline=True, allow_none=True)
    value = Money(allow_none=True)
    purchased_at = LenientDate(allow_none=True)
    commissioned_at = LenientDate(allow_none=True)
    funding = Vocab("instrument_funding", allow_none=True)
    institution = InstitutionRef(required=True, max_length=200)
    lab = Str(max_length=200, allow_none=True)
    address = Str(max_length=300, allow_none=True)
    city = Vocab("city", allow_none=True)
    run_status = Vocab("run_status", allow_none=True)
    shared = Bool(allow_none=True)
    open_hours = Str(max_length=300, allow_none=True)
    fees = Str(max_length=2000, multiline=True, allow_none=True)
    service_modes = VocabList("service_mode", max_items=3)
    annual_open_hours = Float(allow_none=True)
    external_hours_per_year = Float(allow_none=True)
    external_income_per_year = Money(allow_none=True)
    stats_year = Int(allow_none=True)
    contact = Nested(ContactSchema, allow_none=True)
    images = StrList(max_items=20, item_max_length=500, split=False)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs):
        for key in ("annual_open_hours", "external_hours_per_year", "value"):
            if data.get(key) is not None and data[key] < 0:
                raise ValidationError("不能为负 / may not be negative", key)
        for key in ("annual_open_hours", "external_hours_per_year"):
            if data.get(key) and data[key] > 8784:
                raise ValidationError("年机时不能超过一年的小时数 / more hours than a year has", key)
        year = data.get("stats_year")
        if year is not None and not 1950 <= year <= 2100:
            raise ValidationError("统计年份无效 / not a valid year", "stats_year")


def instrument_data(rec: Instrument) -> dict[str, Any]:
    return {
        "id": rec.public_id, "record_type": rec.RECORD_TYPE, "status": rec.status, "revision_id": rec.revision_id,
        "created_at": rec.created_at, "updated_at": rec.updated_at, "published_at": rec.published_at,
        "name": rec.name, "name_en": rec.name_en, "asset_no": rec.asset_no, "class_code": rec.class_code,
        "instrument_class": rec.instrument_class, "model": rec.model, "manufacturer": rec.manufacturer,
        "country": rec.country, "origin": rec.origin, "specs": rec.specs, "functions": rec.functions,
        "research_areas": rec.research_areas, "accessories": rec.accessories, "value": rec.value,
        "purchased_at": rec.purchased_at, "commissioned_at": rec.commissioned_at, "funding": rec.funding,
        "institution": rec.institution.name if rec.institution else None, "lab": rec.lab, "address": rec.address,
        "city": rec.city, "run_status": rec.run_status, "shared": rec.shared, "open_hours": rec.open_hours,
        "fees": rec.fees, "service_modes": rec.service_modes,
        "annual_open_hours": rec.annual_open_hours, "external_hours_per_year": rec.external_hours_per_year,
        "external_income_per_year": rec.external_income_per_year, "stats_year": rec.stats_year,
        "contact": {"name": rec.contact_name, "phone": rec.contact_phone, "email": rec.contact_email}
        if (rec.contact_name or rec.contact_phone or rec.contact_email) else None,
        "images": rec.images,
    }
