"""Checks that keep a hostile or broken file from hurting the service, and the encoding
detection every text reader shares.

Limits (environment variables override the defaults):
* TT_INGEST_MAX_FILE_MB (200): larger files are refused before reading;
* TT_INGEST_MAX_LINE_KB (1024): a line longer than this is refused (a 100 MB single line);
* XLSX/ZIP (zip bombs), checked on the archive's directory before anything is unpacked:
  TT_INGEST_MAX_UNZIPPED_MB (500) for all members together, and for *each* member a
  compression ratio of at most TT_INGEST_MAX_ZIP_RATIO (200):1 once it unpacks to more than
  1 MB. Per member, because a whole-archive ratio is diluted by padding: a 200 MB sheet packed
  into 0.1 MB next to 1 MB of stored random bytes is 190:1 overall, 2000:1 on its own. The
  directory may lie about a member's size, but Python's zipfile never unpacks more than the
  declared size (and fails the CRC check when the member holds more), so these checks bound
  what is really unpacked; such a member makes the reader refuse the file (bad_zip);
* TT_INGEST_MAX_ROWS (300,000): data rows per file (all sheets of a workbook together). Large
  enough for a province-wide backlog (ten years of Jilin's granted patents is in the low
  hundreds of thousands; Excel itself stops at 1,048,576 rows per sheet), small enough that a
  padded or generated junk file is refused before it occupies a worker for long. CSV and JSON
  files are counted before any record is read; XLSX sheets by their declared dimension, and a
  sheet without one (or with a wrong one) is stopped when it passes the limit;
* XML: no DTD loading, no network, no entity declarations (billion laughs, external entities).
"""
from __future__ import annotations

import codecs
import html.entities
import os
import re
import zipfile
from pathlib import Path

from .readers.base import FileRefused

MB = 1024 * 1024


def _limit(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def max_file_bytes() -> int:
    return _limit("TT_INGEST_MAX_FILE_MB", 200) * MB


def max_line_bytes() -> int:
    return _limit("TT_INGEST_MAX_LINE_KB", 1024) * 1024


def max_unzipped_bytes() -> int:
    return _limit("TT_INGEST_MAX_UNZIPPED_MB", 500) * MB


def max_compression_ratio() -> int:
    return _limit("TT_INGEST_MAX_ZIP_RATIO", MAX_COMPRESSION_RATIO)


def max_rows() -> int:
    return _limit("TT_INGEST_MAX_ROWS", 300_000)


MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = MB  # smaller members cannot hurt, whatever their ratio (a sheet of empty styled cells)

_MAGIC = {
    b"%PDF": "PDF",
    b"MZ": "Windows executable",
    b"\x7fELF": "ELF executable",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\xd0\xcf\x11\xe0": "legacy Office (.xls/.doc) file",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7-Zip archive",
    b"\x1f\x8b": "gzip archive",
}


def check_size(path: Path) -> int:
    size = path.stat().st_size
    if size == 0:
        raise FileRefused("empty_file", "文件为空", "the file is empty")
    if size > max_file_bytes():
        mb = max_file_bytes() // MB
        raise FileRefused("file_too_large", f"文件超过 {mb} MB", f"the file is larger than {mb} MB")
    return size


def refuse_binary(head: bytes, expected: str) -> None:
    """Refuse files whose first bytes say they are something else entirely."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise FileRefused("unsupported_type", f"不支持的文件类型：{what}，应为{expected}", f"unsupported file type: {what}; expected {expected}")
    if head.startswith(b"PK\x03\x04") and expected != "XLSX":
        raise FileRefused("unsupported_type", f"这是压缩文件（ZIP/XLSX），应为{expected}", f"this is a ZIP/XLSX file; expected {expected}")
    if expected != "XLSX" and b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused("not_text", "文件不是文本文件", "the file is not a text file")


def _zip_bomb(zh: str, en: str) -> FileRefused:
    return FileRefused("zip_bomb", f"{zh}（疑似压缩炸弹），已拒绝", f"{en} (a zip bomb?); refused")


def check_zip(path: Path) -> None:
    """XLSX files are ZIP archives: refuse archives that expand far beyond their size, as a
    whole or in any one member (see the module's notes on padding)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise FileRefused("bad_zip", "文件已损坏，无法作为XLSX读取", "the file is damaged and cannot be read as XLSX") from exc
    if len(infos) > 10_000:
        raise FileRefused("zip_bomb", "压缩包内文件过多", "the archive holds too many files")
    limit, ratio = max_unzipped_bytes(), max_compression_ratio()
    for info in infos:
        if info.file_size > limit:
            raise _zip_bomb(f"压缩包内“{info.filename}”解压后超过 {limit // MB} MB", f"{info.filename!r} unpacks to more than {limit // MB} MB")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size / max(info.compress_size, 1) > ratio:
            found = info.file_size // max(info.compress_size, 1)
            raise _zip_bomb(f"压缩包内“{info.filename}”的压缩比异常（{found}:1，上限 {ratio}:1）",
                            f"{info.filename!r} has an abnormal compression ratio ({found}:1, at most {ratio}:1)")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limit:
        raise _zip_bomb(f"解压后总大小超过 {limit // MB} MB", f"the archive unpacks to more than {limit // MB} MB")
    if total / packed > ratio:
        raise _zip_bomb("压缩比异常", "abnormal compression ratio")


def too_many_rows(limit: int, found: str = "") -> FileRefused:
    """The refusal of a file with more data rows than TT_INGEST_MAX_ROWS; ``found`` says what
    was counted ("sheet 科技成果 declares 1,000,000 rows"), as a (zh, en) pair joined by " / "."""
    fzh, _, fen = found.partition(" / ")
    zh = f"数据行超过 {limit:,} 行的上限" + (f"（{fzh}）" if fzh else "") + "，请拆分为多个文件后导入"
    en = f"the file has more than {limit:,} data rows" + (f" ({fen})" if fen else "") + "; split it into several files"
    return FileRefused("too_many_rows", zh, en)


class RowBudget:
    """The data rows one file may still hold under TT_INGEST_MAX_ROWS: ``check`` refuses up
    front what a file says it holds, ``take`` counts rows as they are read and refuses the
    file the moment it passes the limit (so a junk file never streams to its end)."""

    def __init__(self, limit: int | None = None):
        self.limit = max_rows() if limit is None else limit
        self.used = 0

    def check(self, count: int, found: str = "") -> None:
        if self.used + count > self.limit:
            raise too_many_rows(self.limit, found)

    def take(self, count: int = 1) -> None:
        self.used += count
        if self.used > self.limit:
            raise too_many_rows(self.limit)


def check_lines(path: Path) -> int:
    """Refuse a text file with a line longer than the limit, reading in blocks (a 100 MB
    single line is never held in memory). Returns the number of CR and LF bytes: one more
    is an upper bound on the rows (a CRLF counts twice), for a cheap first test against the
    row limit."""
    limit = max_line_bytes()
    run = 0
    breaks = 0
    with open(path, "rb") as fh:
        while block := fh.read(MB):
            breaks += block.count(b"\n") + block.count(b"\r")
            start = 0
            while (nl := block.find(b"\n", start)) >= 0:
                if run + nl - start > limit:
                    break
                run, start = 0, nl + 1
            else:
                run += len(block) - start
                if run <= limit:
                    continue
            kb = limit // 1024
            raise FileRefused("line_too_long", f"存在超过 {kb} KB 的单行，文件可能不是表格数据", f"a line is longer than {kb} KB; this does not look like tabular data")
    return breaks


def detect_encoding(path: Path, sample_bytes: int = 4 * MB) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030 (a superset of GBK and
    GB2312, what Chinese Excel saves as "CSV"), decided from the bytes, never assumed."""
    with open(path, "rb") as fh:
        data = fh.read(sample_bytes)
        truncated = bool(fh.read(1))
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            decoder.decode(data, final=not truncated)  # a character cut at the sample's end is fine
            return encoding
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return best.encoding
    except ImportError:  # pragma: no cover - charset_normalizer is a dependency
        pass
    raise FileRefused("unknown_encoding", "无法识别文件编码（应为UTF-8或GBK/GB18030）", "cannot tell the file's encoding (expected UTF-8 or GBK/GB18030)")


# -- XML ---------------------------------------------------------------------------------------

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def refuse_entity_declarations(head: bytes) -> None:
    """Entity declarations are how XML bombs and external-entity (XXE) attacks work; patent
    data never needs them inline, so a document that declares any is refused."""
    if _ENTITY_DECL.search(head):
        raise FileRefused("xml_entities", "XML中含有实体声明（可能是XML炸弹或外部实体攻击），已拒绝", "the XML declares entities (an XML bomb or external-entity attack?); refused")


def replace_named_entities(text: str) -> str:
    """USPTO and EPO files use HTML entities (&lsquo;, &mdash;) defined in DTDs we do not
    load; replace the standard HTML ones by their characters and drop unknown ones."""

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in _XML_PREDEFINED:
            return m.group(0)
        char = html.entities.html5.get(name + ";")
        return char if char is not None else ""

    return _NAMED.sub(sub, text)


def xml_parser():
    """An lxml parser that never loads a DTD, never touches the network, never expands
    entities and refuses gigantic trees."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_blank_text=False)
