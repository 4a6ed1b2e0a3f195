"""Telling the import template's example row from a person's data.

Templates downloaded before the example moved to the guide sheet carry it in row 3 of the data
sheet (高性能碳纤维复合材料热压成型技术, 登记号 220202300123, ...), and people fill their rows
below it. Such a row must never become a record.

A row is the example only when it *means* exactly the example: loaded through the record
type's schema (so labels or codes, 万元 or 元, "是" or "Yes", date cells or text all compare
by meaning), it equals the loaded example field for field, every field of the example present.
A row someone typed differs in at least one cell and is imported as typed, even when it was
copied from the example and only one value was changed. No marker cell decides (a "示例"
column is kept by whoever copies the row, and real data would vanish with it).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

from marshmallow import ValidationError

from web.schemas import SCHEMAS

from . import columns as cols
from .templates import example_row, template_headers


@cache
def example_data(record_type: str) -> dict[str, Any]:
    """The example as a reader produces it from the template (schema input shape)."""
    hmap = cols.map_headers(template_headers(record_type), record_type)
    data, problems = hmap.convert(example_row(record_type, native=True))
    if problems:  # the template tests keep the example readable; never hide a broken one
        raise ValueError(f"the {record_type} template example does not read cleanly: {problems}")
    return data


@cache
def _example_loaded(record_type: str) -> dict[str, Any]:
    return SCHEMAS[record_type][0]().load(example_data(record_type))


@cache
def _example_label(record_type: str) -> str | None:
    return cols.record_label(record_type, example_data(record_type))


@cache
def _example_key(record_type: str) -> str | None:
    label = _example_label(record_type) if record_type in SCHEMAS else None
    return _squeezed(label) if label else None


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def might_be_template_example(record_type: str, cells: Sequence[Any]) -> bool:
    """False when a raw row cannot be the example: no cell holds the example's label (its
    title), so the row need not be converted to be told apart. True rows are decided by
    ``is_template_example`` after converting them."""
    key = _example_key(record_type)
    if key is None:
        return False
    return key in _squeezed("".join(str(c) for c in cells if c is not None))


def is_template_example(record_type: str, data: dict[str, Any], label: str | None = None) -> bool:
    """Whether ``data`` (one row as read) is the template's example, unchanged. ``label`` is the
    row's label if the caller has it: rows whose label differs (all real rows, in practice)
    are answered without loading them through the schema."""
    if record_type not in SCHEMAS:
        return False
    if label is None:
        label = cols.record_label(record_type, data)
    if label != _example_label(record_type):
        return False
    try:
        loaded = SCHEMAS[record_type][0]().load(data)
    except ValidationError:
        return False  # the example is valid; a row that is not cannot be it
    return loaded == _example_loaded(record_type)
