"""A record schema's load compiled to a per-field plan, for the import hot path.

marshmallow spends most of an import's validation in its own machinery (a getter, an error
store and a validator loop per field). The plan is derived from the schema's fields: the
plain text, vocabulary and list fields become short functions with the same rules; every
other field (numbers, dates, nested objects ...) runs its own ``deserialize``, and the
schema's ``@validates`` and ``@validates_schema`` hooks run as marshmallow runs them.

The schema stays the contract: the moment a record is not plainly valid, the plan gives up
and the schema's own ``load`` answers, with its exact errors. So a bad row reads the same
whichever path met it; ``tests/unit/test_compiled_schemas.py`` checks the good rows' data.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD
from marshmallow.error_store import ErrorStore
from marshmallow.utils import missing

from .. import normalize, vocabularies
from .common import InstitutionList, InstitutionRef, Nested, Str, StrList, Vocab, VocabList

Step = Callable[[Any, str, Mapping[str, Any]], Any]


class _GiveUp(Exception):
    """The plan cannot vouch for this record: the schema's own load decides."""


def _generic(field: Any) -> Step:
    def step(value: Any, key: str, data: Mapping[str, Any]) -> Any:
        try:
            return field.deserialize(value, key, data)
        except ValidationError:
            raise _GiveUp from None
    return step


def _lengths(field: Any) -> tuple[int | None, int | None] | None:
    """(min, max) when the field's only validators are Length; None when it has others."""
    low = high = None
    for v in field.validators:
        if type(v) is not validate.Length or v.equal is not None:
            return None
        low, high = v.min, v.max
    return low, high


def _text(field: Str) -> Callable[[Any], str | None] | None:
    """Str._deserialize without its validators: cleaned text, or None for blank text."""
    multiline = field.multiline
    required = field.required

    def text(value: Any) -> str | None:
        if type(value) is not str:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise _GiveUp
        if multiline:
            out = "\n".join(normalize.clean_text(line) for line in value.replace("\r\n", "\n").split("\n")).strip()
        else:
            out = normalize.clean_text(value)
        if not out:
            if required:
                raise _GiveUp
            return None
        return out
    return text


def _scalar(field: Any) -> Callable[[Any], Any] | None:
    """The value part of a text-like field (no missing/None handling), or None if not plain."""
    if field.pre_load or field.post_load:
        return None
    lengths = _lengths(field)
    if lengths is None:
        return None
    low, high = lengths
    kind = type(field)
    if kind is Str:
        convert = _text(field)
    elif kind is Vocab:
        base, vocab = _text(field), vocabularies.get(field.vocabulary)

        def convert(value: Any) -> Any:
            out = base(value)
            if out is None:
                return None
            code = vocab.resolve(out)
            if code is None:
                raise _GiveUp
            return code
    elif kind is InstitutionRef:
        base = _text(field)

        def convert(value: Any) -> Any:
            if isinstance(value, dict):
                value = value.get("name") or value.get("id")
            out = base(value)
            return normalize.institution_name(out) if out else None
    else:
        return None

    def scalar(value: Any) -> Any:
        out = convert(value)
        if out is not None and ((high is not None and len(out) > high) or (low is not None and len(out) < low)):
            raise _GiveUp
        return out
    return scalar


def _list(field: StrList) -> Callable[[Any], Any] | None:
    if field.pre_load or field.post_load or field.validators:
        return None
    inner = field.inner
    item = _scalar(inner)
    if item is None or inner.required:
        return None
    inner_none = inner.allow_none
    split, pattern, low, high = field.split, field._SPLIT, field.min_items, field.max_items

    def convert(value: Any) -> Any:
        if type(value) is str:
            value = pattern.split(value) if split else [value]
        elif type(value) not in (list, tuple):
            raise _GiveUp
        items = []
        for each in value:
            if each is None:
                if not inner_none:
                    raise _GiveUp
                continue
            out = item(each)
            if out:
                items.append(out)
        items = list(dict.fromkeys(items))
        if (high is not None and len(items) > high) or len(items) < low:
            raise _GiveUp
        return items
    return convert


def _nested(field: Any) -> Callable[[Any], Any] | None:
    """An object field (contact, price ...): its schema compiled in turn."""
    if (type(field) not in (Nested, fields.Nested) or field.many or field.validators or field.pre_load or field.post_load
            or field.unknown is not None or field.only is not None or field.exclude):
        return None
    inner = CompiledLoader(field.schema)
    return inner._fast if inner.steps is not None else None


def _object_list(field: Any) -> Callable[[Any], Any] | None:
    """A list of objects (ip, attachments): each item through the compiled nested schema."""
    if type(field) is not fields.List or field.validators or field.pre_load or field.post_load:
        return None
    inner = field.inner
    item = _nested(inner)
    if item is None:
        return None
    inner_none = inner.allow_none

    def convert(value: Any) -> Any:
        if type(value) not in (list, tuple):
            raise _GiveUp
        out = []
        for each in value:
            if each is None:
                if not inner_none:
                    raise _GiveUp
                out.append(None)
            else:
                out.append(item(each))
        return out
    return convert


def _compile(field: Any) -> Step:
    kind = type(field)
    if kind in (StrList, VocabList, InstitutionList):
        convert = _list(field)
    elif kind is fields.List:
        convert = _object_list(field)
    elif kind in (Nested, fields.Nested):
        convert = _nested(field)
    else:
        convert = _scalar(field)
    if convert is None:
        return _generic(field)
    required, allow_none, default = field.required, field.allow_none, field.load_default

    def step(value: Any, key: str, data: Mapping[str, Any]) -> Any:
        if value is missing:
            if required:
                raise _GiveUp
            return default() if callable(default) else default
        if value is None:
            if allow_none:
                return None
            raise _GiveUp
        return convert(value)
    return step


class CompiledLoader:
    """``load(raw)`` gives what ``schema.load(raw)`` gives, faster on valid records."""

    def __init__(self, schema: Schema):
        self.schema = schema
        hooks = schema._hooks
        pre = [name for name, *_ in hooks[PRE_LOAD]]
        compilable = (
            not schema.many and not schema.partial and schema.unknown in (RAISE, EXCLUDE)
            and not hooks[POST_LOAD]
            and set(pre) <= {"strip_system_fields"}
        )
        self.strip = frozenset(getattr(schema, "SYSTEM_FIELDS", ())) if pre else frozenset()
        self.steps = [
            (f.data_key if f.data_key is not None else name, f.attribute or name, _compile(f))
            for name, f in schema.load_fields.items()
        ] if compilable else None
        self.known = frozenset(key for key, _, _ in self.steps or ())
        self.raise_unknown = schema.unknown == RAISE

    def load(self, raw: Any) -> dict[str, Any]:
        if self.steps is not None:
            try:
                return self._fast(raw)
            except _GiveUp:
                pass
        return self.schema.load(raw)

    def _fast(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise _GiveUp
        data = {k: v for k, v in raw.items() if k not in self.strip} if self.strip else raw
        if self.raise_unknown and not self.known.issuperset(data):
            raise _GiveUp
        out: dict[str, Any] = {}
        for key, attr, step in self.steps:  # type: ignore[union-attr]
            value = step(data.get(key, missing), key, data)
            if value is not missing:
                out[attr] = value
        schema, store = self.schema, ErrorStore()
        schema._invoke_field_validators(error_store=store, data=out, many=False)
        if not store.errors:
            for collection in (True, False):
                schema._invoke_schema_validators(error_store=store, pass_collection=collection, data=out, original_data=raw,
                                                 many=False, partial=None, unknown=schema.unknown, field_errors=False)
        if store.errors:
            raise _GiveUp
        return out
