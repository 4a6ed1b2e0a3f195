"""Traditional and simplified Chinese are one, and compatibility forms are their plain letters
and digits (issue 14, requirement 1): a query in either script or form finds what its other
form finds, and highlights mark the text as stored."""
from __future__ import annotations

import pytest

from indexer import Highlight, IndexDoc, SuggestRequest, Text

from .conftest import holding
from .helpers import found as found_ids
from .helpers import marked, plain, search


def _doc(n: int, title: str, summary: str = "", keywords: tuple[str, ...] = ()) -> IndexDoc:
    source = {"id": f"fold-{n}", "record_type": "achievement", "status": "published", "title": title, "summary": summary,
              "keywords": list(keywords), "suggest": [{"input": [title], "weight": 10}]}
    return IndexDoc(source["id"], 1, source)


DOCS = [
    _doc(1, "锂离子电池正极材料", "简体中文写成的成果，电池能量密度高。", ("锂离子电池",)),
    _doc(2, "鋰離子電池隔膜技術", "以繁體中文登記的成果：電池隔膜。", ("鋰離子電池",)),
    _doc(3, "CO2 捕集与封存技术", "燃煤电厂烟气中 CO2 的捕集。"),
    _doc(4, "CO₂ 矿化利用新工艺", "以钢渣矿化 CO₂，产物用于建材。"),
    _doc(5, "耐低温锂电池", "在 −40℃ 环境下容量保持 80%，用于寒区。"),
    _doc(6, "吉林大学玉米育种成果", "吉林大学选育的玉米品种。"),
    _doc(7, "吉林大學人工智能實驗室", "繁體記錄的吉林大學成果。"),
]


@pytest.fixture(scope="module")
def forms(engine, request, tmp_path_factory):
    with holding(engine, request, tmp_path_factory, DOCS) as backend:
        yield backend


def found(backend, text: str) -> set[str]:
    return set(found_ids(backend, text, size=50))


@pytest.mark.parametrize("traditional, simplified, expected", [
    ("電池", "电池", {"fold-1", "fold-2", "fold-5"}),
    ("鋰離子電池", "锂离子电池", {"fold-1", "fold-2", "fold-5"}),  # fold-5 through the synonym 锂电池
    ("吉林大學", "吉林大学", {"fold-6", "fold-7"}),
])
def test_a_traditional_query_finds_what_its_simplified_form_finds(forms, traditional, simplified, expected):
    assert found(forms, traditional) == found(forms, simplified) == expected


def test_the_highlight_marks_the_traditional_text_as_stored(forms):
    hit = next(h for h in search(forms, Text("锂离子电池"), highlight=Highlight()).hits if h.id == "fold-2")
    assert plain(hit.highlights["title"][0]) == "鋰離子電池隔膜技術"
    assert "".join(marked(hit.highlights["title"][0])) == "鋰離子電池"


@pytest.mark.parametrize("query", ["CO2", "CO₂", "co2", "ＣＯ２"])
def test_subscript_digits_are_digits(forms, query):
    assert found(forms, query) == {"fold-3", "fold-4"}


def test_the_highlight_marks_the_subscript_as_stored(forms):
    hit = next(h for h in search(forms, Text("CO2"), highlight=Highlight()).hits if h.id == "fold-4")
    assert marked(hit.highlights["title"][0]) == ["CO₂"]


def test_a_unit_symbol_is_its_letters(forms):
    assert found(forms, "40℃") == found(forms, "40°C") == {"fold-5"}


def test_type_ahead_takes_either_script_and_offers_the_text_as_stored(forms):
    def offered(prefix: str) -> set[str]:
        return {s.text for s in forms.suggest(SuggestRequest(prefix, ("achievements",)))}

    assert offered("鋰離子") == offered("锂离子") == {"锂离子电池正极材料", "鋰離子電池隔膜技術"}
    assert offered("吉林大學") == offered("吉林大学") == {"吉林大学玉米育种成果", "吉林大學人工智能實驗室"}
