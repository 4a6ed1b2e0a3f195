"""Logical indices and their mapping files.

``mappings/es8/<name>-v<N>.json`` holds one index: Elasticsearch settings and mappings, plus a
``_meta`` block that both engines read (search fields and boosts, highlight and similar
fields, which fields hold lists). The SQLite engine derives its tables from the same file, so
there is one description of every index.

Names: logical ``achievements`` -> read alias ``{prefix}achievements``, write alias
``{prefix}achievements-v1``, physical index ``{prefix}achievements-v1-{stamp}``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import IndexMissing, QueryError
from .synonyms import load as load_synonyms

DEFAULT_MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
ENGINE_FOLDER = "es8"
_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)-v(?P<version>\d+)\.json$")

SCALAR_TYPES = {"keyword", "integer", "long", "short", "byte", "float", "double", "half_float", "date", "boolean"}
NUMERIC_TYPES = {"integer", "long", "short", "byte", "float", "double", "half_float"}


@dataclass(frozen=True)
class FieldInfo:
    path: str  # as used in queries, e.g. "keywords.text"
    type: str  # text, keyword, integer, double, date, boolean, completion, ...
    multi: bool  # the document may hold a list of values
    source_path: str  # where the value lives in the document (the parent of a multi-field)

    @property
    def is_text(self) -> bool:
        return self.type == "text"

    @property
    def is_scalar(self) -> bool:
        return self.type in SCALAR_TYPES


@dataclass(frozen=True)
class IndexSpec:
    name: str
    version: int
    body: dict[str, Any]
    fields: dict[str, FieldInfo] = field(hash=False)

    @property
    def meta(self) -> dict[str, Any]:
        return self.body["mappings"].get("_meta", {})

    @property
    def search_fields(self) -> dict[str, float]:
        return dict(self.meta.get("search_fields", {}))

    @property
    def highlight_fields(self) -> tuple[str, ...]:
        return tuple(self.meta.get("highlight_fields", ()))

    @property
    def similar_fields(self) -> tuple[str, ...]:
        return tuple(self.meta.get("similar_fields", ()))

    @property
    def count_partition(self) -> str | None:
        """The field every listing filters on (its status): the embedded engine keeps its facet
        counts per value of it."""
        return self.meta.get("count_partition")

    @property
    def text_fields(self) -> list[FieldInfo]:
        return [f for f in self.fields.values() if f.is_text]

    @property
    def scalar_fields(self) -> list[FieldInfo]:
        return [f for f in self.fields.values() if f.is_scalar]

    @property
    def completion_field(self) -> FieldInfo | None:
        """The type-ahead's field (not the pinyin keys an engine derives from it)."""
        derived = self.meta.get("pinyin", {}).get("suggest")
        return next((f for f in self.fields.values() if f.type == "completion" and f.path != derived), None)

    def field(self, path: str) -> FieldInfo:
        try:
            return self.fields[path]
        except KeyError:
            raise QueryError(f"unknown field {path!r} in index {self.name!r}", code="unknown_field", field=path) from None

    def read_alias(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"

    def write_alias(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}-v{self.version}"

    def physical_name(self, prefix: str, stamp: str) -> str:
        return f"{prefix}{self.name}-v{self.version}-{stamp}"


def _walk(properties: dict[str, Any], multi: set[str], prefix: str = "") -> list[FieldInfo]:
    out: list[FieldInfo] = []
    for name, prop in properties.items():
        path = f"{prefix}{name}"
        ftype = prop.get("type", "object")
        if ftype == "object" and "properties" in prop and prop.get("enabled", True):
            out.extend(_walk(prop["properties"], multi, f"{path}."))
            continue
        is_multi = path in multi
        out.append(FieldInfo(path, ftype, is_multi, path))
        for sub, subprop in prop.get("fields", {}).items():
            out.append(FieldInfo(f"{path}.{sub}", subprop.get("type", "keyword"), is_multi, path))
    return out


def _inline_rule_files(body: dict[str, Any], mappings_dir: Path) -> None:
    """A char filter's ``mappings_path`` (a rules file beside the mapping files, e.g. the shared
    folding ``analysis/zh_fold.txt``) becomes its ``mappings`` list, so no Elasticsearch node
    needs the file in its config folder and both engines read the same rules."""
    for spec in body.get("settings", {}).get("analysis", {}).get("char_filter", {}).values():
        relative = spec.get("mappings_path")
        if relative is None:
            continue
        rules = (mappings_dir / relative).resolve()
        if mappings_dir.resolve() not in rules.parents:
            raise ValueError(f"mappings_path must name a file under {mappings_dir}: {relative}")
        lines = rules.read_text(encoding="utf-8").splitlines()
        spec["mappings"] = [line for line in lines if line.strip() and not line.startswith("#")]
        del spec["mappings_path"]


def load_spec(path: Path) -> IndexSpec:
    m = _FILE.match(path.name)
    if not m:
        raise ValueError(f"mapping file name must look like <index>-v<N>.json: {path.name}")
    body = json.loads(path.read_text(encoding="utf-8"))
    _inline_rule_files(body, path.parent.parent)
    mappings = body["mappings"]
    multi = set(mappings.get("_meta", {}).get("multi_valued", ()))
    fields = {f.path: f for f in _walk(mappings["properties"], multi)}
    unknown = multi - set(fields)
    if unknown:
        raise ValueError(f"{path.name}: _meta.multi_valued names unknown fields {sorted(unknown)}")
    partition = mappings.get("_meta", {}).get("count_partition")
    if partition is not None and (partition not in fields or not fields[partition].is_scalar or fields[partition].multi):
        raise ValueError(f"{path.name}: _meta.count_partition must name a single-valued keyword field, not {partition!r}")
    return IndexSpec(m["name"], int(m["version"]), body, fields)


class Catalog:
    """Every logical index, at the newest mapping version found on disk."""

    def __init__(self, mappings_dir: Path | str | None = None, engine_folder: str = ENGINE_FOLDER,
                 synonyms_file: str | None = None):
        """``synonyms_file``: an administrator's synonym rules, read after the shipped ones."""
        self.synonyms = load_synonyms(synonyms_file)
        folder = Path(mappings_dir or DEFAULT_MAPPINGS_DIR) / engine_folder
        specs: dict[str, IndexSpec] = {}
        for path in sorted(folder.glob("*-v*.json")):
            spec = load_spec(path)
            if spec.name not in specs or specs[spec.name].version < spec.version:
                specs[spec.name] = spec
        if not specs:
            raise FileNotFoundError(f"no mapping files in {folder}")
        self._specs = specs

    def names(self) -> list[str]:
        return sorted(self._specs)

    def get(self, name: str) -> IndexSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise IndexMissing(f"unknown index {name!r}; known: {', '.join(self.names())}") from None

    def resolve_field(self, indices: tuple[str, ...], path: str) -> FieldInfo:
        """The field as declared in the first of ``indices`` that has it."""
        for name in indices:
            info = self.get(name).fields.get(path)
            if info is not None:
                return info
        raise QueryError(f"unknown field {path!r}", code="unknown_field", field=path)


@cache
def default_catalog() -> Catalog:
    return Catalog()
