"""Query-time synonyms (issue 14): a word also finds its synonyms' records, ranked below the
records with the word itself, on both engines, without re-indexing.

The rules are ``mappings/analysis/synonyms.txt`` (kept in the repository, so every change is
versioned) and, after it, the file an administrator names in ``TT_SEARCH_SYNONYMS_FILE``::

    a, b, c        one another's synonyms
    a, b => c      a or b also finds c (an institution's old names and its new one)

Words are compared as the analyzers see them: folded (traditional characters, compatibility
forms) and lower-cased. The compilers expand each query word (``alternatives``); the monitor
treats a word and its synonyms as alternatives.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from . import folding

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "mappings" / "analysis" / "synonyms.txt"


def key(word: str) -> str:
    return folding.fold(word).strip().lower()


class Synonyms:
    """Each word's synonyms, in the order the rules give them."""

    def __init__(self, rules: Iterable[str] = ()):
        self._map: dict[str, list[str]] = {}
        for n, line in enumerate(rules, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "=>" in line:
                left, right = line.split("=>", 1)
                sources, targets = _words(left), _words(right)
                if not sources or not targets:
                    raise ValueError(f"synonym rule {n}: both sides of => need a word: {line!r}")
                for word in sources:
                    self._add(word, targets)
            else:
                group = _words(line)
                if len(group) < 2:
                    raise ValueError(f"synonym rule {n}: a group needs two words or more: {line!r}")
                for word in group:
                    self._add(word, group)

    def _add(self, word: str, others: list[str]) -> None:
        found = self._map.setdefault(key(word), [])
        for other in others:
            if key(other) != key(word) and other not in found:
                found.append(other)

    def alternatives(self, word: str) -> tuple[str, ...]:
        """The synonyms of a query word (not the word itself); none for most words."""
        return tuple(self._map.get(key(word), ()))

    def __len__(self) -> int:
        return len(self._map)

    @classmethod
    def from_files(cls, *paths: str | Path | None) -> "Synonyms":
        lines: list[str] = []
        for path in paths:
            if path:
                lines += Path(path).read_text(encoding="utf-8").splitlines()
        return cls(lines)


def _words(text: str) -> list[str]:
    words = [w.strip() for w in text.replace("，", ",").split(",")]
    if any(" " in w for w in words):
        raise ValueError(f"a synonym is one word (no spaces): {text!r}")
    return [w for w in words if w]


@cache
def load(extra_file: str | None = None) -> Synonyms:
    """The shipped rules, then an administrator's (``TT_SEARCH_SYNONYMS_FILE``)."""
    return Synonyms.from_files(DEFAULT_FILE, extra_file)
