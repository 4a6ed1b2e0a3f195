"""Small files of every type the attachment checks meet, made in memory: Office 2007+ zips with
or without their main part, Office 97-2003 compound files with any streams, zip bombs, and
files that only pretend to be something else."""
from __future__ import annotations

import io
import math
import os
import struct
import zipfile

FREE, END, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>\n'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57

MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def content_types(part: str, content_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    ).encode()


def zip_of(members: dict[str, bytes], stored: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ooxml(kind: str, main: bytes = b"<document/>", extra: dict[str, bytes] | None = None, with_main: bool = True) -> bytes:
    """A minimal Office 2007+ file of ``kind`` (docx, xlsx, pptx, or docm with a macro type)."""
    part, content_type = MAIN[kind]
    members = {"[Content_Types].xml": content_types(part, content_type),
               "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'}
    if with_main:
        members[part] = main
    members.update(extra or {})
    return zip_of(members)


def padded_zip_bomb(unpacked_mb: int = 60, padding_mb: int = 2) -> bytes:
    """A .docx whose document part unpacks to ``unpacked_mb`` of zeros (about 1000:1), padded
    with stored random bytes so that the archive as a whole looks harmless (under 200:1)."""
    part, content_type = MAIN["docx"]
    return zip_of({"[Content_Types].xml": content_types(part, content_type), part: b"\x00" * (unpacked_mb * 1024 * 1024),
                   "word/media/padding.bin": os.urandom(padding_mb * 1024 * 1024)}, stored=("word/media/padding.bin",))


def compound_file(streams: list[str], *, difat_sector: bool = False, directory_loop: bool = False) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) whose directory names ``streams``.
    ``difat_sector``: the FAT sector is listed in a DIFAT sector instead of the header;
    ``directory_loop``: the directory chain points back at itself."""
    entries = ["Root Entry", *streams]
    n_dir = math.ceil(len(entries) / 4)
    fat_at, dir_at = 0, list(range(1, 1 + n_dir))
    difat_at = 1 + n_dir if difat_sector else None
    fat = [FATSECT] + [s + 1 for s in dir_at[:-1]] + [dir_at[0] if directory_loop else END]
    if difat_at is not None:
        fat.append(DIFSECT)
    fat += [FREE] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, dir_at[0], 0, 4096, END, 0, difat_at if difat_at is not None else END,
                     1 if difat_at is not None else 0)
    difat = [FREE] * 109
    if difat_at is None:
        difat[0] = fat_at
    struct.pack_into("<109I", header, 0x4C, *difat)
    directory = bytearray(512 * n_dir)
    for i, name in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        offset = i * 128
        directory[offset: offset + len(raw)] = raw
        struct.pack_into("<HBB", directory, offset + 0x40, len(raw), 5 if i == 0 else 2, 1)
        struct.pack_into("<III", directory, offset + 0x44, NOSTREAM, NOSTREAM, 1 if i == 0 and len(entries) > 1 else NOSTREAM)
        struct.pack_into("<IQ", directory, offset + 0x74, END, 0)
    body = struct.pack("<128I", *fat) + bytes(directory)
    if difat_at is not None:
        body += struct.pack("<128I", fat_at, *([FREE] * 126), END)
    return bytes(header) + body


DOC = compound_file(["WordDocument", "1Table", "\x05SummaryInformation"])
XLS = compound_file(["Workbook", "\x05SummaryInformation"])
PPT = compound_file(["PowerPoint Document", "Current User"])
MSI = compound_file(["\u4840\u3f3f\u4577\u446c\u3b6a\u45e4", "\x05SummaryInformation"])  # an installer's streams
ENCRYPTED = compound_file(["EncryptionInfo", "EncryptedPackage"])  # a password-protected .docx
