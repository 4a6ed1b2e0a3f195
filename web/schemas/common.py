"""Shared marshmallow fields and the base record schema.

Every message is bilingual ("中文 / English"): the same schema serves the Chinese site, the
English API and the per-row error reports of bulk imports. Fields are lenient about the
forms people actually type (2023年5月1日, 是/否, 50万元, TRL6, 吉林大学 or 吉大) and strict
about meaning.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from .. import normalize, vocabularies

MSG_REQUIRED = "必填项 / this field is required"
MSG_NULL = "不能为空 / may not be empty"


class BilingualMixin:
    default_error_messages = {"required": MSG_REQUIRED, "null": MSG_NULL, "validator_failed": "取值无效 / invalid value"}


class Str(BilingualMixin, fields.String):
    """Text with width and white space normalised; empty text counts as missing."""

    default_error_messages = {"invalid": "应为文本 / not a text value"}

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None, multiline: bool = False, **kwargs):
        validators = list(kwargs.pop("validate", None) or [])
        if max_length or min_length:
            validators.append(validate.Length(
                min=min_length, max=max_length,
                error=f"长度应不超过 {max_length} 个字符 / at most {max_length} characters" if max_length else "太短 / too short",
            ))
        self.multiline = multiline
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            text = "\n".join(normalize.clean_text(line) for line in text.replace("\r\n", "\n").split("\n")).strip()
        else:
            text = normalize.clean_text(text)
        if not text:
            if self.required:
                raise self.make_error("required")
            return None
        return text

    def _validate(self, value):
        if value is not None:  # blank text became None above: nothing left to check
            super()._validate(value)


class Int(BilingualMixin, fields.Integer):
    default_error_messages = {"invalid": "应为整数 / not a whole number", "too_large": "数值过大 / number too large"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = normalize.clean_text(value).replace(",", "")
            if value == "":
                return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Float(BilingualMixin, fields.Float):
    default_error_messages = {"invalid": "应为数字 / not a number", "special": "应为有限数字 / not a finite number"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = normalize.clean_text(value).replace(",", "")
            if value == "":
                return None
        return super()._deserialize(value, attr, data, **kwargs)


class Money(Float):
    """CNY amounts as people write them: 500000, 500,000, 50万, 50万元, 0.5亿, ¥1200."""

    _UNITS = {"万": 10_000, "亿": 100_000_000, "千": 1_000}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = normalize.clean_text(value).replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").replace("人民币", "").strip()
            if text in ("", "面议", "-"):
                return None
            m = re.fullmatch(r"([\d.]+)\s*([万亿千]?)", text)
            if not m:
                raise self.make_error("invalid")
            try:
                number = float(m.group(1)) * self._UNITS.get(m.group(2), 1)
            except ValueError:
                raise self.make_error("invalid") from None
            value = number
        result = super()._deserialize(value, attr, data, **kwargs)
        if result is not None and result < 0:
            raise ValidationError("金额不能为负 / amount may not be negative")
        return result


class Bool(BilingualMixin, fields.Boolean):
    truthy = fields.Boolean.truthy | {"是", "有", "已转化", "共享", "Y", "y", "√"}
    falsy = fields.Boolean.falsy | {"否", "无", "未转化", "不共享", "N", "n", "×"}
    default_error_messages = {"invalid": "应为 是/否 / expected yes or no"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = normalize.clean_text(value)
            if value == "":
                return None
        return super()._deserialize(value, attr, data, **kwargs)


class LenientDate(BilingualMixin, fields.Date):
    """Dates in the forms found in Chinese forms and exports."""

    default_error_messages = {"invalid": "日期格式应为 YYYY-MM-DD / not a valid date (use YYYY-MM-DD)"}
    _PATTERNS = (
        re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
        re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = normalize.clean_text(str(value))
        if not text:
            return None
        text = text.split("T")[0].split(" ")[0]
        for pattern in self._PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    break
        raise self.make_error("invalid")

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):  # dates kept inside JSON columns are already ISO text
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class YearMonth(Str):
    """YYYY-MM (研究起止). Accepts 2021-3, 2021.03, 2021年3月, 202103."""

    default_error_messages = {"invalid_month": "年月格式应为 YYYY-MM / use YYYY-MM"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (date, datetime)):
            return f"{value.year:04d}-{value.month:02d}"
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?(?:[-/.]\d{1,2}日?)?", text)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise self.make_error("invalid_month")
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


class Vocab(Str):
    """A code from a controlled vocabulary; the code, the Chinese or the English label in."""

    default_error_messages = {"not_in_vocab": "“{input}”不是有效的{name}，可选：{choices} / not a valid {name_en}"}

    def __init__(self, vocabulary: str, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        vocab = vocabularies.get(self.vocabulary)
        code = vocab.resolve(text)
        if code is None:
            raise self.make_error("not_in_vocab", input=text, name=vocab.zh, name_en=vocab.en.lower(), choices=vocab.choices_text())
        return code


class Trl(Int):
    """技术就绪度 1-9; accepts 6, "6", "TRL6", "6级", "TRL-6"."""

    default_error_messages = {"range": "技术就绪度应为 1-9 / TRL must be 1 to 9"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            m = re.search(r"\d+", normalize.clean_text(value))
            if not m and value.strip():
                raise self.make_error("range")
            value = m.group() if m else ""
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is not None and not 1 <= number <= 9:
            raise self.make_error("range")
        return number


class StrList(BilingualMixin, fields.List):
    """A list of short texts. A single string is split on ;；,，、 and line breaks."""

    default_error_messages = {
        "invalid": "应为列表 / not a list",
        "too_many": "最多 {max} 项 / at most {max} items",
        "too_few": "至少 {min} 项 / at least {min} items",
    }
    _SPLIT = re.compile(r"[;；,，、\n]+")

    def __init__(self, *, max_items: int | None = None, min_items: int = 0, item_max_length: int = 200, split: bool = True, **kwargs):
        self.max_items = max_items
        self.min_items = min_items
        self.split = split
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", list)
        super().__init__(Str(max_length=item_max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return []
        if isinstance(value, str):
            value = self._SPLIT.split(value) if self.split else [value]
        items = [v for v in super()._deserialize(value, attr, data, **kwargs) if v]
        items = list(dict.fromkeys(items))
        if self.max_items is not None and len(items) > self.max_items:
            raise self.make_error("too_many", max=self.max_items)
        if len(items) < self.min_items:
            raise self.make_error("required" if not items else "too_few", min=self.min_items)
        return items


class VocabList(StrList):
    def __init__(self, vocabulary: str, **kwargs):
        super().__init__(**kwargs)
        self.inner = Vocab(vocabulary)
        self.vocabulary = vocabulary


class InstitutionRef(Str):
    """An institution by name (aliases such as 吉大 expand to 吉林大学) or as {"id"|"name": ...}."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            value = value.get("name") or value.get("id")
        text = super()._deserialize(value, attr, data, **kwargs)
        return normalize.institution_name(text) if text else None

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class InstitutionList(StrList):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = InstitutionRef(max_length=200)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Email(BilingualMixin, fields.Email):
    default_error_messages = {"invalid": "邮箱格式不正确 / not a valid e-mail address"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.strip():
            return None
        return super()._deserialize(normalize.clean_text(value), attr, data, **kwargs)


class Phone(Str):
    default_error_messages = {"phone": "电话号码格式不正确 / not a valid phone number"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is not None and not re.fullmatch(r"[+\d][\d\s\-()转#,/]{4,40}", text):
            raise self.make_error("phone")
        return text


class Nested(BilingualMixin, fields.Nested):
    default_error_messages = {"type": "格式不正确 / invalid structure"}


class ContactSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Str(max_length=100, allow_none=True)
    phone = Phone(max_length=50, allow_none=True)
    email = Email(allow_none=True)


class UtcDateTime(fields.DateTime):
    """Stored timestamps are UTC; SQLite hands them back without a zone, so say it."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class BaseRecordSchema(Schema):
    """System fields are output only: whatever a client sends for them is dropped before
    validation (as Invenio's BaseRecordSchema does), so imports of our own exports work."""

    class Meta:
        unknown = RAISE
        ordered = True

    error_messages = {"unknown": "未知字段 / unknown field", "type": "应为对象 / expected an object"}

    SYSTEM_FIELDS = ("id", "record_type", "revision_id", "created_at", "updated_at", "published_at", "links", "status")

    id = fields.String(dump_only=True)
    record_type = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    revision_id = fields.Integer(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)
    published_at = UtcDateTime(dump_only=True, allow_none=True)
    links = fields.Dict(dump_only=True)

    @pre_load
    def strip_system_fields(self, data: Any, **kwargs):
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in self.SYSTEM_FIELDS}
        return data


def error_list(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten marshmallow's nested error dict to (field path, message) pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_record"
            out.extend(error_list(value, path))
    elif isinstance(messages, list):
        for m in messages:
            if isinstance(m, (dict, list)):
                out.extend(error_list(m, prefix))
            else:
                out.append((prefix, str(m)))
    else:
        out.append((prefix, str(messages)))
    return out
