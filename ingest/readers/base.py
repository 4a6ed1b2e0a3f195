"""What every file reader produces, and how it refuses a file.

A reader turns one file into a stream of :class:`RawRecord`: the record's place in the file
(for error reports), its type, and its data in the *input shape of the marshmallow schemas*
(``web/schemas``) — the same shape the JSON API accepts. Readers do not validate meaning; the
pipeline does, record by record, so one bad row never costs its neighbours.

A file that cannot be read at all (wrong type, unsafe, malformed beyond recovery) raises
:class:`FileRefused` *before* any record is yielded whenever that can be known up front; when it
is only found midway (a truncated XML file), the records already yielded stay valid and the
pipeline reports the rest of the file as refused.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

RECORD_TYPES = ("achievement", "patent", "instrument", "institution")


@dataclass(frozen=True)
class Location:
    """Where a record sits: file name plus line (CSV, JSON Lines), row and sheet (XLSX), or
    element (XML: an XPath-like path or the document number)."""

    file: str
    line: int | None = None
    sheet: str | None = None
    element: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.element:
            parts.append(self.element)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "sheet": self.sheet, "element": self.element}


@dataclass
class RawRecord:
    location: Location
    record_type: str
    data: dict[str, Any]
    # problems the reader itself found (e.g. an unknown column value it could not map):
    # (field, "中文 / English") pairs, reported with the schema's own errors
    problems: list[tuple[str, str]] = field(default_factory=list)
    # natural identifiers for reports ("CN116123456A", a title): helps people find the row
    label: str | None = None


class FileRefused(Exception):
    """The whole file is refused. ``code`` is stable (for tests and the API); the message is
    bilingual, as every error users see."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


class Reader(Protocol):
    """A reader for one family of formats."""

    name: str  # "csv", "xlsx", "json", "patent-xml", ...

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether this reader recognises the file (from its name and first bytes)."""

    def read(self, path: Path, *, record_type: str | None = None, display_name: str | None = None) -> Iterator[RawRecord]:
        """Records in file order. ``record_type`` is required by formats that do not say what
        they hold (CSV, XLSX, JSON); formats that do (patent XML) ignore it."""
