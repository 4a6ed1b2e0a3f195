"""Reading the PDFs the app makes, without a PDF library among the dependencies: WeasyPrint
compresses content, fonts and object streams with Flate, and embeds fonts as two-byte CID fonts
with a ToUnicode map, so inflating the streams and applying the maps finds the text drawn."""
from __future__ import annotations

import re
import zlib


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every Flate stream, inflated."""
    out = []
    for match in re.finditer(rb"(?<!end)stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end():match.end() + 4_000_000]))
        except zlib.error:
            continue
    return out


def pdf_texts(streams: list[bytes]) -> list[str]:
    """The text drawn, decoded with each embedded font's ToUnicode map in turn: the text set in
    that font reads right (regular and bold are two fonts, so a phrase is found in one of them)."""
    cmaps = []
    for s in streams:
        if b"beginbfchar" in s or b"beginbfrange" in s:
            pairs = re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", s.split(b"endcodespacerange", 1)[-1])
            cmaps.append({int(src, 16): bytes.fromhex(dst.decode()).decode("utf-16-be") for src, dst in pairs})
    codes = [int(h[i:i + 4], 16) for s in streams if b"TJ" in s
             for h in re.findall(rb"<([0-9a-fA-F]+)>", s) for i in range(0, len(h) - 3, 4)]
    return ["".join(cmap.get(c, "") for c in codes) for cmap in cmaps]
