import pytest

from indexer import QueryError
from indexer.textquery import QuotedPhrase, Word, parse


def test_words_phrases_exclusions_and_or():
    p = parse('玉米 "抗旱 品种" -转基因 大豆 OR 高粱')
    assert p.groups == ((Word("玉米"),), (QuotedPhrase("抗旱 品种"),), (Word("大豆"), Word("高粱")))
    assert p.excluded == (Word("转基因", True),)


def test_unbalanced_quote_runs_to_the_end():
    assert parse('"石墨烯 导热').groups == ((QuotedPhrase("石墨烯 导热"),),)


def test_dangling_operators_are_ignored_or_text():
    assert parse("OR 电池 OR").groups == ((Word("电池"),),)
    assert parse("AND OR").groups == ((Word("AND"),),)


def test_control_characters_emoji_and_typographic_quotes():
    p = parse("\x00电池\u200b😀 “正极材料”")
    assert p.groups == ((Word("电池"),), (QuotedPhrase("正极材料"),))


def test_limits():
    with pytest.raises(QueryError) as e:
        parse("x" * 300)
    assert e.value.code == "query_too_long"
    with pytest.raises(QueryError):
        parse(" ".join(["a"] * 33))


def test_empty():
    assert parse("   ").is_empty
