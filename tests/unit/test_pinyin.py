"""Pinyin for search (issue 14, requirement 2): Chinese text as syllables and initials at index
time, and a Latin query word read as pinyin."""
from __future__ import annotations

import pytest

from indexer import pinyin
from indexer.catalog import Catalog
from indexer.derived import derive, shown_for

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, read, initials", [
    ("吉林大学", "ji lin da xue", "j l d x"),
    ("锂离子电池", "li li zi dian chi", "l l z d c"),
    ("重庆银行", "chong qing yin hang", "c q y h"),  # polyphonic characters read from context
    ("长春应用化学研究所", "chang chun ying yong hua xue yan jiu suo", "c c y y h x y j s"),
    ("绿色 LiDAR 芯片", "lv se xin pian", "l s x p"),  # ü as v; Latin left out
    ("Graphene", "", ""),
])
def test_chinese_text_as_syllables_and_initials(text, read, initials):
    assert pinyin.of_text(text) == (read, initials)


@pytest.mark.parametrize("word, reading", [
    ("dianchi", ("syllables", ["dian", "chi"])),
    ("DianChi", ("syllables", ["dian", "chi"])),
    ("diànchí", ("syllables", ["dian", "chi"])),  # tone marks
    ("dian4chi2", ("syllables", ["dian", "chi"])),  # tone digits
    ("xi'an", ("syllables", ["xi", "an"])),
    ("xian", ("syllables", ["xian"])),  # the fewest syllables
    ("lvse", ("syllables", ["lv", "se"])),
    ("jldx", ("initials", ["j", "l", "d", "x"])),
    ("dc", ("initials", ["d", "c"])),
    ("电池", None), ("CO2", None), ("x", None),
    ("quiz", None),  # neither syllables nor initials (no syllable starts with u or i)
    ("graphene", None), ("battery", None),  # English words: more than one a, e or o
    ("led", ("initials", ["l", "e", "d"])),
])
def test_a_query_word_read_as_pinyin(word, reading):
    assert pinyin.read_query(word) == reading


def test_type_ahead_keys_and_what_they_show():
    assert pinyin.prefix_forms("电池") == ["dianchi", "dc"]
    assert pinyin.prefix_forms("LiDAR") == []
    source = {"suggest": [{"input": ["锂离子电池正极材料"], "weight": 10}, {"input": ["锂离子电池", "正极"], "weight": 5}]}
    assert shown_for("zhengji", source, "suggest") == ("正极", 5)
    assert shown_for("llzdczjcl", source, "suggest") == ("锂离子电池正极材料", 10)
    assert shown_for("nothing", source, "suggest") is None
    long = "吉林省" * 30
    assert len(pinyin.prefix_forms(long)[0]) == 100  # as a completion input keeps it
    assert shown_for(pinyin.prefix_forms(long)[0][:60], {"suggest": [{"input": [long], "weight": 1}]}, "suggest") == (long, 1)
    assert pinyin.is_key_prefix("dianc") and pinyin.is_key_prefix("JL") and not pinyin.is_key_prefix("电") and not pinyin.is_key_prefix("co2")


def test_derived_fields_follow_the_mapping():
    spec = Catalog().get("achievements")
    source = {"id": "a", "title": "吉林大学玉米", "keywords": ["玉米", "maize"], "holders": ["吉林大學"],
              "suggest": [{"input": ["吉林大学玉米"], "weight": 10}]}
    out = derive(spec, source)
    assert out["pinyin"] == ["ji lin da xue yu mi", "yu mi", "ji lin da xue"]
    assert out["pinyin_initials"] == ["j l d x y m", "y m", "j l d x"]
    assert out["suggest_pinyin"] == [{"input": ["jilindaxueyumi", "jldxym"], "weight": 10}]
    assert "pinyin" not in source  # the given document is left as it was
    assert "pinyin" in spec.body["mappings"]["_source"]["excludes"]


def _lazy_pinyin_reading(text: str) -> tuple[str, str]:
    """What ``of_text`` gave when it called ``lazy_pinyin`` on the whole text."""
    from pypinyin import Style, lazy_pinyin

    if not pinyin.has_han(text):
        return "", ""
    read = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore", v_to_u=False) if s]
    return " ".join(read), " ".join(s[0] for s in read)


POLYPHONES = ["重庆银行", "银行行长", "长春长白山", "朝阳区朝气", "音乐快乐", "绿色战略", "单于尉迟", "乐亭县", "蚌埠",
              "曾经的曾先生", "CRISPR/Cas9基因编辑", "ＡＢＣ中文def１２３", "〇", "㐀𠀀", "", "only latin", "吉林大學"]


def test_of_text_reads_as_lazy_pinyin_on_the_whole_text():
    """``of_text`` converts pypinyin's words one at a time (remembered): the same reading as
    ``lazy_pinyin`` on the whole text, polyphones read from their words included."""
    for text in POLYPHONES:
        assert pinyin.of_text(text) == _lazy_pinyin_reading(text), text


def test_of_text_reads_real_titles_and_abstracts_as_lazy_pinyin():
    from tests.shared_data import jsonl

    records = jsonl("csl-chinese-scientific-literature/csl_records.jsonl", limit=1500)
    texts = {v for r in records for v in r.values() if isinstance(v, str)}
    texts |= {k for r in records for v in r.values() if isinstance(v, list) for k in v if isinstance(k, str)}
    assert len(texts) > 3000
    pinyin.of_text.cache_clear()
    assert [t for t in texts if pinyin.of_text(t) != _lazy_pinyin_reading(t)] == []
