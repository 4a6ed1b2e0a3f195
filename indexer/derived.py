"""Fields an engine derives from a document before it stores it, as an analysis plugin would:
the pinyin of its Chinese names and titles (issue 14). The mapping's ``_meta.pinyin`` says from
which fields; both engines call :func:`derive` on every write, and neither returns the derived
fields with the document (Elasticsearch's mapping leaves them out of ``_source``; the embedded
engine stores the document as given), so a document reads back as it was written.

``_meta.pinyin``::

    {"from": ["title", "keywords", "holders"],   # the fields whose Chinese is read as pinyin
     "syllables": "pinyin", "initials": "pinyin_initials",  # the text fields that hold it
     "suggest": "suggest_pinyin",                  # the completion field of its type-ahead keys
     "boost": 0.4, "initials_boost": 0.2}          # below any character match's field boosts
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import pinyin
from .catalog import IndexSpec


@dataclass(frozen=True)
class PinyinFields:
    sources: tuple[str, ...]
    syllables: str
    initials: str
    suggest: str | None
    boost: float
    initials_boost: float

    @property
    def derived(self) -> tuple[str, ...]:
        return tuple(f for f in (self.syllables, self.initials, self.suggest) if f)


def pinyin_fields(spec: IndexSpec) -> PinyinFields | None:
    conf = spec.meta.get("pinyin")
    if not conf:
        return None
    return PinyinFields(tuple(conf["from"]), conf.get("syllables", "pinyin"), conf.get("initials", "pinyin_initials"),
                        conf.get("suggest"), float(conf.get("boost", 0.4)), float(conf.get("initials_boost", 0.2)))


def _values(source: Mapping[str, Any], path: str) -> Iterable[str]:
    value: Any = source
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str) and v:
            yield v


def suggestion_inputs(source: Mapping[str, Any], field: str) -> Iterable[tuple[str, int]]:
    """The (input, weight) pairs of a completion field as Elasticsearch reads them."""
    raw = source.get(field)
    for entry in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        if isinstance(entry, str):
            yield entry, 1
        elif isinstance(entry, Mapping):
            inputs = entry.get("input") or []
            for text in [inputs] if isinstance(inputs, str) else inputs:
                if text:
                    yield str(text), int(entry.get("weight", 1))


def derive(spec: IndexSpec, source: Mapping[str, Any], *, suggest: bool = True) -> Mapping[str, Any]:
    """``source`` with the derived fields added (the same object when the index derives none).
    ``suggest``: also the pinyin type-ahead keys (the embedded engine keeps those itself)."""
    conf = pinyin_fields(spec)
    if conf is None:
        return source
    reads, initials = [], []
    for path in conf.sources:
        for text in _values(source, path):
            read, first = pinyin.of_text(text)
            if read:
                reads.append(read)
                initials.append(first)
    out = {**source, conf.syllables: reads, conf.initials: initials}
    completion = spec.completion_field
    if suggest and conf.suggest and completion is not None:
        keys = [{"input": forms, "weight": weight}
                for text, weight in suggestion_inputs(source, completion.path) if (forms := pinyin.prefix_forms(text))]
        out[conf.suggest] = keys
    return out


def shown_for(key: str, source: Mapping[str, Any], field: str) -> tuple[str, int] | None:
    """The input (and weight) of ``source``'s completion field that the pinyin key ``key``
    stands for: Elasticsearch answers a pinyin prefix with the key it matched, and the
    suggestion shows the Chinese it was made from."""
    inputs = list(suggestion_inputs(source, field))
    for same in (lambda form: form == key, lambda form: form.startswith(key)):  # then a key Elasticsearch cut short
        for text, weight in inputs:
            if any(same(form) for form in pinyin.prefix_forms(text)):
                return text, weight
    return None
