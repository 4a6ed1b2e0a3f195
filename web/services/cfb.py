"""The names inside a Compound File Binary (OLE2) file: what tells a Word 97-2003 document
from an Excel workbook, a PowerPoint deck, an installer (.msi) or an encrypted Office file,
which all begin with the same eight bytes ([MS-CFB]).

Only the directory is read: the header, the sector allocation table (FAT, found through the
header's and any further DIFAT sectors) and the chain of directory sectors. Every sector number
is checked against the file's size and every chain against loops, so a hostile file costs at
most one pass over its own sectors."""
from __future__ import annotations

import struct
from typing import BinaryIO

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_REGULAR_SECTOR = 0xFFFFFFFA
END_OF_CHAIN = 0xFFFFFFFE
FREE_SECTOR = 0xFFFFFFFF
DIFAT_IN_HEADER = 109
ENTRY_SIZE = 128


class NotCompoundFile(ValueError):
    """The file is damaged or not a compound file."""


def _sector_reader(fh: BinaryIO, size: int, shift: int):
    sector_size = 1 << shift
    count = max(0, size // sector_size - 1)  # sector 0 follows the 512-byte (v3) or 4096-byte (v4) header

    def read(number: int) -> bytes:
        if number >= count:
            raise NotCompoundFile(f"sector {number} lies beyond the end of the file")
        fh.seek((number + 1) << shift)
        data = fh.read(sector_size)
        if len(data) != sector_size:
            raise NotCompoundFile("the file ends inside a sector")
        return data

    return read, count


def _fat_sectors(header: bytes, read, count: int, ids_per_sector: int) -> list[int]:
    n_fat = struct.unpack_from("<I", header, 0x2C)[0]
    first_difat = struct.unpack_from("<I", header, 0x44)[0]
    if n_fat > count:
        raise NotCompoundFile("more allocation sectors than the file holds")
    sectors = [s for s in struct.unpack_from(f"<{DIFAT_IN_HEADER}I", header, 0x4C) if s <= MAX_REGULAR_SECTOR]
    seen: set[int] = set()
    current = first_difat
    while len(sectors) < n_fat and current <= MAX_REGULAR_SECTOR:
        if current in seen:
            raise NotCompoundFile("the DIFAT chain loops")
        seen.add(current)
        values = struct.unpack(f"<{ids_per_sector}I", read(current))
        sectors.extend(s for s in values[:-1] if s <= MAX_REGULAR_SECTOR)
        current = values[-1]
    return sectors[:n_fat]


def entry_names(fh: BinaryIO, size: int) -> set[str]:
    """The names of every storage and stream in the file (``WordDocument``, ``Workbook`` ...).
    NotCompoundFile for anything that is not a well-formed compound file."""
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512 or not header.startswith(SIGNATURE):
        raise NotCompoundFile("no compound-file signature")
    byte_order, shift = struct.unpack_from("<HH", header, 0x1C)
    if byte_order != 0xFFFE or shift not in (9, 12):
        raise NotCompoundFile("unknown byte order or sector size")
    read, count = _sector_reader(fh, size, shift)
    ids_per_sector = (1 << shift) // 4
    fat: list[int] = []
    for sector in _fat_sectors(header, read, count, ids_per_sector):
        fat.extend(struct.unpack(f"<{ids_per_sector}I", read(sector)))
    names: set[str] = set()
    current, seen = struct.unpack_from("<I", header, 0x30)[0], set()
    while current != END_OF_CHAIN:
        if current > MAX_REGULAR_SECTOR or current in seen or current >= len(fat):
            raise NotCompoundFile("the directory chain is broken")
        seen.add(current)
        data = read(current)
        for offset in range(0, len(data), ENTRY_SIZE):
            length, kind = struct.unpack_from("<HB", data, offset + 0x40)
            if kind in (1, 2, 5) and 2 <= length <= 64 and length % 2 == 0:
                names.add(data[offset: offset + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    if not names:
        raise NotCompoundFile("the directory is empty")
    return names
