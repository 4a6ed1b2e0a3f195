"""CSV/TSV and XLSX readers: encodings, header rows, column mapping, refusals, the PNNL sample."""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from marshmallow import ValidationError

from ingest import columns as cols
from ingest.readers.base import FileRefused
from ingest.readers.tabular import CsvReader, XlsxReader, choose_delimiter, copy_unescape
from tests.shared_data import require
from tests.workbooks import padded_bomb, sheet_xml, workbook_with
from web.schemas import SCHEMAS, InstrumentSchema, error_list

DATA = Path(__file__).resolve().parents[1] / "data" / "tabular"
PNNL_DEFAULTS = {"institution": "Pacific Northwest National Laboratory"}

ACHIEVEMENTS_ZH = (
    "成果名称,完成单位,主要完成人,关键词,技术领域,技术就绪度,转化方式,意向价格（万元）,知识产权,登记日期\n"
    "一种耐低温锂电池电解液,吉林大学；长春应化所,张明、李华,电解液；锂电池,新能源与节能,TRL6,转让；许可,50,"
    "\"发明专利:ZL202310123456.7; 软件著作权:2021SR012345\",2023年9月15日\n"
    "梅花鹿茸标准化提取工艺,吉林农业大学,王芳,梅花鹿；鹿茸,梅花鹿,5,合作实施,面议,,2023-10-01\n"
)


def load(record) -> dict:
    return SCHEMAS[record.record_type][0]().load(record.data)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- encodings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [ACHIEVEMENTS_ZH, ACHIEVEMENTS_ZH.replace("王芳", "王𠀀芳")], ids=["gbk-text", "outside-gbk"])
def test_encodings_read_identically(tmp_path, text):
    encodings = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]
    if "𠀀" not in text:
        encodings.append("gbk")
    results = {}
    for enc in encodings:
        path = write(tmp_path, f"a-{enc}.csv", text.encode(enc))
        records = list(CsvReader().read(path, record_type="achievement"))
        results[enc] = [(r.location.line, r.data, r.problems, r.label) for r in records]
        assert [load(r)["title"] for r in records] == ["一种耐低温锂电池电解液", "梅花鹿茸标准化提取工艺"]
    first = results["utf-8"]
    assert all(v == first for v in results.values()), {k: v[1][1] for k, v in results.items()}
    people = first[1][1]["people"]
    assert people == (["王𠀀芳"] if "𠀀" in text else ["王芳"])
    found = {enc: CsvReader().inspect(tmp_path / f"a-{enc}.csv")[0].source["encoding"] for enc in encodings}
    assert found["utf-8"] == "utf-8" and found["utf-8-sig"] == "utf-8-sig" and found["utf-16"] == "utf-16"
    assert found["gb18030"] == "gb18030" and found.get("gbk", "gb18030") == "gb18030"


def test_values_are_mapped_for_the_schema(tmp_path):
    path = write(tmp_path, "a.csv", ACHIEVEMENTS_ZH.encode("utf-8"))
    first, second = CsvReader().read(path)
    assert first.record_type == "achievement"  # detected from the headers
    assert first.data["price"] == {"amount": 500000.0}  # 50 under 意向价格（万元）
    assert first.data["ip"] == [{"type": "发明专利", "number": "ZL202310123456.7"}, {"type": "软件著作权", "number": "2021SR012345"}]
    assert first.data["institutions"] == ["吉林大学", "长春应化所"]
    assert "price" not in second.data  # 面议: no amount, the schema makes it negotiable
    out = load(first)
    assert out["institutions"] == ["吉林大学", "中国科学院长春应用化学研究所"]
    assert out["ip"][0] == {"type": "invention_patent", "number": "ZL202310123456.7"}
    assert out["price"] == {"amount": 500000.0, "mode": "fixed"} and out["trl"] == 6
    assert out["registered_at"] == date(2023, 9, 15) and out["transfer_modes"] == ["transfer", "license"]
    assert load(second)["transfer_modes"] == ["cooperation"]


# -- headers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("header,path,factor", [
    ("成果名称", "title", 1), ("*成果名称", "title", 1), ("成果名称（必填）：", "title", 1), ("成果名称 *", "title", 1),
    ("ＴＲＬ", "trl", 1), ("trl", "trl", 1), ("Registration No.", "registration_no", 1), ("registration_no", "registration_no", 1),
    ("Holders", "institutions", 1), ("意向价格（万元）", "price.amount", 10_000), ("意向价格(万元)", "price.amount", 10_000),
    ("价格/万元", "price.amount", 10_000), ("Price (CNY)", "price.amount", 1), ("意向价格", "price.amount", 1),
    ("price.amount", "price.amount", 1), ("Price (10k CNY)", "price.amount", 10_000), ("联系人：", "contact.name", 1),
    ("评价方式", "evaluation.method", 1), ("Title (English)", "title_en", 1),
])
def test_forgiving_achievement_headers(header, path, factor):
    m = cols.column_set("achievement").match(header)
    assert m is not None and (m.column.path, m.factor) == (path, factor)


@pytest.mark.parametrize("record_type,header,path", [
    ("patent", "公开(公告)号", "publication_no"), ("patent", "申请（专利权）人", "applicants"), ("patent", "开放许可声明日", "open_licence.declared_at"),
    ("patent", "许可使用费支付方式", "open_licence.payment"), ("patent", "提成比例（%）", "open_licence.royalty_rate"),
    ("instrument", "仪器原值（万元）", "value"), ("instrument", "年对外服务机时（小时）", "external_hours_per_year"),
    ("instrument", "进口/国产", "origin"), ("instrument", "instrument_class", "instrument_class"), ("instrument", "room_number", "address"),
    ("instrument", "instrument", "name"), ("institution", "统一社会信用代码", "credit_code"), ("institution", "联系电话", "contact_phone"),
])
def test_forgiving_headers_of_other_types(record_type, header, path):
    m = cols.column_set(record_type).match(header)
    assert m is not None and m.column.path == path


def test_no_header_names_two_fields():
    for record_type, cs in cols.COLUMN_SETS.items():
        assert cs.collisions == [], record_type


def test_header_row_found_below_title_lines_and_alias_row_skipped(tmp_path):
    text = "吉林省科技成果汇总表\n\n填报单位：吉林大学,,\n成果名称,完成单位,关键词\ntitle,institutions,keywords\n成果一,吉林大学,甲；乙\n"
    records = list(CsvReader().read(write(tmp_path, "t.csv", text.encode())))
    assert len(records) == 1
    assert records[0].location.line == 6 and records[0].data == {"title": "成果一", "institutions": ["吉林大学"], "keywords": ["甲", "乙"]}


def test_delimiters_are_sniffed(tmp_path):
    rows = [["成果名称", "完成单位", "关键词"], ["成果, 含逗号", "吉林大学", "甲,乙"]]
    for d, suffix in ((";", ".csv"), ("\t", ".tsv"), ("\t", ".txt"), (",", ".csv")):
        buf = io.StringIO()
        import csv as _csv
        _csv.writer(buf, delimiter=d).writerows(rows)
        path = write(tmp_path, f"d{suffix}", buf.getvalue().encode())
        (record,) = CsvReader().read(path, record_type="achievement")
        assert record.data["title"] == "成果, 含逗号" and record.data["keywords"] == ["甲", "乙"], d
    assert choose_delimiter("a;b;c\n1;2;3\n") == ";"


def test_quoted_multiline_cells_keep_the_row_excel_shows(tmp_path):
    path = DATA / "achievements_en.csv"
    first, second = CsvReader().read(path)
    assert first.location.line == 2 and second.location.line == 3  # Excel rows, not physical lines
    assert first.data["summary"] == "An electrolyte that keeps\n80% capacity at -40 °C."
    assert second.data["title"] == "Sika deer antler extract, standardised"


def test_english_header_csv(tmp_path):
    records = list(CsvReader().read(DATA / "achievements_en.csv"))
    assert [r.record_type for r in records] == ["achievement", "achievement"]
    first = load(records[0])
    assert first["field"] == "new_energy" and first["trl"] == 6 and first["price"]["amount"] == 500000.0
    assert first["transfer_modes"] == ["transfer", "license"] and first["ip"] == [{"type": "invention_patent", "number": "ZL202310123456.7"}]
    second = load(records[1])
    assert second["institutions"] == ["吉林大学"] and second["field"] == "sika_deer" and second.get("price") is None
    assert records[0].label == "Low-temperature lithium battery electrolyte"


def test_unknown_columns_reported_once(tmp_path):
    reader = CsvReader()
    records = reader.read(DATA / "achievements_en.csv")
    next(records)
    assert reader.notes == [(cols.FILE_NOTE_FIELD, "未识别的列已忽略：Remarks / unrecognised columns ignored: Remarks")]
    assert all(r.problems == [] for r in reader.read(DATA / "achievements_en.csv"))
    assert len(reader.notes) == 1  # reset by each read
    records = list(CsvReader().read(DATA / "achievements_en.csv", note_on_first_record=True))
    notes, errors = cols.split_notes(records[0].problems)
    assert errors == [] and notes == reader.notes and records[1].problems == []
    (hmap,) = CsvReader().inspect(DATA / "achievements_en.csv")
    assert hmap.unknown == ["Remarks"] and hmap.duplicates == [] and ("Holders", "institutions") in hmap.mapped
    assert hmap.source == {"encoding": "utf-8", "delimiter": ",", "format": "csv"}


def test_silent_and_duplicate_columns(tmp_path):
    text = "序号,id,成果名称,完成单位,名称,备注\n1,ach-1,甲,吉林大学,乙,x\n"
    (record,) = CsvReader().read(write(tmp_path, "d.csv", text.encode()), record_type="achievement")
    assert record.data == {"title": "甲", "institutions": ["吉林大学"]}
    (hmap,) = CsvReader().inspect(tmp_path / "d.csv", record_type="achievement")
    assert hmap.unknown == ["备注"] and hmap.duplicates == ["名称"]


def test_field_name_beats_alias_for_the_same_field(tmp_path):
    # our own exports carry "status" (the record's) and "run_status"
    text = "name,institution,status,run_status\nSEM,吉林大学,published,闲置\n"
    (record,) = CsvReader().read(write(tmp_path, "i.csv", text.encode()), record_type="instrument")
    assert record.data["run_status"] == "闲置"


def test_instrument_inventory_in_chinese():
    records = list(CsvReader().read(DATA / "instruments_zh.tsv"))
    assert [r.record_type for r in records] == ["instrument", "instrument"] and records[0].location.line == 3
    out = [load(r) for r in records]
    assert out[0]["value"] == 3_500_000 and out[1]["value"] == 1_865_000 and out[1]["run_status"] == "repair"
    assert out[0]["service_modes"] == ["commissioned_testing", "self_operation"] and out[0]["shared"] is True
    assert out[1]["institution"] == "中国科学院长春应用化学研究所" and out[1]["purchased_at"] == date(2020, 3, 8)


def test_extra_cells_beyond_the_header_are_a_row_problem(tmp_path):
    text = "成果名称,完成单位\n甲,吉林大学\n乙,吉林大学,多出来的\n"
    first, second = CsvReader().read(write(tmp_path, "x.csv", text.encode()))
    assert first.problems == [] and second.problems[0][0] == cols.ROW_FIELD


def test_defaults_fill_missing_columns_and_empty_cells(tmp_path):
    text = "仪器名称,所在单位\nSEM,\nXRD,长春理工大学\n"
    path = write(tmp_path, "i.csv", text.encode())
    a, b = CsvReader().read(path, defaults={"所在单位": "吉林大学"})
    assert a.data["institution"] == "吉林大学" and b.data["institution"] == "长春理工大学"
    with pytest.raises(ValueError):
        list(CsvReader().read(path, record_type="instrument", defaults={"no_such_field": 1}))


# -- record type -----------------------------------------------------------------------------------

def test_record_type_detection_and_ambiguity(tmp_path):
    assert cols.detect_record_type(["申请号", "专利名称", "申请人"]) == "patent"
    assert cols.detect_record_type(["名称", "类型", "所在地市"]) == "institution"
    assert cols.detect_record_type(["仪器名称", "所在单位", "规格型号"]) == "instrument"
    path = write(tmp_path, "amb.csv", "名称,单位\n甲,乙\n".encode())
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path))
    assert exc.value.code == "ambiguous_record_type"
    assert len(list(CsvReader().read(path, record_type="instrument"))) == 1
    path = write(tmp_path, "none.csv", "foo,bar\n1,2\n".encode())
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path))
    assert exc.value.code == "unknown_record_type"


# -- refusals ----------------------------------------------------------------------------------

def test_missing_required_column_refused_with_names(tmp_path):
    path = write(tmp_path, "m.csv", "成果名称,关键词\n甲,乙\n".encode())
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path, record_type="achievement"))
    assert exc.value.code == "missing_columns"
    assert "完成单位" in exc.value.zh and "institutions" in exc.value.en and "Holders" in exc.value.en
    assert "成果名称" not in exc.value.zh
    path = write(tmp_path, "p.csv", "专利名称,发明人\n甲,乙\n".encode())
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path, record_type="patent"))
    assert exc.value.code == "missing_columns" and "申请号或公开号" in exc.value.zh


def test_xlsx_missing_required_column_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["仪器名称", "规格型号"])
    wb.active.append(["SEM", "JSM"])
    path = tmp_path / "m.xlsx"
    wb.save(path)
    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(path, record_type="instrument"))
    assert exc.value.code == "missing_columns" and "所在单位" in exc.value.zh
    assert [r.data for r in XlsxReader().read(path, defaults={"institution": "吉林大学"})] == [
        {"name": "SEM", "model": "JSM", "institution": "吉林大学"}]
    with pytest.raises(ValueError):  # a caller's mistake, not a bad file
        list(XlsxReader().read(path, record_type="instrument", defaults={"no_such_field": 1}))


def _xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["成果名称", "完成单位"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content,what", [
    (_xlsx_bytes(), "ZIP/XLSX"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "legacy Office"),
])
def test_csv_that_is_a_binary_file_refused(tmp_path, content, what):
    path = write(tmp_path, "data.csv", content)
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path, record_type="achievement"))
    assert exc.value.code == "unsupported_type" and what in exc.value.en


def test_xlsx_that_is_not_a_workbook_refused(tmp_path):
    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(write(tmp_path, "a.xlsx", b"%PDF-1.4 ..."), record_type="achievement"))
    assert exc.value.code == "unsupported_type" and "PDF" in exc.value.en
    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(write(tmp_path, "b.xlsx", "成果名称,完成单位\n甲,乙\n".encode()), record_type="achievement"))
    assert exc.value.code == "unsupported_type"
    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(write(tmp_path, "c.xlsx", b"PK\x03\x04" + b"garbage" * 100), record_type="achievement"))
    assert exc.value.code == "bad_zip"


@pytest.fixture
def never_opened(monkeypatch):
    """The workbook must be refused from the archive's directory, before openpyxl opens it."""
    def must_not_open(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)


def test_zip_bomb_xlsx_refused_without_expanding(tmp_path, never_opened):
    path = tmp_path / "bomb.xlsx"
    chunk = b"0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(500):  # 500 MB of zeros
                member.write(chunk)
    assert path.stat().st_size < 5 * 1024 * 1024

    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(path, record_type="achievement"))
    assert exc.value.code == "zip_bomb"


# -- padded zip bombs, lying archives and row limits ---------------------------------------------

def test_padded_zip_bomb_refused_by_the_members_ratio(tmp_path, monkeypatch, never_opened):
    """The shape of the attack, scaled down: one sheet member compressed far beyond 200:1 next
    to a stored member of random bytes, so that the archive as a whole stays under 200:1."""
    path = padded_bomb(tmp_path / "padded.xlsx")
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        member = zf.getinfo("xl/worksheets/sheet1.xml")
    whole = sum(i.file_size for i in infos) / sum(i.compress_size for i in infos)
    assert whole < 200 < member.file_size / member.compress_size  # what the old whole-archive check let through

    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(path, record_type="achievement"))
    assert exc.value.code == "zip_bomb"
    assert "xl/worksheets/sheet1.xml" in exc.value.zh and "压缩比异常" in exc.value.zh and "疑似压缩炸弹" in exc.value.zh
    assert "'xl/worksheets/sheet1.xml' has an abnormal compression ratio" in exc.value.en and "at most 200:1" in exc.value.en
    from ingest.safety import check_zip

    monkeypatch.setenv("TT_INGEST_MAX_ZIP_RATIO", "5000")  # the limit is configurable
    check_zip(path)


def test_a_member_larger_than_its_directory_says_is_refused_not_a_crash(tmp_path):
    """The directory's sizes are what check_zip judges; zipfile never unpacks more than the
    declared size, so a member that holds more fails its CRC check: a refusal, not a crash."""
    path = workbook_with(tmp_path / "lying.xlsx", sheet_xml(3000))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    name = info.filename.encode()
    at = data.index(b"PK\x01\x02")  # the central directory: one entry per member, file name at offset 46
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24:at + 28] = (4096).to_bytes(4, "little")  # its declared uncompressed size: 4 KB
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 4096
    with pytest.raises(FileRefused) as exc:
        list(XlsxReader().read(path, record_type="achievement"))
    assert exc.value.code == "bad_zip" and "压缩包内容与目录不符" in exc.value.zh and "Bad CRC-32" in exc.value.en


def test_xlsx_over_the_row_limit_refused_before_streaming(tmp_path, monkeypatch):
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "999")
    path = workbook_with(tmp_path / "rows.xlsx", sheet_xml(1001))  # header + 1,000 data rows, declared in <dimension>
    streamed = []
    original = openpyxl.worksheet._read_only.ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            streamed.append(row)
            yield row

    monkeypatch.setattr(openpyxl.worksheet._read_only.ReadOnlyWorksheet, "_cells_by_row", counting)
    records = XlsxReader().read(path, record_type="achievement")
    with pytest.raises(FileRefused) as exc:
        next(records)  # refused before the first record
    assert exc.value.code == "too_many_rows"
    assert exc.value.zh == "数据行超过 999 行的上限（工作表“Sheet”有 1,000 行），请拆分为多个文件后导入"
    assert exc.value.en == "the file has more than 999 data rows (sheet 'Sheet' has 1,000 rows); split it into several files"
    assert 0 < len(streamed) <= 200  # only the header scan read rows, never the whole sheet
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "1000")
    assert len(list(XlsxReader().read(path, record_type="achievement"))) == 1000  # at the limit: read


def test_xlsx_without_a_dimension_stops_at_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "50")
    path = workbook_with(tmp_path / "nodim.xlsx", sheet_xml(400, dimension=False))
    read = []
    with pytest.raises(FileRefused) as exc:
        for record in XlsxReader().read(path, record_type="achievement"):
            read.append(record)
    assert exc.value.code == "too_many_rows" and "50" in exc.value.zh and "50 data rows" in exc.value.en
    assert len(read) == 50  # stopped at the limit, not at the end of the sheet


def test_csv_over_the_row_limit_refused_before_any_record(tmp_path, monkeypatch):
    monkeypatch.setenv("TT_INGEST_MAX_ROWS", "50")
    rows = "".join(f"成果{i},吉林大学\n" for i in range(51))
    path = write(tmp_path, "rows.csv", ("吉林省成果汇总\n成果名称,完成单位\n" + rows).encode())
    records = CsvReader().read(path, record_type="achievement")
    with pytest.raises(FileRefused) as exc:
        next(records)
    assert exc.value.code == "too_many_rows"
    assert exc.value.zh == "数据行超过 50 行的上限（51 行），请拆分为多个文件后导入"
    assert exc.value.en == "the file has more than 50 data rows (51 rows); split it into several files"
    # 50 data rows under a title line, and cells with line breaks (more lines than rows): read
    rows = "".join(f'"成果{i}\n第二行",吉林大学\n' for i in range(50))
    path = write(tmp_path, "ok.csv", ("吉林省成果汇总\n成果名称,完成单位\n" + rows).encode())
    assert len(list(CsvReader().read(path, record_type="achievement"))) == 50


def test_row_limit_default(monkeypatch):
    from ingest.safety import max_rows

    monkeypatch.delenv("TT_INGEST_MAX_ROWS", raising=False)
    assert max_rows() == 300_000


def test_100mb_single_line_refused(tmp_path):
    path = tmp_path / "one-line.csv"
    block = ("成果名称," * 100_000).encode()[: 1024 * 1024]
    with open(path, "wb") as fh:
        for _ in range(100):
            fh.write(block)
    assert path.stat().st_size == 100 * 1024 * 1024
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path, record_type="achievement"))
    assert exc.value.code == "line_too_long"


def test_line_limit_from_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, "long.csv", ("成果名称,完成单位\n" + "甲" * 3000 + ",吉林大学\n").encode())
    assert len(list(CsvReader().read(path))) == 1
    monkeypatch.setenv("TT_INGEST_MAX_LINE_KB", "4")
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path))
    assert exc.value.code == "line_too_long" and "4 KB" in exc.value.en


# -- XLSX ----------------------------------------------------------------------------------------

def _with_cached_formula(path: Path, cell: str, cached: str) -> None:
    """openpyxl cannot write a formula's cached value; put one in as Excel would."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?', rf"\1<f>\2</f><v>{cached}</v>", xml)
    assert n == 1, xml[:2000]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_xlsx_header_on_row_3_blank_rows_types_and_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成果"
    ws["A1"] = "吉林大学2023年科技成果汇总"
    ws.append([])
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["E3"], ws["F3"], ws["G3"] = "成果名称", "完成单位", "登记日期", "技术就绪度", "意向价格（万元）", "登记号", "研究起始时间"
    ws["H3"], ws["I3"] = "关键词", "技术领域"  # also patent headers: the sheet still is no patent table
    ws.append(["成果甲", "吉林大学", datetime(2023, 9, 15), 6, 50, 220202300123, datetime(2021, 3, 1), "甲；乙", "新材料"])
    ws.append([])
    ws.append([None, "   ", None])
    ws.append(["成果乙", "吉大；长春光机所", date(2024, 1, 2), "TRL7", None, "220202400001"])
    ws["E7"] = "=40+10"
    patents = wb.create_sheet("专利")
    patents.append(["申请号", "专利名称", "申请日", "法律状态"])
    patents.append(["202310123456.7", "一种方法", datetime(2023, 2, 10), "有效"])
    wb.create_sheet("说明 Guide").append(["成果名称", "完成单位"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    _with_cached_formula(path, "E7", "50")

    records = list(XlsxReader().read(path))
    assert [(r.location.sheet, r.location.line, r.record_type) for r in records] == [
        ("成果", 4, "achievement"), ("成果", 7, "achievement"), ("专利", 2, "patent")]
    a, b, p = records
    assert a.data["registered_at"] == date(2023, 9, 15) and a.data["trl"] == 6 and a.data["price"] == {"amount": 500000}
    assert a.data["registration_no"] == "220202300123" and a.data["research_start"] == date(2021, 3, 1)
    assert b.data["price"] == {"amount": 500000}  # the formula's cached value, x10,000
    assert load(a)["research_start"] == "2021-03" and load(b)["institutions"] == ["吉林大学", "中国科学院长春光学精密机械与物理研究所"]
    assert load(p)["application_no"] == "2023101234567" and load(p)["filed_at"] == date(2023, 2, 10)
    assert str(a.location) == "x.xlsx, sheet 成果, line 4"

    only = list(XlsxReader().read(path, record_type="patent"))
    assert [r.location.sheet for r in only] == ["专利"]
    maps = XlsxReader().inspect(path)
    assert [(m.sheet, m.line, m.record_type) for m in maps] == [("成果", 3, "achievement"), ("专利", 1, "patent")]
    reader = XlsxReader()
    list(reader.read(path, record_type="achievement"))
    assert reader.notes == []

    wb = openpyxl.Workbook()
    wb.active.title = "成果"
    wb.active.append(["成果名称", "完成单位", "备注"])
    wb.active.append(["甲", "吉林大学", "内部"])
    wb.save(path)
    (record,) = reader.read(path)
    assert record.problems == [] and record.data == {"title": "甲", "institutions": ["吉林大学"]}
    assert reader.notes == [(cols.FILE_NOTE_FIELD, "工作表“成果”：未识别的列已忽略：备注 / sheet '成果': unrecognised columns ignored: 备注")]


def test_xlsx_excel_error_cells_are_problems(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["成果名称", "完成单位", "关键词"])
    wb.active.append(["甲", "吉林大学", "#N/A"])
    path = tmp_path / "e.xlsx"
    wb.save(path)
    (record,) = XlsxReader().read(path)
    assert "keywords" not in record.data and record.problems[0][0] == "keywords" and "#N/A" in record.problems[0][1]


# -- PostgreSQL COPY text and the PNNL instrument registry ---------------------------------------------

def test_copy_text_unescaping(tmp_path):
    assert copy_unescape("\\N") is None
    assert copy_unescape("a\\tb\\nc\\\\d\\x41\\101") == "a\tb\nc\\dAA"
    text = "name\tinstitution\tdescription\tmodel\nSEM\t\\N\tline1\\nline2 ESI\\\\MALDI\t\\N\nXRD\tJLU\t\"quoted\"\tD8\n"
    path = write(tmp_path, "copy.tsv", text.encode())
    (hmap,) = CsvReader().inspect(path, defaults={"institution": "PNNL"})
    assert hmap.source["format"] == "postgres-copy"
    a, b = CsvReader().read(path, defaults={"institution": "PNNL"})
    assert a.data == {"name": "SEM", "institution": "PNNL", "specs": "line1\nline2 ESI\\MALDI"}
    assert b.data["specs"] == '"quoted"' and b.data["institution"] == "JLU"
    plain = list(CsvReader().read(path, record_type="instrument", defaults={"institution": "PNNL"}, copy_format=False))
    assert plain[0].data["specs"] == "line1\\nline2 ESI\\\\MALDI"


def test_pnnl_instrument_registry():
    path = require("research-instruments-pnnl-dms") / "t_instrument_name.tsv"
    records = list(CsvReader().read(path, record_type="instrument", defaults=PNNL_DEFAULTS))
    assert len(records) == 207
    assert [r.location.line for r in records] == list(range(2, 209))
    first = records[0]
    assert first.data == {"asset_no": "35", "name": "11T_Aux2", "class_code": "BrukerFTMS", "run_status": "Inactive",
                          "address": "EMSL 1621", "specs": "Virtual 11T FTICR", "institution": "Pacific Northwest National Laboratory"}
    assert first.label == "11T_Aux2" and all(not r.problems for r in records)
    reader = CsvReader()
    list(reader.read(path, record_type="instrument", defaults=PNNL_DEFAULTS))
    assert len(reader.notes) == 1 and "instrument_group" in reader.notes[0][1] and "service_center_eligible" in reader.notes[0][1]

    loaded, failures = [], Counter()
    for r in records:
        try:
            loaded.append(InstrumentSchema().load(r.data))
        except ValidationError as exc:
            failures[(r.data.get("run_status"), tuple(f for f, _ in error_list(exc.messages)))] += 1
    # the only rows that do not load: six DMS rows whose status column says "PrepHPLC"
    assert failures == Counter({("PrepHPLC", ("run_status",)): 6})
    assert len(loaded) == 201
    assert Counter(x["run_status"] for x in loaded) == Counter({"idle": 105, "normal": 96})
    assert all(x["institution"] == "Pacific Northwest National Laboratory" and x["class_code"] for x in loaded)

    # detected as instruments without being told; refused without the institution default
    assert {r.record_type for r in CsvReader().read(path, defaults=PNNL_DEFAULTS)} == {"instrument"}
    with pytest.raises(FileRefused) as exc:
        list(CsvReader().read(path))
    assert exc.value.code == "missing_columns" and "所在单位" in exc.value.zh


# -- data -> row -> file -> reader -> schema ----------------------------------------------------

def _generated(record_type: str) -> list[dict]:
    from demo import generator

    institutions = generator.institutions(7)
    if record_type == "institution":
        return institutions
    return list(getattr(generator, record_type + "s")(120, 7, institutions))


@pytest.mark.parametrize("record_type", ["achievement", "patent", "instrument", "institution"])
def test_generated_records_round_trip_through_to_row(tmp_path, record_type):
    import csv as _csv

    records = _generated(record_type)
    spec = cols.COLUMNS[record_type]
    headers = [c.header for c in spec]
    buf = io.StringIO()
    writer = _csv.writer(buf)
    writer.writerow(headers)
    wb = openpyxl.Workbook()
    wb.active.append(headers)
    for rec in records:
        writer.writerow(cols.to_row(record_type, rec))
        wb.active.append(cols.to_row(record_type, rec))
    (tmp_path / "x.csv").write_bytes(buf.getvalue().encode("gb18030"))
    wb.save(tmp_path / "x.xlsx")

    schema = SCHEMAS[record_type][0]()
    no_column = {"attachments", "legal_events"}  # files and event histories have no spreadsheet column

    def norm(data: dict) -> dict:
        return {k: v for k, v in schema.load(data).items() if v not in (None, [], {}) and k not in no_column}

    for reader, name in ((CsvReader(), "x.csv"), (XlsxReader(), "x.xlsx")):
        read = list(reader.read(tmp_path / name, record_type=record_type))
        assert [r.location.line for r in read] == list(range(2, len(records) + 2))
        assert reader.notes == [] and all(not r.problems for r in read)
        for rec, raw in zip(records, read, strict=True):
            given = {k: v for k, v in rec.items() if k not in no_column}
            assert norm(raw.data) == norm(given), (name, raw.location)


@pytest.mark.parametrize("cell,expected", [
    ("发明专利:ZL202310123456.7; 软件著作权:2021SR012345",
     [{"type": "发明专利", "number": "ZL202310123456.7"}, {"type": "软件著作权", "number": "2021SR012345"}]),
    ("ZL202330123456.2（外观设计）、实用新型 ZL202320123456.1",
     [{"type": "外观设计", "number": "ZL202330123456.2"}, {"type": "实用新型", "number": "ZL202320123456.1"}]),
    ("专利号：ZL202310123456.7\n2021SR012345",
     [{"type": "invention_patent", "number": "ZL202310123456.7"}, {"type": "software_copyright", "number": "2021SR012345"}]),
    ("技术秘密:无编号", [{"type": "技术秘密", "number": "无编号"}]),
])
def test_ip_cells(cell, expected):
    assert cols.parse_ip(cell) == expected
    schema = SCHEMAS["achievement"][0]()
    out = schema.load({"title": "甲", "institutions": "吉林大学", "ip": cols.parse_ip(cell)})
    assert len(out["ip"]) == len(expected)


def test_priority_cells():
    assert cols.parse_priority("US17/123456 2022-01-05；CN 202210000001.X 2022.01.06\nJP2021-000123") == [
        {"date": "2022-01-05", "number": "US17/123456", "country": "US"},
        {"date": "2022.01.06", "country": "CN", "number": "202210000001.X"},
        {"number": "JP2021-000123", "country": "JP"},
    ]


# -- skipping the records before a part of a large file ----------------------------------------

def _file_with_everything(path: Path) -> Path:
    """The template's headers and example row, the English alias row, empty rows, a row with a
    problem the reader reports, and real rows (one a copy of the example with one cell changed)."""
    from ingest.templates import example_row, template_headers

    headers = template_headers("achievement")
    example = [str(v) if v is not None else "" for v in example_row("achievement")]
    changed = list(example)
    changed[headers.index(next(h for h in headers if "技术就绪度" in h))] = "4"
    english = template_headers("achievement", "en")
    lines = [headers, english, example, [""] * len(headers)]
    body = ACHIEVEMENTS_ZH.splitlines()
    zh_headers = body[0].split(",")
    import csv as _csv

    rows = list(_csv.reader(io.StringIO(ACHIEVEMENTS_ZH)))[1:]
    for row in rows:
        lines.append([row[zh_headers.index(h)] if h in zh_headers else "" for h in [h.rstrip("*").strip() for h in headers]])
    lines += [changed, [""] * len(headers), example, rows and lines[-1]]
    out = io.StringIO()
    _csv.writer(out).writerows(lines)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_skipping_records_yields_what_a_full_read_yields_after_them(tmp_path):
    path = _file_with_everything(tmp_path / "parts.csv")
    full = list(CsvReader().read(path, record_type="achievement"))
    assert len(full) >= 4
    for skip in range(len(full) + 2):
        reader = CsvReader()
        rest = list(reader.read(path, record_type="achievement", skip=skip))
        assert [(r.location.line, r.data, r.problems) for r in rest] == [(r.location.line, r.data, r.problems) for r in full[skip:]]
        assert any("模板示例" in note[1] or "example" in note[1] for note in reader.notes)  # the example is still said
