"""专利 input and output schema."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema

from .. import normalize
from ..models import Patent
from .common import BaseRecordSchema, Float, Int, InstitutionList, LenientDate, Money, Nested, Str, StrList, Vocab

IPC_PATTERN = re.compile(r"^[A-H]\d{2}[A-Z](\s?\d{1,4}/\d{1,6})?$")


def normalise_ipc(value: str) -> str:
    """``A24B 15/18 (2006.01)`` / ``a24b15/18`` -> ``A24B15/18``."""
    text = normalize.clean_text(value).upper()
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"\s+", "", text)


class IpcList(StrList):
    default_error_messages = {"ipc": "“{input}”不是有效的IPC分类号 / not a valid IPC symbol"}

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        out = []
        for item in items:
            code = normalise_ipc(item)
            if not IPC_PATTERN.match(code):
                raise self.make_error("ipc", input=item)
            out.append(code)
        return list(dict.fromkeys(out))


class PriorityItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    number = Str(max_length=64, required=True)
    date = LenientDate(allow_none=True)
    country = Str(max_length=8, allow_none=True)


class LegalEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    date = LenientDate(allow_none=True)
    code = Str(max_length=32, allow_none=True)
    description = Str(max_length=500, required=True)


class OpenLicenceSchema(Schema):
    """开放许可声明 (Patent Law Art. 50-52)."""

    class Meta:
        unknown = EXCLUDE

    declared_at = LenientDate(allow_none=True)
    payment = Vocab("licence_payment", allow_none=True)
    fee = Money(allow_none=True)  # lump sum or entry fee, CNY
    royalty_rate = Float(allow_none=True)  # percent of net sales (or of profit, see terms)
    terms = Str(max_length=1000, allow_none=True)
    term = Str(max_length=200, allow_none=True)
    withdrawn_at = LenientDate(allow_none=True)

    @validates_schema
    def check(self, data, **kwargs):
        rate = data.get("royalty_rate")
        if rate is not None and not 0 <= rate <= 100:
            raise ValidationError("提成比例应在 0-100% / royalty rate is a percentage", "royalty_rate")
        fee = data.get("fee")
        if fee is not None and fee > 20_000_000:
            raise ValidationError("一次性许可费一般不超过2000万元 / a fixed fee above ¥20M is outside the open-licence guidance", "fee")


class PatentSchema(BaseRecordSchema):
    application_no = Str(max_length=40, allow_none=True)
    publication_no = Str(max_length=40, allow_none=True)
    grant_no = Str(max_length=40, allow_none=True)
    filed_at = LenientDate(allow_none=True)
    publication_date = LenientDate(allow_none=True)
    granted_at = LenientDate(allow_none=True)
    kind = Vocab("patent_kind", allow_none=True)
    title = Str(required=True, max_length=500)
    title_en = Str(max_length=500, allow_none=True)
    abstract = Str(max_length=5000, multiline=True, allow_none=True)
    first_claim = Str(max_length=10000, multiline=True, allow_none=True)
    keywords = StrList(max_items=20, item_max_length=100)
    applicants = InstitutionList(max_items=30)
    inventors = StrList(max_items=100, item_max_length=100)
    owners = StrList(max_items=30, item_max_length=200)
    applicant_address = Str(max_length=300, allow_none=True)
    province_code = Str(max_length=16, allow_none=True)
    city = Vocab("city", allow_none=True)
    field = Vocab("tech_field", allow_none=True)
    ipc_main = Str(max_length=32, allow_none=True)
    ipc = IpcList(max_items=50)
    cpc = StrList(max_items=100, item_max_length=32)
    agency = Str(max_length=200, allow_none=True)
    agent = Str(max_length=100, allow_none=True)
    priority = fields.List(Nested(PriorityItemSchema), load_default=list)
    legal_status = Vocab("legal_status", allow_none=True)
    legal_events = fields.List(Nested(LegalEventSchema), load_default=list)
    transfers = Int(allow_none=True)
    licences = Int(allow_none=True)
    pledges = Int(allow_none=True)
    open_licence = Nested(OpenLicenceSchema, allow_none=True)
    family = StrList(max_items=200, item_max_length=40)
    citations = Int(allow_none=True)

    @validates_schema
    def check_numbers(self, data: dict[str, Any], **kwargs):
        if not data.get("application_no") and not data.get("publication_no"):
            raise ValidationError("申请号或公开号至少填写一个 / give the application or the publication number", "application_no")
        if data.get("ipc_main") and not IPC_PATTERN.match(normalise_ipc(data["ipc_main"])):
            raise ValidationError("主分类号不是有效的IPC / the main IPC symbol is not valid", "ipc_main")

    @post_load
    def normalise(self, data: dict[str, Any], **kwargs):
        if data.get("application_no"):
            data["application_no"] = normalize.application_number(data["application_no"])
        if data.get("publication_no"):
            data["publication_no"] = normalize.publication_number(data["publication_no"])
        ipc = list(data.get("ipc") or [])
        if data.get("ipc_main"):
            data["ipc_main"] = normalise_ipc(data["ipc_main"])
            if data["ipc_main"] not in ipc:
                ipc.insert(0, data["ipc_main"])
        elif ipc:
            data["ipc_main"] = ipc[0]
        data["ipc"] = ipc
        return data


def patent_data(rec: Patent) -> dict[str, Any]:
    return {
        "id": rec.public_id, "record_type": rec.RECORD_TYPE, "status": rec.status, "revision_id": rec.revision_id,
        "created_at": rec.created_at, "updated_at": rec.updated_at, "published_at": rec.published_at,
        "application_no": normalize.format_application_number(rec.application_no), "publication_no": rec.publication_no,
        "grant_no": rec.grant_no, "filed_at": rec.filed_at, "publication_date": rec.publication_date,
        "granted_at": rec.granted_at, "kind": rec.kind, "title": rec.title, "title_en": rec.title_en,
        "abstract": rec.abstract, "first_claim": rec.first_claim, "keywords": rec.keywords,
        "applicants": [a.name for a in rec.applicants], "inventors": rec.inventors, "owners": rec.owners,
        "applicant_address": rec.applicant_address, "province_code": rec.province_code, "city": rec.city,
        "field": rec.field, "ipc_main": rec.ipc_main, "ipc": rec.ipc, "cpc": rec.cpc, "agency": rec.agency,
        "agent": rec.agent, "priority": rec.priority, "legal_status": rec.legal_status,
        "legal_events": rec.legal_events, "transfers": rec.transfers, "licences": rec.licences,
        "pledges": rec.pledges, "open_licence": rec.open_licence or None, "family": rec.family,
        "citations": rec.citations,
    }
