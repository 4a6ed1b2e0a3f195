"""Attachments are judged by their content, never their name: what is kept (PDF, images, Office
files old and new), what is refused and with which stable code (web pages, SVG, programs,
archives, zip bombs, macros, encrypted or damaged files), and the storage that counts as it
writes."""
from __future__ import annotations

import io
import os
import struct

import pytest

from tests import filesamples as s
from web.services import cfb
from web.services.attachment_store import FileStore
from web.services.filetypes import MB, FileRefused, ZipLimits, detect


def write(tmp_path, data: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, name, kind, media_type", [
    (s.PDF, "报告.pdf", "pdf", "application/pdf"),
    (s.PNG, "photo.png", "png", "image/png"),
    (s.JPEG, "photo.jpg", "jpeg", "image/jpeg"),
    (s.GIF, "anim.gif", "gif", "image/gif"),
    (s.WEBP, "photo.webp", "webp", "image/webp"),
    (s.ooxml("docx"), "申报书.docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (s.ooxml("xlsx"), "data.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (s.ooxml("pptx"), "slides.pptx", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (s.DOC, "old.doc", "doc", "application/msword"),
    (s.XLS, "old.xls", "xls", "application/vnd.ms-excel"),
    (s.PPT, "old.ppt", "ppt", "application/vnd.ms-powerpoint"),
    (s.PDF, "looks-like-a.docx", "pdf", "application/pdf"),  # the name does not matter, the content does
    (s.ooxml("xlsx"), "noname", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_accepted_types_are_found_from_the_content(tmp_path, data, name, kind, media_type):
    found = detect(write(tmp_path, data, name))
    assert (found.kind, found.media_type) == (kind, media_type)


@pytest.mark.parametrize("data, name, code", [
    (s.HTML, "report.pdf", "active_content"),  # a web page renamed .pdf
    (s.SVG, "logo.png", "active_content"),
    (b"\xef\xbb\xbf  <html><body>hi</body></html>", "page.pdf", "active_content"),
    (b'<?xml version="1.0"?><root/>', "data.xml", "active_content"),
    (s.EXE, "申报书.docx", "executable"),  # a Windows program renamed .docx
    (s.ELF, "tool.pdf", "executable"),
    (b"#!/bin/sh\nrm -rf /\n", "run.doc", "executable"),
    (s.zip_of({"readme.txt": b"hello", "setup.exe": s.EXE}), "archive.docx", "archive"),  # a zip that is not OOXML
    (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 32, "a.xlsx", "archive"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 32, "a.pptx", "archive"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 32, "a.pdf", "archive"),
    (s.ooxml("docm"), "macro.docx", "macro"),
    (s.ooxml("docx", extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macro2.docx", "macro"),
    (s.ooxml("docx", with_main=False), "hollow.docx", "damaged_file"),
    (b"PK\x03\x04" + b"\x00" * 200, "broken.docx", "damaged_file"),
    (s.MSI, "installer.doc", "unsupported_type"),  # a compound file, but not Word, Excel or PowerPoint
    (s.ENCRYPTED, "secret.docx", "encrypted"),
    (s.DOC[:700], "truncated.doc", "damaged_file"),
    (b"just some text", "notes.pdf", "unsupported_type"),
    (b"", "empty.pdf", "empty_file"),
])
def test_refused_types_have_a_stable_code_and_a_reason_in_both_languages(tmp_path, data, name, code):
    with pytest.raises(FileRefused) as refused:
        detect(write(tmp_path, data, name))
    assert refused.value.code == code
    assert refused.value.zh and refused.value.en and refused.value.zh != refused.value.en
    assert str(refused.value) == f"{refused.value.zh} / {refused.value.en}"


def test_a_padded_ooxml_zip_bomb_is_refused_by_its_member_ratio(tmp_path):
    """60 MB of zeros packed into ~60 kB, padded with 2 MB of stored random bytes: the archive
    as a whole is about 30:1, the document part about 1000:1."""
    data = s.padded_zip_bomb(unpacked_mb=60, padding_mb=2)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    assert sum(i.file_size for i in infos) / sum(i.compress_size for i in infos) < 200  # whole-archive ratio looks fine
    with pytest.raises(FileRefused) as refused:
        detect(write(tmp_path, data, "bomb.docx"))
    assert refused.value.code == "zip_bomb" and "word/document.xml" in refused.value.en


def test_an_ooxml_file_unpacking_beyond_the_limit_is_refused(tmp_path):
    data = s.ooxml("xlsx", main=b"<workbook/>", extra={"xl/media/big.bin": os.urandom(3 * MB)})
    path = write(tmp_path, data, "big.xlsx")
    assert detect(path).kind == "xlsx"
    with pytest.raises(FileRefused) as refused:
        detect(path, ZipLimits(max_unzipped=2 * MB))
    assert refused.value.code == "zip_bomb"


def test_compound_file_directories_are_read_through_header_or_difat():
    assert {"WordDocument", "1Table"} <= cfb.entry_names(io.BytesIO(s.DOC), len(s.DOC))
    data = s.compound_file(["Workbook"], difat_sector=True)
    assert "Workbook" in cfb.entry_names(io.BytesIO(data), len(data))
    many = s.compound_file([f"Stream{i}" for i in range(9)] + ["PowerPoint Document"])  # three directory sectors
    assert "PowerPoint Document" in cfb.entry_names(io.BytesIO(many), len(many))


@pytest.mark.parametrize("damage", ["loop", "beyond_end", "bad_byte_order", "no_signature"])
def test_broken_compound_files_are_not_read_forever(damage):
    data = bytearray(s.compound_file(["WordDocument"] + [f"S{i}" for i in range(5)], directory_loop=damage == "loop"))
    if damage == "beyond_end":
        struct.pack_into("<I", data, 0x30, 4000)  # the directory "starts" past the end of the file
    elif damage == "bad_byte_order":
        struct.pack_into("<H", data, 0x1C, 0xFEFF)
    elif damage == "no_signature":
        data[0] = 0
    with pytest.raises(cfb.NotCompoundFile):
        cfb.entry_names(io.BytesIO(bytes(data)), len(data))


def test_the_store_counts_while_it_writes_and_keeps_nothing_it_refused(tmp_path):
    store = FileStore(tmp_path / "files")
    kept = store.receive(io.BytesIO(b"x" * 1000), max_bytes=1000)
    assert kept.size == 1000 and kept.path.read_bytes() == b"x" * 1000 and kept.path.parent == tmp_path / "files"
    assert kept.sha256 == __import__("hashlib").sha256(b"x" * 1000).hexdigest()
    with pytest.raises(FileRefused) as refused:
        store.receive(io.BytesIO(b"x" * 1001), max_bytes=1000)
    assert refused.value.code == "file_too_large" and refused.value.status == 413
    assert [p.name for p in (tmp_path / "files").iterdir()] == [kept.key]  # the refused file is gone
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    store.remove(kept.key)
    assert not kept.path.exists()
