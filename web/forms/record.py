"""The record forms (new records, drafts, edits), built from the import columns.

One field per template column of the record type (``ingest.columns``), with the column's
Chinese or English header as its label. What a person types is read exactly as the same cell
of an import file would be (``HeaderMap.convert``: labels or codes, 万元, 是/否, lists split on
；) and then validated by the same marshmallow schema: a form accepts what an import accepts,
and says no with the same reasons."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest import columns as cols
from ingest.templates import template_columns

from .. import vocabularies

PREFIX = "f-"
TEXTAREA_KINDS = {"multiline", "list", "lines", "urls", "ip", "priority"}
HINTS = {
    "list": ("多个值用；分隔或每行一个", "separate several values with ; or put one per line"),
    "lines": ("每行一条", "one per line"),
    "urls": ("每行一个网址", "one address per line"),
    "ip": ("如：发明专利:ZL202310123456.7；软件著作权:2021SR012345", "e.g. invention patent:ZL202310123456.7; software copyright:2021SR012345"),
    "priority": ("如：CN 202210123456.7 2022-03-01", "e.g. CN 202210123456.7 2022-03-01"),
    "month": ("年-月，如 2023-06", "year-month, e.g. 2023-06"),
    "money": ("单位：万元；也可写“面议”", "in units of 10,000 CNY (万元); or 面议 (negotiable)"),
}


@dataclass
class FormField:
    path: str
    name: str
    label: str
    widget: str  # text, textarea, select, checkboxes, date
    value: str
    required: bool = False
    hint: str = ""
    input_type: str = "text"
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    @property
    def selected(self) -> set[str]:
        return {v for v in self.value.replace(";", "；").split("；") if v}


def _label(col: cols.Column, locale: str, required: bool) -> str:
    if locale == "en":
        unit = " (10,000 CNY)" if col.unit == "万元" else (f" ({col.unit})" if col.unit else "")
        return f"{col.en}{unit}{' *' if required else ''}"
    return f"{col.header_text('zh')}{' *' if required else ''}"


def _options(col: cols.Column, locale: str) -> list[tuple[str, str]]:
    if col.kind in ("vocab", "vocab_list"):
        vocab = vocabularies.get(col.vocabulary)
        return [(t.code, t.label(locale)) for t in vocab]
    if col.kind == "bool":
        return [("是", "是" if locale == "zh" else "Yes"), ("否", "否" if locale == "zh" else "No")]
    if col.kind == "trl":
        vocab = vocabularies.get("trl")
        return [(str(n), f"{n} · {vocab.label(str(n), locale)}") for n in range(1, 10)]
    return []


def _widget(col: cols.Column) -> tuple[str, str]:
    if col.kind in TEXTAREA_KINDS:
        return "textarea", "text"
    if col.kind in ("vocab", "bool", "trl"):
        return "select", "text"
    if col.kind == "vocab_list":
        return "checkboxes", "text"
    if col.kind == "date":
        return "date", "date"
    return "text", {"email": "email", "phone": "tel"}.get(col.kind, "text")


def _value_text(col: cols.Column, value: Any) -> str:
    """A stored value as the form shows it: codes for lists to pick from, a cell's text otherwise."""
    if value in (None, "", [], {}):
        return ""
    if col.kind == "vocab":
        return str(value)
    if col.kind == "vocab_list":
        return "；".join(str(v) for v in (value if isinstance(value, (list, tuple)) else [value]))
    if col.kind == "bool":
        return "是" if value in (True, "true", "是") else "否"
    if col.kind == "date":
        return str(value)[:10]
    return cols.cell_text(col, value)


def record_fields(record_type: str, values: dict[str, str], errors: dict[str, list[str]], locale: str = "zh") -> list[FormField]:
    required = cols.column_set(record_type).required_paths
    out = []
    for col in template_columns(record_type):
        widget, input_type = _widget(col)
        hint_zh, hint_en = (col.note_zh, col.note_en) if col.note_zh else HINTS.get(col.kind, ("", ""))
        out.append(FormField(
            path=col.path, name=PREFIX + col.path, label=_label(col, locale, col.path in required), widget=widget,
            value=values.get(col.path, ""), required=col.path in required, hint=hint_en if locale == "en" else hint_zh,
            input_type=input_type, options=_options(col, locale), errors=errors.get(col.path, []),
        ))
    return out


def values_from_record(record_type: str, data: dict[str, Any]) -> dict[str, str]:
    """The form's values for a record as the API shows it (a published record, a draft's preview)."""
    return {col.path: _value_text(col, cols.get_path(data, col.path)) for col in template_columns(record_type)}


def values_from_form(record_type: str, form: Any) -> dict[str, str]:
    out = {}
    for col in template_columns(record_type):
        if col.kind == "vocab_list":
            out[col.path] = "；".join(v for v in form.getlist(PREFIX + col.path) if v)
        else:
            out[col.path] = (form.get(PREFIX + col.path) or "").strip()
    return out


def data_from_values(record_type: str, values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The schema input a form's values make, read as an import reads a row (same headers, same
    cell rules), and the problems found on the way ((field path, reason))."""
    columns = template_columns(record_type)
    hmap = cols.map_headers([c.header for c in columns], record_type)
    return hmap.convert([values.get(c.path, "") for c in columns])


def errors_by_field(record_type: str, problems: list[tuple[str, str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems placed on their fields (a nested path on its column: ``price.amount``,
    ``institutions.0`` on 完成单位), the rest for the top of the form."""
    paths = [c.path for c in template_columns(record_type)]
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for path, message in problems:
        target = next((p for p in paths if path == p or path.startswith(p + ".")), None)
        if target is None:
            target = next((p for p in paths if p.startswith(path + ".") or p.split(".")[0] == path.split(".")[0]), None)
        if target is None:
            general.append(message)
        else:
            by_field.setdefault(target, []).append(message)
    return by_field, general


def field_labels(record_type: str, locale: str = "zh") -> dict[str, str]:
    """Field path -> the column's name in the reader's language (for lists of changes)."""
    return {c.path: (c.en if locale == "en" else c.zh) for c in cols.columns(record_type)}


def value_labels(record_type: str, locale: str = "zh") -> dict[str, dict[str, str]]:
    """Field path -> {stored code: its name in the reader's language} for the fields whose values
    are codes (technical field, transfer modes, TRL), so a list of changes reads 现代农业, not
    modern_agriculture."""
    return {c.path: dict(_options(c, locale)) for c in cols.columns(record_type) if c.kind in ("vocab", "vocab_list", "trl")}
