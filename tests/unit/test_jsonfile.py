"""The JSON reader: one object, a list, JSON Lines; mixed types; locations; invalid JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.readers.base import FileRefused
from ingest.readers.jsonfile import JsonReader
from web.schemas import SCHEMAS

ACH = {"title": "耐低温锂电池电解液", "institutions": ["吉大"], "keywords": "电解液；锂电池", "price": {"amount": "50万"}}
PAT = {"record_type": "专利", "title": "一种碳纤维复合材料的制备方法", "application_no": "CN202310123456.7", "kind": "发明"}
INS = {"record_type": "instrument", "name": "场发射扫描电子显微镜", "institution": "吉林大学", "run_status": "正常"}


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(record) -> dict:
    return SCHEMAS[record.record_type][0]().load(record.data)


def test_list_with_mixed_types_and_locations(tmp_path):
    path = write(tmp_path, "mixed.json", json.dumps([ACH, PAT, INS], ensure_ascii=False, indent=2))
    records = list(JsonReader().read(path, record_type="achievement"))
    assert [r.record_type for r in records] == ["achievement", "patent", "instrument"]
    assert [r.location.element for r in records] == ["[0]", "[1]", "[2]"]
    lines = path.read_text().splitlines()
    assert [lines[r.location.line - 1].strip() for r in records] == ["{", "{", "{"]
    assert records[0].location.line == 2 and records[0].label == ACH["title"]
    assert records[1].label == "CN202310123456.7" and "record_type" not in records[1].data
    out = [load(r) for r in records]
    assert out[0]["institutions"] == ["吉林大学"] and out[0]["price"]["amount"] == 500000
    assert out[1]["application_no"] == "2023101234567" and out[2]["run_status"] == "normal"


def test_single_object(tmp_path):
    path = write(tmp_path, "one.json", json.dumps(ACH, ensure_ascii=False, indent=2))
    (record,) = JsonReader().read(path, record_type="achievement")
    assert record.location.line == 1 and record.location.element == "[0]" and record.data == ACH


@pytest.mark.parametrize("name", ["records.jsonl", "records.ndjson", "records.json"])
def test_json_lines(tmp_path, name):
    text = json.dumps(ACH, ensure_ascii=False) + "\n\n" + json.dumps(PAT, ensure_ascii=False) + "\r\n" + json.dumps(INS, ensure_ascii=False) + "\n"
    records = list(JsonReader().read(write(tmp_path, name, text)))
    assert [(r.location.line, r.location.element, r.record_type) for r in records] == [
        (1, None, "achievement"), (3, None, "patent"), (4, None, "instrument")]
    assert all(load(r) for r in records)


def test_json_in_gbk_and_with_bom(tmp_path):
    text = json.dumps([ACH], ensure_ascii=False)
    for enc in ("gb18030", "utf-8-sig", "utf-16"):
        (record,) = JsonReader().read(write(tmp_path, f"x-{enc}.json", text, enc), record_type="achievement")
        assert record.data == ACH


def test_type_detected_from_keys_and_defaults(tmp_path):
    path = write(tmp_path, "t.json", json.dumps([{"title": "A", "institutions": ["吉林大学"]}, {"name": "SEM", "model": "JSM"}]))
    a, b = JsonReader().read(path, defaults={"institution": "吉林大学"})
    assert a.record_type == "achievement" and "institution" not in a.data
    assert b.record_type == "instrument" and b.data["institution"] == "吉林大学"
    with pytest.raises(FileRefused) as exc:
        list(JsonReader().read(write(tmp_path, "u.json", json.dumps([{"foo": 1}]))))
    assert exc.value.code == "unknown_record_type"


def test_bad_record_type_and_non_objects_are_record_problems(tmp_path):
    path = write(tmp_path, "b.json", json.dumps([{"record_type": "spaceship", "title": "A", "institutions": "x"}, 42]))
    a, b = JsonReader().read(path, record_type="achievement")
    assert a.record_type == "achievement" and a.problems[0][0] == "record_type"
    assert b.problems == [("_record", "应为对象 / expected an object")] and b.location.element == "[1]"


@pytest.mark.parametrize("name,text,line,col", [
    ("a.json", '[\n  {"title": "A"},\n  {"title": "B" "x": 1}\n]', 3, 17),
    ("b.json", '[{"title": "A"},\n {"title": "B"}', 2, 16),
    ("c.json", '{"title": "A",\n "institutions": [}', 2, 19),
    ("d.json", '[{"title": "A"}] trailing', 1, 18),
    ("e.jsonl", '{"title": "A"}\n{"title": "B",\n{"title": "C"}\n', 2, 15),
    ("f.json", "title,institutions\n", 1, 1),
])
def test_invalid_json_refused_with_position(tmp_path, name, text, line, col):
    with pytest.raises(FileRefused) as exc:
        list(JsonReader().read(write(tmp_path, name, text), record_type="achievement"))
    assert exc.value.code == "invalid_json"
    assert f"line {line}, column {col}" in exc.value.en and f"第 {line} 行第 {col} 列" in exc.value.zh


def test_broken_json_lines_refused_before_any_record(tmp_path):
    text = "\n".join(json.dumps({"title": f"t{i}", "institutions": "x"}) for i in range(100)) + "\n{oops\n"
    reader = JsonReader().read(write(tmp_path, "late.jsonl", text), record_type="achievement")
    with pytest.raises(FileRefused) as exc:
        next(reader)
    assert "line 101" in exc.value.en


def test_binary_named_json_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b"%PDF-1.5\n...")
    with pytest.raises(FileRefused) as exc:
        list(JsonReader().read(path, record_type="achievement"))
    assert exc.value.code == "unsupported_type"


def test_sniff():
    reader = JsonReader()
    assert reader.sniff(Path("a.json"), b"") and reader.sniff(Path("a.jsonl"), b"")
    assert reader.sniff(Path("upload"), b'\xef\xbb\xbf [{"a": 1}]') and not reader.sniff(Path("a.csv"), b"[")


@pytest.mark.parametrize("name", ["many.jsonl", "many.json"])
def test_more_records_than_the_row_limit_refused_before_any_record(tmp_path, monkeypatch, name):
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "20")
    items = [{**ACH, "title": f"成果{i}"} for i in range(21)]
    text = "\n".join(json.dumps(i, ensure_ascii=False) for i in items) if name.endswith("l") else json.dumps(items, ensure_ascii=False)
    path = write(tmp_path, name, text + "\n")
    records = JsonReader().read(path, record_type="achievement")
    with pytest.raises(FileRefused) as exc:
        next(records)
    assert exc.value.code == "too_many_rows"
    assert exc.value.zh == "数据行超过 20 行的上限（21 条记录），请拆分为多个文件后导入"
    assert exc.value.en == "the file has more than 20 data rows (21 records); split it into several files"
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "21")
    assert len(list(JsonReader().read(path, record_type="achievement"))) == 21


@pytest.mark.parametrize("name, text, line", [
    ("deep.jsonl", json.dumps(ACH, ensure_ascii=False) + "\n" + '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}\n", 2),
    ("deep.json", "[\n" + json.dumps(ACH, ensure_ascii=False) + ",\n" + "[" * 100_000 + "]" * 100_000 + "\n]", 3),
    ("deep-object.json", '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}", 1),
])
def test_nesting_beyond_the_parser_is_invalid_json_not_a_crash(tmp_path, name, text, line):
    """A value nested 100,000 levels deep made the parser raise RecursionError, which stopped
    the job with a traceback; it is a refused file with its line, like any invalid JSON."""
    with pytest.raises(FileRefused) as refused:
        list(JsonReader().read(write(tmp_path, name, text), record_type="achievement"))
    assert refused.value.code == "invalid_json"
    assert f"第 {line} 行" in refused.value.zh and "nested too deeply" in refused.value.en
