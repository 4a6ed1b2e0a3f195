"""Institution input and output schema."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validates

from ..models import Institution
from .common import BaseRecordSchema, Email, Phone, Str, StrList, Vocab

# GB 32100-2015 unified social credit code: 18 characters from this alphabet
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class InstitutionSchema(BaseRecordSchema):
    name = Str(required=True, max_length=200)
    name_en = Str(max_length=300, allow_none=True)
    aliases = StrList(max_items=20, item_max_length=100)
    type = Vocab("institution_type", allow_none=True)
    city = Vocab("city", allow_none=True)
    credit_code = Str(max_length=18, allow_none=True)
    address = Str(max_length=300, allow_none=True)
    description = Str(max_length=5000, multiline=True, allow_none=True)
    website = Str(max_length=300, allow_none=True)
    contact_name = Str(max_length=100, allow_none=True)
    contact_phone = Phone(max_length=50, allow_none=True)
    contact_email = Email(allow_none=True)

    @validates("credit_code")
    def check_credit_code(self, value: str | None, **kwargs):
        if value and not CREDIT_CODE.match(value.upper()):
            raise ValidationError("统一社会信用代码应为18位 / the unified social credit code has 18 characters")


def institution_data(rec: Institution) -> dict[str, Any]:
    return {
        "id": rec.public_id, "record_type": rec.RECORD_TYPE, "status": rec.status, "revision_id": rec.revision_id,
        "created_at": rec.created_at, "updated_at": rec.updated_at, "published_at": rec.published_at,
        "name": rec.name, "name_en": rec.name_en, "aliases": rec.aliases, "type": rec.type, "city": rec.city,
        "credit_code": rec.credit_code, "address": rec.address, "description": rec.description,
        "website": rec.website, "contact_name": rec.contact_name, "contact_phone": rec.contact_phone,
        "contact_email": rec.contact_email,
    }
