"""Snippets for the embedded engine, computed on the original text.

FTS5's own snippet() would show our stored bigram tokens, not the text people wrote, so we
re-tokenise the original with the same analyzer (which keeps offsets), mark the tokens the
query asked for, merge overlapping marks (bigrams overlap), pick the window with the most
marks, and HTML-escape everything except the marks."""
from __future__ import annotations

import html
import re

from .. import analysis

_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def _spans(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    spans = analysis.find_terms(text, wanted)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    if len(text) <= size:
        return 0, len(text)
    best_start, best_count = spans[0][0], 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, e in spans[i:] if e <= start + size)
        if count > best_count:
            best_start, best_count = start, count
    # begin at a sentence start shortly before the first mark, as a reader would quote it
    lead = max(0, best_start - size // 4)
    boundary = None
    for m in _SENTENCE_END.finditer(text, lead, best_start):
        boundary = m.end()
    start = boundary if boundary is not None else lead
    start = min(start, best_start)
    end = min(len(text), start + size)
    if end - start < size:
        start = max(0, end - size)
    return start, end


def fragment(text: str, wanted: set[str], *, size: int, pre: str, post: str) -> tuple[int, str] | None:
    """(number of marks, snippet) or None when nothing in ``text`` matches."""
    spans = _spans(text, wanted)
    if not spans:
        return None
    start, end = _window(text, spans, size)
    out, pos, marks = [], start, 0
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append(pre + html.escape(text[s:e]) + post)
        pos, marks = e, marks + 1
    out.append(html.escape(text[pos:end]))
    return marks, "".join(out).strip()


def highlight_value(value, wanted: set[str], *, size: int, count: int, pre: str, post: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    frags = []
    for v in values:
        if not isinstance(v, str) or not v:
            continue
        got = fragment(v, wanted, size=size, pre=pre, post=post)
        if got:
            frags.append(got)
    frags.sort(key=lambda f: -f[0])  # best first, as ES orders fragments by score
    return [f for _, f in frags[: max(count, 1)]]
