"""What an uploaded file really is, judged by its content and never by its name, and the
refusal of everything but PDF, PNG/JPEG/GIF/WebP images and Word/Excel/PowerPoint files.

* PDF and images: their signature at offset 0.
* Office 2007+ (docx/xlsx/pptx): a zip whose ``[Content_Types].xml`` declares the document's
  main part (``word/``, ``xl/`` or ``ppt/``), and that part is there. Only the zip's directory
  and that one small part are read, and the directory is checked for zip bombs first (as
  ``ingest/safety.py`` does for imports: per member, since padding dilutes a whole-archive
  ratio). Macro-enabled files are refused.
* Office 97-2003 (doc/xls/ppt): an OLE2 compound file holding the application's main stream
  (``cfb.py``); other compound files (installers, encrypted packages) are refused.

Everything else is refused with a stable code and a reason in Chinese and English: web pages,
SVG and XML (they can carry scripts), programs, archives, damaged files. Pure functions over a
file on disk; no Flask."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import cfb

MB = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    kind: str
    media_type: str
    extension: str  # what a download is named with, whatever the upload was called

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


TYPES = {t.kind: t for t in (
    FileType("pdf", "application/pdf", "pdf"),
    FileType("png", "image/png", "png"),
    FileType("jpeg", "image/jpeg", "jpg"),
    FileType("gif", "image/gif", "gif"),
    FileType("webp", "image/webp", "webp"),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    FileType("doc", "application/msword", "doc"),
    FileType("xls", "application/vnd.ms-excel", "xls"),
    FileType("ppt", "application/vnd.ms-powerpoint", "ppt"),
)}
ACCEPTED_ZH = "PDF、图片（PNG、JPEG、GIF、WebP）或 Word、Excel、PowerPoint 文件"
ACCEPTED_EN = "PDF, an image (PNG, JPEG, GIF, WebP) or a Word, Excel or PowerPoint file"


class FileRefused(ValueError):
    """A file the platform does not keep: ``code`` is stable (for programs), the message is
    for people, in Chinese and English."""

    def __init__(self, code: str, zh: str, en: str, status: int = 415):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en, self.status = code, zh, en, status


@dataclass(frozen=True)
class ZipLimits:
    max_unzipped: int = 200 * MB  # all members together
    max_ratio: int = 200  # per member, once it unpacks to more than ratio_floor
    ratio_floor: int = MB
    max_members: int = 10_000


def _refuse(code: str, zh: str, en: str) -> FileRefused:
    return FileRefused(code, f"{zh}；请上传{ACCEPTED_ZH}", f"{en}; upload {ACCEPTED_EN}")


# -- the types we keep -----------------------------------------------------------------------------

def _signature(head: bytes) -> FileType | None:
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpeg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return TYPES["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    return None


OOXML_MAIN = {  # the main part's content type -> (kind, the folder it lives in)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ("docx", "word/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ("xlsx", "xl/"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": ("pptx", "ppt/"),
}
MACRO_MAIN = ("application/vnd.ms-word.document.macroEnabled.main+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
              "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml")
CONTENT_TYPES = "[Content_Types].xml"
MAX_CONTENT_TYPES = MB  # a real one is a few kB
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b([^>]*)>")
_ATTR = re.compile(rb"""(PartName|ContentType)\s*=\s*["']([^"']*)["']""")


def _check_zip_bomb(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    def bomb(zh: str, en: str) -> FileRefused:
        return FileRefused("zip_bomb", f"{zh}（疑似压缩炸弹），已拒绝", f"{en} (a zip bomb?); refused")

    if len(infos) > limits.max_members:
        raise bomb("压缩包内文件过多", "the file holds too many parts")
    for info in infos:
        if info.file_size > limits.max_unzipped:
            raise bomb(f"“{info.filename}”解压后超过 {limits.max_unzipped // MB} MB",
                       f"{info.filename!r} unpacks to more than {limits.max_unzipped // MB} MB")
        if info.file_size > limits.ratio_floor and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            raise bomb(f"“{info.filename}”的压缩比异常", f"{info.filename!r} has an abnormal compression ratio")
    if sum(i.file_size for i in infos) > limits.max_unzipped:
        raise bomb(f"解压后总大小超过 {limits.max_unzipped // MB} MB", f"the file unpacks to more than {limits.max_unzipped // MB} MB")


def _ooxml(path: Path, limits: ZipLimits) -> FileType:
    not_office = _refuse("archive", "这是压缩包，不是 Word、Excel 或 PowerPoint 文件", "this is an archive, not a Word, Excel or PowerPoint file")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_zip_bomb(infos, limits)
            by_name = {i.filename: i for i in infos}
            types = by_name.get(CONTENT_TYPES)
            if types is None:
                raise not_office
            if types.file_size > MAX_CONTENT_TYPES or types.flag_bits & 0x1:
                raise _refuse("damaged_file", "文件已损坏", "the file is damaged")
            declared = zf.read(types)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError, ValueError) as exc:
        raise _refuse("damaged_file", "文件已损坏，无法读取", "the file is damaged and cannot be read") from exc
    if any(name.lower().endswith("vbaproject.bin") for name in by_name):
        raise _refuse("macro", "不接受含宏的 Office 文件", "Office files with macros are not accepted")
    for attrs in _OVERRIDE.findall(declared):
        values = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(attrs)}
        content_type, part = values.get("ContentType", ""), values.get("PartName", "").lstrip("/")
        if content_type in MACRO_MAIN:
            raise _refuse("macro", "不接受含宏的 Office 文件", "Office files with macros are not accepted")
        if content_type in OOXML_MAIN:
            kind, folder = OOXML_MAIN[content_type]
            if part.startswith(folder) and part in by_name:
                return TYPES[kind]
            raise _refuse("damaged_file", "Office 文件缺少主体内容，已损坏", "the Office file lacks its main part; it is damaged")
    raise not_office


OLE2_STREAMS = (("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"), ("PowerPoint Document", "ppt"))


def _ole2(path: Path) -> FileType:
    try:
        with path.open("rb") as fh:
            names = cfb.entry_names(fh, path.stat().st_size)
    except cfb.NotCompoundFile as exc:
        raise _refuse("damaged_file", "文件已损坏，无法读取", "the file is damaged and cannot be read") from exc
    if "EncryptedPackage" in names:
        raise _refuse("encrypted", "不接受加密（设有打开密码）的 Office 文件", "password-protected Office files are not accepted")
    for stream, kind in OLE2_STREAMS:
        if stream in names:
            return TYPES[kind]
    raise _refuse("unsupported_type", "这不是 Word、Excel 或 PowerPoint 文件（可能是安装程序）",
                  "this is not a Word, Excel or PowerPoint file (an installer?)")


# -- what we refuse, named so the reason helps ------------------------------------------------------

EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
              b"\xca\xfe\xba\xbe", b"\x00asm", b"#!", b"dex\n")
ARCHIVE = (b"PK\x05\x06", b"PK\x07\x08", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00",
           b"\x28\xb5\x2f\xfd", b"MSCF", b"\x60\xea")
MARKUP = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\s\x00]*<")


def _named_refusal(head: bytes) -> FileRefused:
    if head.startswith(EXECUTABLE):
        return _refuse("executable", "不接受程序或脚本文件", "programs and scripts are not accepted")
    if head.startswith(ARCHIVE) or head[257:262] == b"ustar":
        return _refuse("archive", "不接受压缩包", "archives are not accepted")
    if MARKUP.match(head) or b"<script" in head.lower() or b"<svg" in head.lower():
        return _refuse("active_content", "不接受网页、SVG 或 XML 文件（可能含有脚本）",
                       "web pages, SVG and XML files are not accepted (they can carry scripts)")
    return _refuse("unsupported_type", "不支持的文件类型", "unsupported file type")


def detect(path: Path, limits: ZipLimits = ZipLimits()) -> FileType:
    """The type of the file at ``path``, or FileRefused."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise FileRefused("empty_file", "文件为空", "the file is empty", status=422)
    found = _signature(head)
    if found is not None:
        return found
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(path, limits)
    if head.startswith(cfb.SIGNATURE):
        return _ole2(path)
    raise _named_refusal(head)


__all__ = ["FileType", "FileRefused", "ZipLimits", "TYPES", "detect"]
