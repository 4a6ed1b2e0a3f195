"""Import templates: every record type round-trips through the readers and the schema."""
from __future__ import annotations

import codecs
import io
from datetime import datetime

import openpyxl
import pytest

from ingest import columns as cols
from ingest.readers.tabular import CsvReader, XlsxReader
from ingest.template_example import example_data
from ingest.templates import GUIDE_SHEET, example_row, template_columns, template_csv, template_headers, template_xlsx
from web import vocabularies
from web.schemas import SCHEMAS

TYPES = ["achievement", "patent", "instrument", "institution"]


def load_data(record_type: str, data: dict) -> dict:
    return SCHEMAS[record_type][0]().load(data)


@pytest.mark.parametrize("record_type", TYPES)
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_csv_template_round_trip(tmp_path, record_type, locale):
    blank = template_csv(record_type, locale)
    assert blank.startswith(codecs.BOM_UTF8) and blank.count(b"\r\n") == 1
    # whatever the template says the readers read: the example under the headers, in either
    # language, is valid for the schema and means the same record
    hmap = cols.map_headers(template_headers(record_type, locale), record_type)
    data, problems = hmap.convert(example_row(record_type, locale))
    assert problems == [] and load_data(record_type, data) == load_data(record_type, example_data(record_type))
    path = tmp_path / f"{record_type}.csv"
    path.write_bytes(template_csv(record_type, locale, example=True))
    for given in (record_type, None):  # told, and detected from the headers
        reader = CsvReader()
        assert list(reader.read(path, record_type=given)) == []  # the example row is never a record
        assert [n for _, n in reader.notes] == ["第 2 行是未修改的模板示例，未导入 / row 2 is the template's example, unchanged: not imported"]
    (hmap,) = CsvReader().inspect(path)
    assert hmap.unknown == [] and hmap.duplicates == [] and len(hmap.columns) == len(template_columns(record_type))


@pytest.mark.parametrize("record_type", TYPES)
def test_xlsx_template_round_trip(tmp_path, record_type):
    path = tmp_path / f"{record_type}.xlsx"
    path.write_bytes(template_xlsx(record_type))
    for given in (record_type, None):
        reader = XlsxReader()
        assert list(reader.read(path, record_type=given)) == [] and reader.notes == []  # no example on the data sheet
    (hmap,) = XlsxReader().inspect(path)
    assert hmap.unknown == [] and hmap.line == 1 and len(hmap.columns) == len(template_columns(record_type))
    # the example (now on the guide sheet) is valid for the schema, read as the readers read it
    out = load_data(record_type, example_data(record_type))
    if record_type == "achievement":
        assert out["price"] == {"amount": 500000.0, "mode": "fixed"} and out["trl"] == 6
        assert out["ip"] == [{"type": "invention_patent", "number": "ZL202310123456.7"}, {"type": "software_copyright", "number": "2021SR012345"}]
        assert out["innovations"] == ["提出梯度升温热压工艺", "研制专用脱模体系"]
    if record_type == "instrument":
        assert out["value"] == 3_500_000 and out["service_modes"] == ["commissioned_testing", "self_operation"]


@pytest.mark.parametrize("record_type", TYPES)
def test_xlsx_template_layout(record_type):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(record_type)))
    ws = wb.worksheets[0]
    assert wb.sheetnames[1] == GUIDE_SHEET
    headers = [c.value for c in ws[1]]
    assert headers == template_headers(record_type, "zh")
    assert [c.value for c in ws[2]] == [c.path for c in template_columns(record_type)]
    assert ws.max_row == 2  # data starts in row 3; the example is not on this sheet
    required = cols.column_set(record_type).required_paths
    for col, cell in zip(template_columns(record_type), ws[1]):
        assert cell.comment is not None and col.path in cell.comment.text and col.en in cell.comment.text
        assert cell.value.endswith("*") == (col.path in required)
    vocab_columns = {c.path for c in template_columns(record_type) if c.kind in ("vocab", "vocab_list", "bool", "trl")}
    assert len(ws.data_validations.dataValidation) == len(vocab_columns)
    guide = wb[GUIDE_SHEET]
    text = "\n".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    for col in template_columns(record_type):
        assert col.path in text
        if col.vocabulary:
            assert all(t.zh in text for t in vocabularies.get(col.vocabulary))
    assert "必填 / required" in text
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    at = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("示例（仅供参考，不会被导入）"))
    assert rows[at + 1][:len(headers)] == headers
    example = [v.date() if isinstance(v, datetime) else v for v in rows[at + 2][:len(headers)]]
    assert example == example_row(record_type, native=True)


def test_template_headers_and_examples():
    zh = template_headers("achievement")
    assert zh[0] == "成果名称*" and "完成单位*" in zh and "意向价格（万元）" in zh and "技术就绪度" in zh
    en = template_headers("achievement", "en")
    assert en[0] == "Title*" and "Price (CNY)" in en and "Holders*" in en
    row = dict(zip(zh, example_row("achievement")))
    assert row["意向价格（万元）"] == "50" and row["转化方式"] == "转让；许可" and row["知识产权"].startswith("发明专利:ZL")
    assert dict(zip(en, example_row("achievement", "en")))["Price (CNY)"] == "500000"
    assert "申请号" in template_headers("patent") and "许可使用费支付方式" in template_headers("patent")
    assert "仪器原值（万元）" in template_headers("instrument") and "名称*" in template_headers("institution")


def test_every_column_of_every_type_is_reachable_by_its_headers():
    for record_type in TYPES:
        cs = cols.column_set(record_type)
        for col in cs.columns:
            for header in (col.path, col.zh, col.en, col.header_text("zh"), col.header_text("en", True), *col.aliases):
                m = cs.match(header)
                assert m is not None and m.column.path == col.path, (record_type, header)
