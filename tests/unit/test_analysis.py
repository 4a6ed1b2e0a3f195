from indexer import analysis


def test_chinese_runs_become_bigrams_with_unigrams_at_index_time():
    assert analysis.terms("锂电池") == ["锂电", "电池"]
    assert analysis.terms("锂电池", unigrams=True) == ["锂电", "电池", "锂", "电", "池"]
    assert analysis.terms("钢") == ["钢"]


def test_bigrams_do_not_cross_spaces_or_latin():
    assert analysis.terms("吉林 大学") == ["吉林", "大学"]
    assert analysis.terms("5G通信") == ["5g", "通信"]


def test_english_words_are_lowercased_and_stemmed_like_lucene():
    assert analysis.terms("Batteries coated") == ["batteri", "coat"]
    assert analysis.terms("as is") == ["as", "is"]  # short words are not stemmed
    assert analysis.terms("3.5kg U.S.A don't 1,000 13.Oμm") == ["3.5kg", "u.s.a", "don't", "1,000", "13", "oμm"]


def test_full_width_is_folded_and_offsets_point_into_the_original():
    toks = analysis.tokens("ＡＢＣ 电池")
    assert [t.text for t in toks] == ["abc", "电池"]
    assert [(t.start, t.end) for t in toks] == [(0, 3), (4, 6)]


def test_index_text_keeps_bigram_phrases_contiguous():
    assert analysis.index_text("正极材料 A") == "正极 极材 材料 a 料"


def test_index_text_holds_each_character_once_as_a_bigram_start_or_a_runs_last():
    # a one-character query is a prefix (电*): it finds 电 in 锂电池 (电池) and in 锂电 (电)
    assert analysis.index_text("锂电池 锂电 钢") == "锂电 电池 锂电 钢 池 电"
    for text in ("锂离子电池正极材料", "吉林大学 化学学院", "玉米 A 米"):
        held = analysis.index_text(text).split()
        for ch in {c for c in text if analysis.is_one_cjk(c)}:
            assert any(t.startswith(ch) for t in held if not t.isascii()), (text, ch)


def test_one_cjk_character():
    assert analysis.is_one_cjk("电") and analysis.is_one_cjk("\U00020000") and analysis.is_one_cjk("カ")
    assert not analysis.is_one_cjk("电池") and not analysis.is_one_cjk("a") and not analysis.is_one_cjk("")


def test_symbols_make_no_terms():
    assert not analysis.has_terms("* \\ 😀 ☆")
    assert analysis.has_terms("电")


def test_traditional_chinese_and_compatibility_forms_fold_before_tokenising():
    assert analysis.terms("鋰離子電池") == analysis.terms("锂离子电池")
    assert analysis.terms("CO₂ 和 H₂O，10 m²，20℃") == analysis.terms("CO2 和 H2O，10 m2，20°C")
    assert analysis.terms("①") == ["1"]  # NFKC first: the char filter runs before the tokenizer


def test_offsets_point_into_the_original_when_a_character_folds_to_several():
    text = "在20℃下電池"
    toks = analysis.tokens(text)
    assert [(t.text, text[t.start:t.end]) for t in toks] == [("在", "在"), ("20", "20"), ("c", "℃"), ("下电", "下電"), ("电池", "電池")]
    assert analysis.find_terms(text, {"电池", "c"}) == [(3, 4), (5, 7)]


def test_find_terms_marks_what_tokenising_would_mark():
    text = "锂离子电池Batteries与电池管理，coated 电"
    wanted = {"电池", "离子", "batteri", "电", "coat"}
    covered = lambda spans: {i for start, end in spans for i in range(start, end)}  # noqa: E731
    expected = [(t.start, t.end) for t in analysis.tokens(text, unigrams=True) if t.text in wanted]
    found = analysis.find_terms(text, wanted)
    assert covered(found) == covered(expected)
    assert {s for s, _ in found} == {s for s, _ in expected}


def test_the_token_pattern_splits_like_its_lookahead_form():
    """The pattern tests "a word character that is not CJK" with one character class; the
    form it replaced said the same with a lookahead per character. Both must split any text
    alike (random strings over Latin, digits, the mid-word marks, CJK, kana, Hangul, full
    width, superscripts and fractions)."""
    import random
    import re

    cjk = analysis._CJK
    w = rf"(?:(?!{cjk})\w)"
    letter = rf"(?:(?!{cjk})[^\W\d_])"
    word = rf"{w}+(?:(?<={letter})[.'’:·](?={letter}){w}+|(?<=\d)[.'’,;⁄](?=\d){w}+)*"
    lookahead_form = re.compile(rf"(?P<cjk>{cjk}+)|(?P<word>(?=_*(?!{cjk})[^\W_]){word})")
    alphabet = [chr(c) for c in [*range(0x20, 0x250), *range(0x3000, 0x3100), *range(0x4E00, 0x4E20), *range(0xFF00, 0xFFA0),
                                 *range(0xAC00, 0xAC08), 0x20001, 0x2070, 0x2460, 0xBD, 0x2019, 0xB7, 0x2044]]
    rnd = random.Random(14)
    for _ in range(20000):
        text = analysis._normalise("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12))))
        assert [(m.span(), m.lastgroup) for m in analysis._TOKEN.finditer(text)] == \
            [(m.span(), m.lastgroup) for m in lookahead_form.finditer(text)], text


def test_index_text_is_the_same_for_remembered_and_long_values():
    short = "吉林大学 Jilin University"
    assert analysis.index_text(short) == analysis.index_text(short) == analysis._index_text(short)
    long = "锂离子电池正极材料 " * 40  # longer than what is remembered
    assert len(long) > analysis._REMEMBERED_LENGTH
    assert analysis.index_text(long) == " ".join(analysis.terms(long, unigrams=False) + ["料"] * 40)
    assert analysis.index_text("") == analysis.index_text(None) == ""
