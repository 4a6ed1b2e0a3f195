"""Query-time synonyms (issue 14, requirement 4): the rules file and how a word is looked up."""
from __future__ import annotations

import pytest

from indexer import synonyms
from indexer.catalog import Catalog
from indexer.synonyms import Synonyms

pytestmark = pytest.mark.unit


def test_the_shipped_rules_read():
    shipped = synonyms.load()
    assert len(shipped) > 50
    assert set(shipped.alternatives("锂电池")) == {"锂电", "锂离子电池"}
    assert "玉米" in shipped.alternatives("玉蜀黍")


def test_a_word_is_looked_up_as_the_engines_see_it():
    shipped = synonyms.load()
    assert shipped.alternatives("鋰電池") == shipped.alternatives("锂电池")  # traditional
    assert shipped.alternatives("ＬＥＤ") == shipped.alternatives("led") == ("发光二极管",)  # width and case
    assert shipped.alternatives("电池") == ()


def test_an_old_name_finds_the_new_one_not_the_reverse():
    shipped = synonyms.load()
    assert shipped.alternatives("吉林工业大学") == ("吉林大学",)
    assert "吉林工业大学" not in shipped.alternatives("吉林大学")


def test_an_administrators_file_is_read_after_the_shipped_one(tmp_path):
    extra = tmp_path / "more.txt"
    extra.write_text("# ours\n黑木耳, 木耳\n玉米, 棒子\n", encoding="utf-8")
    catalog = Catalog(synonyms_file=str(extra))
    assert catalog.synonyms.alternatives("木耳") == ("黑木耳",)
    assert "棒子" in catalog.synonyms.alternatives("玉米") and "玉蜀黍" in catalog.synonyms.alternatives("玉米")


@pytest.mark.parametrize("rule", ["锂电池", "a b, c", " => 吉林大学", "吉林工业大学 =>"])
def test_a_malformed_rule_is_refused_with_its_line(rule):
    with pytest.raises(ValueError, match="rule 1|one word"):
        Synonyms([rule])
