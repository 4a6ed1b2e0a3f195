"""Hand-built XLSX files for the reader's limits: worksheet parts written directly (with or
without a <dimension>), and the padded zip bomb of the hardening issue."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import openpyxl


def sheet_xml(rows: int, dimension: bool = True) -> bytes:
    """A worksheet part holding ``rows`` rows of two inline-string cells, as a generator of
    junk workbooks would write it."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    dim = f'<dimension ref="A1:B{rows}"/>' if dimension else ""
    body = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>成果{r}</t></is></c>'
                   f'<c r="B{r}" t="inlineStr"><is><t>吉林大学</t></is></c></row>' for r in range(2, rows + 1))
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>成果名称</t></is></c><c r="B1" t="inlineStr"><is><t>完成单位</t></is></c></row>'
    return (head + dim + "<sheetData>" + header + body + "</sheetData></worksheet>").encode()


def workbook_with(path: Path, sheet: bytes | None = None, extra: dict[str, tuple[bytes, int]] | None = None) -> Path:
    """A real workbook (openpyxl) whose first sheet part is replaced by ``sheet``; ``extra``
    members are added as (data, compression)."""
    wb = openpyxl.Workbook()
    wb.active.append(["成果名称", "完成单位"])
    wb.active.append(["甲", "吉林大学"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if sheet is not None and info.filename == "xl/worksheets/sheet1.xml":
                data = sheet
            out.writestr(info.filename, data)
        for name, (data, compression) in (extra or {}).items():
            out.writestr(name, data, compress_type=compression)
    return path


def padded_bomb(path: Path) -> Path:
    """The shape of the attack, scaled down: one sheet member compressed far beyond 200:1
    (24 MB of rows into a few tens of KB) next to 256 KB of stored random bytes, so that the
    archive as a whole stays under 200:1."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    sheet = sheet_xml(2)[:-len(b"</sheetData></worksheet>")] + row * (24 * 1024 * 1024 // len(row)) + b"</sheetData></worksheet>"
    return workbook_with(path, sheet, {"xl/media/image1.png": (os.urandom(256 * 1024), zipfile.ZIP_STORED)})
