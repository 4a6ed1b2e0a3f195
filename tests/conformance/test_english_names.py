"""English names (issue 14, requirement 3) as the engines see them: a record's English title,
its holders' English names (``holders_en``) and the English labels of its coded values
(``labels``) are searched, so an English query finds a Chinese record; the Chinese text still
ranks first for a Chinese query. (The site fills those fields: tests/integration/test_english_names.py.)"""
from __future__ import annotations

import pytest

from indexer import IndexDoc

from .conftest import holding
from .helpers import found


def _doc(n: int, title: str, **extra) -> IndexDoc:
    source = {"id": f"en-{n}", "record_type": "achievement", "status": "published", "title": title, **extra}
    return IndexDoc(source["id"], 1, source)


DOCS = [
    _doc(1, "锂电池回收示范线", holders=["吉林大学"], holders_en=["Jilin University"], labels=["New energy and energy saving", "Changchun"]),
    _doc(2, "玉米抗旱品种选育", title_en="Drought-tolerant maize breeding", holders=["吉林农业大学"],
         holders_en=["Jilin Agricultural University"], labels=["Modern agriculture", "Changchun"]),
    _doc(3, "长春新能源公交示范", holders=["长春理工大学"], labels=["Smart manufacturing", "Changchun"]),
]


@pytest.fixture(scope="module")
def names(engine, request, tmp_path_factory):
    with holding(engine, request, tmp_path_factory, DOCS) as backend:
        yield backend



def test_a_holders_english_name_finds_the_record(names):
    assert found(names, "Jilin University")[0] == "en-1"  # "Jilin Agricultural University" has both words too
    assert set(found(names, "Jilin University")) == {"en-1", "en-2"}
    assert found(names, '"Jilin Agricultural University"') == ["en-2"]


def test_an_english_label_finds_the_records(names):
    assert found(names, "new energy") == ["en-1"]
    assert found(names, "Modern agriculture") == ["en-2"]
    assert set(found(names, "Changchun")) == {"en-1", "en-2", "en-3"}


def test_an_english_title_finds_the_record(names):
    assert found(names, "maize breeding") == ["en-2"]


def test_chinese_words_still_match_the_chinese_text(names):
    assert found(names, "新能源") == ["en-3"]
