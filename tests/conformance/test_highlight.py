"""Highlighted snippets: the matched words are marked, everything else is HTML-escaped text
taken from the original field."""
from __future__ import annotations

import html
import re

from indexer import Highlight, Phrase, Text

from . import corpus
from .helpers import marked, plain, search

HL = Highlight()


def hit(result, doc_id):
    return next(h for h in result.hits if h.id == doc_id)


def original(doc_id: str, field: str) -> str:
    return next(d for d in corpus.ACHIEVEMENTS if d["id"] == doc_id)[field]


def test_chinese_word_is_marked_in_title_and_summary(backend):
    h = hit(search(backend, Text("电池"), highlight=HL), "ach-1")
    assert marked(h.highlights["title"][0]) == ["电池"]
    assert "电池" in marked(h.highlights["summary"][0])
    assert plain(h.highlights["title"][0]) == original("ach-1", "title")


def test_a_longer_word_is_marked_as_one_span(backend):
    h = hit(search(backend, Text("正极材料"), highlight=HL), "ach-1")
    assert "正极材料" in marked(h.highlights["title"][0])


def test_stemmed_english_words_are_marked_as_written(backend):
    h = hit(search(backend, Text("battery"), highlight=HL), "ach-5")
    assert marked(h.highlights["title"][0]) == ["battery"]
    assert "batteries" in marked(h.highlights["summary"][0])


def test_phrase_is_marked(backend):
    h = hit(search(backend, Phrase("cycling stability"), highlight=HL), "ach-5")
    assert " ".join(marked(h.highlights["summary"][0])) in ("cycling stability", "cycling stability")


def test_snippets_escape_markup_from_the_record(backend):
    h = hit(search(backend, Text("电池"), highlight=HL), "ach-14")
    for fragments in h.highlights.values():
        for frag in fragments:
            without_marks = re.sub(r"</?mark>", "", frag)
            assert "<" not in without_marks and ">" not in without_marks
    title = h.highlights["title"][0]
    assert "&lt;b&gt;" in title and "&amp;" in title
    assert html.unescape(plain(title)) == original("ach-14", "title")
    summary = h.highlights["summary"][0]
    assert "&lt;script&gt;" in summary and "<script>" not in summary


def test_fields_without_a_match_have_no_snippet(backend):
    h = hit(search(backend, Text("梅花鹿"), highlight=HL), "ach-7")
    assert "title_en" not in h.highlights


def test_long_fields_are_cut_to_a_fragment_around_the_match(backend):
    h = hit(search(backend, Text("循环寿命"), highlight=Highlight(fragment_size=20)), "ach-1")
    frag = h.highlights["summary"][0]
    assert "循环寿命" in "".join(marked(frag))
    assert len(plain(frag)) < len(original("ach-1", "summary"))


def test_custom_marks(backend):
    h = hit(search(backend, Text("玉米"), highlight=Highlight(pre='<em class="hl">', post="</em>")), "ach-3")
    assert '<em class="hl">玉米</em>' in h.highlights["title"][0]


def test_no_highlight_unless_asked(backend):
    h = hit(search(backend, Text("玉米")), "ach-3")
    assert h.highlights == {}
