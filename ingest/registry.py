"""Which reader handles a file: by the name the job asks for, else by sniffing."""
from __future__ import annotations

import csv
from pathlib import Path

from .readers.base import FileRefused, Reader

EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".xml": "patent-xml",
}


def readers() -> dict[str, Reader]:
    from .readers.jsonfile import JsonReader
    from .readers.patent_xml import PatentXmlReader
    from .readers.tabular import CsvReader, XlsxReader

    return {r.name: r for r in (XlsxReader(), JsonReader(), PatentXmlReader(), CsvReader())}


def reader_for(path: Path, name: str | None = None, display_name: str | None = None) -> Reader:
    """The reader named, or the first whose sniff recognises the file."""
    available = readers()
    if name:
        try:
            return available[name]
        except KeyError:
            raise FileRefused("unknown_reader", f"不支持的格式“{name}”", f"unknown format {name!r}") from None
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    for reader in available.values():
        if reader.sniff(path, head):
            return reader
    shown = display_name or path.name
    suffix = Path(shown).suffix.lower()
    if suffix in EXTENSIONS:
        return available[EXTENSIONS[suffix]]
    raise FileRefused(
        "unsupported_type",
        f"无法识别“{shown}”的格式（支持 CSV、XLSX、JSON、专利XML）",
        f"cannot tell the format of {shown!r} (CSV, XLSX, JSON and patent XML are supported)",
    )


def estimate_records(path: Path, reader: Reader) -> int | None:
    """A cheap estimate of how many records a file holds, for the progress bar."""
    try:
        if reader.name == "csv":
            from .safety import detect_encoding

            # rows, not lines: cells may hold line breaks (innovations, addresses)
            with open(path, encoding=detect_encoding(path), errors="replace", newline="") as fh:
                return max(0, sum(1 for _ in csv.reader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")) - 1)
        if reader.name == "json" and path.suffix.lower() in (".jsonl", ".ndjson"):
            with open(path, "rb") as fh:
                return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        if reader.name == "xlsx":
            from openpyxl import load_workbook

            from .safety import check_zip

            check_zip(path)  # never let openpyxl expand a zip bomb, even to count rows

            wb = load_workbook(path, read_only=True)
            try:
                return sum(max(0, (ws.max_row or 1) - 1) for ws in wb.worksheets)
            finally:
                wb.close()
        if reader.name == "patent-xml":
            with open(path, "rb") as fh:
                data = fh.read()
            return max(1, data.count(b"<?xml"))
    except Exception:  # noqa: BLE001 - only an estimate (the progress bar shows no total); the reader refuses a bad file with its reason
        return None
    return None
