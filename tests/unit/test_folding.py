"""The character folding both engines share (``mappings/analysis/zh_fold.txt``)."""
from __future__ import annotations

import pytest

from devtools import fold_table
from indexer import folding, textquery
from indexer.catalog import Catalog

pytestmark = pytest.mark.unit


def test_the_committed_rules_are_what_opencc_and_unicodedata_give():
    """The file is generated, not hand-kept: a new OpenCC or Unicode version shows here."""
    assert folding.RULES_FILE.read_text(encoding="utf-8") == fold_table.render(), "run python -m devtools.fold_table"


@pytest.mark.parametrize("traditional, simplified", [
    ("電池", "电池"), ("鋰離子電池", "锂离子电池"), ("吉林大學", "吉林大学"), ("長春應用化學研究所", "长春应用化学研究所"),
    ("玉蜀黍", "玉蜀黍"), ("發明專利", "发明专利"),
])
def test_traditional_chinese_folds_to_simplified(traditional, simplified):
    assert folding.fold(traditional) == simplified


@pytest.mark.parametrize("compat, plain", [("CO₂", "CO2"), ("H₂O", "H2O"), ("m²", "m2"), ("20℃", "20°C"), ("ＬｉＤＡＲ", "LiDAR"), ("㎡", "m2"), ("ﬁ", "fi")])
def test_compatibility_forms_fold_as_nfkc(compat, plain):
    assert folding.fold(compat) == plain


def test_folding_twice_is_folding_once():
    """The site folds a query and the engine folds it again; the text was folded once."""
    assert all(folding.fold(to) == to for to in folding.table().values())


def test_rules_read_as_elasticsearch_reads_them():
    assert folding.parse_rules(["# a comment", "", r"\u00a0 => \u0020", "萬 => 万", r"\ud840\udc00 => x", r"a\\b => \t"]) == {
        "\u00a0": " ", "萬": "万", "\U00020000": "x", "a\\b": "\t"}
    with pytest.raises(ValueError):
        folding.parse_rules(["萬 => 万", "萬 => 萬"])  # Lucene's builder refuses a repeated key
    with pytest.raises(ValueError):
        folding.parse_rules(["no arrow"])


def test_the_catalog_inlines_the_rules_into_every_index():
    catalog = Catalog()
    for name in catalog.names():
        analysis = catalog.get(name).body["settings"]["analysis"]
        assert analysis["char_filter"]["zh_fold"]["mappings"] == list(folding.rule_lines())
        for analyzer in ("zh_en", "zh_en_search", "suggest_prefix"):
            assert analysis["analyzer"][analyzer]["char_filter"] == ["zh_fold"]


def test_a_symbol_that_stands_for_letters_survives_the_query_cleaning():
    assert textquery.clean("20℃ 面积 ㎡") == "20°C 面积 m2".replace("°", " ")
    assert textquery.clean("電池 😀") == "电池"
