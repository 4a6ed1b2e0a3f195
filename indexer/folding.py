"""Character folding before tokenising: traditional Chinese to simplified, compatibility forms
to NFKC (電池 -> 电池, CO₂ -> CO2, ℃ -> °C), from ``mappings/analysis/zh_fold.txt``.

Elasticsearch applies that file as a ``mapping`` char filter (``indexer/catalog.py`` inlines its
rules into the analyzers' settings); the embedded engine's Python tokeniser applies it here. One
file, read by the same rule syntax, so both engines fold alike (``tests/conformance``'s analysis
parity test compares them). Offsets stay those of the original text, as the char filter's do,
so highlights mark the text as stored.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent.parent / "mappings" / "analysis" / "zh_fold.txt"

# Elasticsearch's MappingCharFilterFactory: "lhs => rhs", both sides trimmed and unescaped
_RULE = re.compile(r"(.*)\s*=>\s*(.*)\s*$")
_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def unescape(text: str) -> str:
    r"""A rule side as Elasticsearch reads it: ``\\``, ``\n`` ... and ``\uXXXX`` UTF-16 units."""
    units: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch == "\\":
            if i >= n:
                raise ValueError(f"invalid escaped char in [{text}]")
            ch = text[i]
            i += 1
            if ch == "u":
                if i + 4 > n:
                    raise ValueError(f"invalid escaped char in [{text}]")
                ch = chr(int(text[i : i + 4], 16))
                i += 4
            else:
                ch = _ESCAPES.get(ch, ch)
        units.append(ch)
    # surrogate pairs written as two \u escapes become one character
    return "".join(units).encode("utf-16", "surrogatepass").decode("utf-16")


def parse_rules(lines: list[str]) -> dict[str, str]:
    """``from => to`` lines (``#`` comments and blank lines skipped, as Elasticsearch's word
    lists skip them) as a dict. A repeated ``from`` is refused, as Lucene's builder refuses it."""
    table: dict[str, str] = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        m = _RULE.search(line.rstrip("\n"))
        if m is None:
            raise ValueError(f"invalid mapping rule: [{line}]")
        lhs, rhs = unescape(m.group(1).strip()), unescape(m.group(2).strip())
        if not lhs or lhs in table:
            raise ValueError(f"invalid mapping rule: [{line}]")
        table[lhs] = rhs
    return table


@cache
def rule_lines() -> tuple[str, ...]:
    """The file's rules as Elasticsearch's ``mappings`` setting takes them (comments dropped)."""
    text = RULES_FILE.read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def table() -> dict[int, str]:
    """The rules as a ``str.translate`` table."""
    rules = parse_rules(list(rule_lines()))
    if any(len(k) != 1 for k in rules):
        raise ValueError(f"{RULES_FILE.name}: only single-character rules are supported")
    return {ord(k): v for k, v in rules.items()}


class Translation:
    """``str.translate`` with offsets back into the original: a character may become several
    (℃ -> °C), and spans found in the result must still mark the original text."""

    def __init__(self, table: dict[int, str]):
        self.table = table
        longer = "".join(sorted(chr(k) for k, v in table.items() if len(v) != 1))
        self._longer = re.compile(f"[{re.escape(longer)}]") if longer else None

    def __call__(self, text: str) -> str:
        return text.translate(self.table)

    def with_offsets(self, text: str) -> tuple[str, list[int] | None]:
        """The result and, when its length differs, where each of its characters came from (a
        character that became several maps each to its own place, as Lucene's char filters
        correct offsets). ``None`` when every change was one character for one."""
        out = text.translate(self.table)
        if self._longer is None or self._longer.search(text) is None:
            return out, None
        origin: list[int] = []
        for i, ch in enumerate(text):
            origin.extend([i] * len(self.table.get(ord(ch), ch)))
        return out, origin


def fold(text: str) -> str:
    """The folded text (its length may differ: ℃ -> °C)."""
    return text.translate(table())


def original_span(origin: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    """A span of a translated text as a span of the original (``length``: the original's)."""
    if origin is None:
        return start, end
    first = origin[start] if start < len(origin) else length
    last = origin[end - 1] + 1 if 0 < end <= len(origin) else length
    return first, max(first, last)
