"""The patent XML reader (ingest/readers/patent_xml*.py) against the real CNIPA, EPO, WIPO, USPTO and
EPO OPS samples in ../shared/data (read in place), and small hand-made files in tests/data/patent_xml
for the hostile and broken cases."""
from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest
from marshmallow import ValidationError

from ingest.readers.base import FileRefused, RawRecord
from ingest.readers.patent_xml import PatentXmlReader
from ingest.readers.patent_xml_common import (
    ipc_from_st32, ipc_from_text, iso_date, open_licence_from_events, patent_kind, publication_number, status_from_text,
)
from tests.shared_data import require
from web.schemas.patent import PatentSchema

DATA = Path(__file__).resolve().parents[1] / "data" / "patent_xml"
CNIPA = "cnipa-wipo-patent-xml-samples"
USPTO = "uspto-xml-samples"
OPS = "epo-ops-xml-samples"

reader = PatentXmlReader()


def read(path: Path) -> list[RawRecord]:
    return list(reader.read(path))


def refused(path: Path) -> tuple[FileRefused, list[RawRecord]]:
    """The refusal, and whatever was yielded before it (must be nothing for whole-file problems)."""
    got: list[RawRecord] = []
    with pytest.raises(FileRefused) as info:
        for record in reader.read(path):
            got.append(record)
    return info.value, got


def load(record: RawRecord) -> dict:
    """The record through the real schema; fails the test with the schema's messages."""
    try:
        return PatentSchema().load(record.data)
    except ValidationError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{record.location} ({record.label}) does not load: {exc.messages}")


def only(path: Path) -> RawRecord:
    records = read(path)
    assert len(records) == 1, [str(r.location) for r in records]
    return records[0]


def check_all(records: list[RawRecord]) -> None:
    for record in records:
        assert record.record_type == "patent"
        assert record.problems == [], (str(record.location), record.problems)
        assert record.data, str(record.location)
        assert record.label and record.label == record.data.get("publication_no")
        assert record.location.element == f"document {records.index(record) + 1} ({record.label})"
        load(record)


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")


# -- every real sample -------------------------------------------------------------------------


def test_cnipa_wipo_folder_every_document_loads():
    folder = require(CNIPA)
    total = 0
    for path in files(folder):
        if path.name == "toc.xml":
            error, got = refused(path)
            assert (error.code, got) == ("package_index", [])
            continue
        assert reader.sniff(path, path.read_bytes()[:8192]), path
        records = read(path)
        assert len(records) == 1, path
        check_all(records)
        total += 1
    assert total == 12  # 4 CNIPA new, 5 CNIPA old, 2 EPO, 1 ST.96


def test_uspto_folder_every_xml_document_loads_and_text_formats_are_refused():
    folder = require(USPTO)
    total = 0
    for path in files(folder):
        if path.suffix in (".greenbook", ".txt"):
            error, got = refused(path)
            assert (error.code, got) == ("not_xml", []), path
            assert "Green Book" in str(error) or "BRS" in str(error)
            continue
        if path.parent.name in ("cpcMaster", "cpcScheme"):  # classification data, not patents
            assert not reader.sniff(path, path.read_bytes()[:8192])
            error, got = refused(path)
            assert (error.code, got) == ("unknown_xml_format", []), path
            continue
        assert reader.sniff(path, path.read_bytes()[:8192]), path
        records = read(path)
        check_all(records)
        total += len(records)
    assert total == 30  # incl. the two documents of go-uspto/test.xml and the three sgml/ files (XML v2.5 in fact)


def test_epo_ops_folder_biblio_responses_load_others_are_refused_cleanly():
    folder = require(OPS)
    total = 0
    for path in files(folder):
        assert reader.sniff(path, path.read_bytes()[:8192]), path
        if path.name.endswith("_biblio.xml"):
            records = read(path)
            assert records, path
            check_all(records)
            total += len(records)
        else:  # family, legal, search and claims/description responses: no title, nothing to import
            error, got = refused(path)
            assert (error.code, got) == ("no_bibliographic_data", []), path
            assert "biblio" in error.en
    assert total == 23  # 20 exchange-document responses (one with two documents) + 2 register documents


# -- spot checks, one document per format --------------------------------------------------------


def test_cnipa_new_schema():
    rec = only(require(CNIPA) / "cnipa-new-v2.2.1" / "cn_new1.xml")
    d = rec.data
    assert rec.label == "CN113781974A"
    assert str(rec.location) == "cn_new1.xml, line 1, document 1 (CN113781974A)"
    assert d["application_no"] == "202111286633.X"
    assert (d["filed_at"], d["publication_date"]) == ("2017-04-24", "2021-12-10")
    assert (d["kind"], d["legal_status"]) == ("invention", "pending")
    assert d["title"] == "显示设备" and "title_en" not in d
    assert d["applicants"] == ["三星显示有限公司"]
    assert d["inventors"] == ["金驲柱", "田武经", "李安洙"]
    assert d["ipc_main"] == "G09G 3/36"
    assert d["ipc"] == ["G09G 3/36", "G09G 3/3208", "G09G 3/34"]
    assert d["first_claim"].startswith("1.显示设备,包括:\n显示面板,所述显示面板包括:\n多个像素")
    assert d["agency"] == "北京英赛嘉华知识产权代理有限责任公司"  # agency code 11204 dropped
    assert d["agent"] == "王达佐、刘铮"
    assert (d["applicant_address"], d["province_code"]) == ("韩国京畿道", "KR")
    assert d["priority"] == [{"number": "10-2016-0063019", "date": "2016-05-23", "country": "KR"}]
    loaded = load(rec)
    assert loaded["application_no"] == "202111286633X"
    assert loaded["ipc_main"] == "G09G3/36"
    assert loaded["filed_at"] == date(2017, 4, 24)


def test_cnipa_new_schema_with_external_dtd_reference():
    path = require(CNIPA) / "cnipa-new-v2.2.1" / "CN102015000481495CN00001152124630AFULZH20221021CN00D.XML"
    assert b"ipphdb-entities.dtd" in path.read_bytes()[:300]
    d = only(path).data
    assert d["publication_no"] == "CN115212463A"
    assert d["application_no"] == "201510481495.9"
    assert d["title"] == "一种医用放射治疗装置"
    assert d["applicants"] == ["北京大基康明医疗设备有限公司"]
    assert (d["applicant_address"], d["province_code"]) == ("北京市经济技术开发区永昌北路11号", "11")
    assert d["ipc_main"] == "A61N 5/00"
    assert d["first_claim"].startswith("1.一种医用放射治疗装置")


def test_cnipa_new_schema_pct_national_phase():
    d = only(require(CNIPA) / "cnipa-new-v2.2.1" / "cn_new3.xml").data
    assert d["publication_no"] == "CN113784721A"
    assert len(d["priority"]) == 8 and d["priority"][0] == {"number": "62/982,670", "date": "2020-02-27", "country": "US"}
    assert d["family"] == ["WO2021173713"]


def test_cnipa_old_schema():
    rec = only(require(CNIPA) / "cnipa-old-cn-patent-document" / "cn_old1.xml")  # starts with a BOM and a stylesheet PI
    d = rec.data
    assert rec.label == "CN104223352A"
    assert d["application_no"] == "201410408762.5"
    assert (d["filed_at"], d["publication_date"]) == ("2014-08-19", "2014-12-24")
    assert d["kind"] == "invention"
    assert d["title"] == "一种甘草发酵所得烟用香料及其应用"
    assert d["applicants"] == ["云南中烟工业有限责任公司"]
    assert d["ipc_main"] == "A24B 15/18"
    assert d["first_claim"].startswith("1.一种甘草发酵所得烟用香料,其特征在于:将甘草片或甘草粉与水按1:5")
    assert "接种长孢洛德酵母" in d["first_claim"]  # <br/> marks printed line wraps, not breaks
    assert (d["province_code"], d["agency"]) == ("53", "昆明协立知识产权代理事务所(普通合伙)")
    assert load(rec)["ipc"] == ["A24B15/18", "C11B9/00", "C12P1/02", "C12R1/645"]

    d = only(require(CNIPA) / "cnipa-old-cn-patent-document" / "200880114428_A.xml").data
    assert d["publication_no"] == "CN103492414A"
    assert d["title"] == "抗HEPCIDIN抗体及其用途"
    assert d["priority"] == [{"number": "60/984,910", "date": "2007-11-02", "country": "US"}]
    assert d["family"] == ["WO2009058797"]

    d = only(require(CNIPA) / "cnipa-old-cn-patent-document" / "cn_old4.xml").data
    assert d["priority"] == [{"number": "201320854096.9", "date": "2013-12-24", "country": "CN"}]  # domestic priority


def test_epo_ep_patent_document():
    rec = only(require(CNIPA) / "epo-ep-patent-document-v1-0" / "st36aexample" / "DOC00001.xml")
    d = rec.data
    assert rec.label == "EP1667425A1"
    assert d["application_no"] == "EP05255002.7"
    assert (d["filed_at"], d["publication_date"]) == ("2005-08-11", "2006-06-07")
    assert (d["kind"], d["legal_status"]) == ("invention", "pending")
    assert d["title"] == d["title_en"] == "Image forming method and image forming apparatus"
    assert d["applicants"] == ["Wedg Co. Ltd"]
    assert d["inventors"] == ["Yoshida Naoki", "Kasahara Hiroyuki"]
    assert d["ipc_main"] == "H04N 1/40"
    assert d["first_claim"].startswith("A method of forming an image by thermally transferring thermal transfer ink")
    assert d["priority"] == [{"number": "2004351438", "date": "2004-12-03", "country": "JP"}]
    assert d["agent"] == "Denmark James Christopher"

    d = only(require(CNIPA) / "epo-ep-patent-document-v1-0" / "st36bexample" / "DOC00001.xml").data
    assert d["publication_no"] == d["grant_no"] == "EP1599469B1"
    assert (d["legal_status"], d["granted_at"]) == ("in_force", "2006-06-07")
    assert d["applicants"] == d["owners"] == ["Arena Pharmaceuticals, Inc.", "Merck & Co., Inc."]
    assert d["ipc_main"] == "C07D 403/04"
    assert d["family"] == ["WO2005044816"]
    assert d["citations"] == 3


def test_wipo_st96():
    rec = only(require(CNIPA) / "wipo-st96" / "PatentPublication_Example.xml")
    d = rec.data
    assert rec.label == "US8936998B2"
    assert d["application_no"] == "US13797521"
    assert (d["filed_at"], d["publication_date"], d["granted_at"]) == ("2013-03-12", "2015-01-20", "2015-01-20")
    assert (d["kind"], d["legal_status"]) == ("invention", "in_force")
    assert d["title"] == "Manufcaturing method for room-temperature substrate bonding"  # sic
    # the applicants are the inventors (pre-AIA): the assignees are taken
    assert d["applicants"][0] == "Mitsubishi Heavy Industries, Ltd."
    assert d["inventors"][0] == "Utsumi Jun"
    assert d["ipc_main"] == "H01L 21/30"
    assert d["cpc"][0] == "H01L 21/2007"
    assert d["first_claim"].startswith("1. A device manufacture method, comprising:\nsputtering a first surface")
    assert d["priority"] == [{"number": "2007-290922", "date": "2007-11-08", "country": "JP"}]
    assert d["family"] == ["US20130213561A1"]
    assert d["agency"] == "Birch, Stewart, Kolasch & Birch, LLP"


def test_uspto_ice_grant():
    rec = only(require(USPTO) / "go-uspto" / "grant" / "v4-5-B2.xml")
    d = rec.data
    assert rec.label == "US11147202B2"
    assert d["application_no"] == "US16232658"
    assert (d["filed_at"], d["publication_date"], d["granted_at"]) == ("2018-12-26", "2021-10-19", "2021-10-19")
    assert (d["kind"], d["legal_status"], d["grant_no"]) == ("invention", "in_force", "US11147202B2")
    assert d["title"] == d["title_en"] == "Wheeled hand truck"
    assert d["applicants"] == ["Ng Yeow"]
    assert d["ipc_main"] == "A01B 1/24"
    assert d["cpc"][0] == "A01B 1/243"
    assert d["first_claim"].startswith("1. A wheeled hand truck comprising:\n(a) a footplate having front and rear ends;")
    assert (d["citations"], d["family"]) == (41, ["US20190124818A1"])
    assert (d["agency"], d["agent"]) == ("Davis & Jack, LLC", "Jack Kenneth H.")

    d = only(require(USPTO) / "go-uspto" / "grant" / "v4-0-B2.xml").data
    assert d["publication_no"] == "US6857133B2"  # the padded 06857133 unpadded
    assert d["ipc_main"] == "A41D 13/00"  # edition 7 "A41D013/00"


def test_uspto_ice_application():
    d = only(require(USPTO) / "go-uspto" / "application" / "v4-5-A1.xml").data
    assert d["publication_no"] == "US20220159901A1"
    assert d["application_no"] == "US17437086"
    assert (d["kind"], d["legal_status"]) == ("invention", "pending")
    assert "grant_no" not in d and "granted_at" not in d
    assert d["title"] == "SEED DISTRIBUTOR USED FOR AGRICULTURAL MACHINES"
    assert d["applicants"] == ["Spinsanti Ariel Alberto Antonio"]
    assert d["ipc_main"] == "A01C 7/04"
    assert d["first_claim"].startswith("1. A seed metering device for an agricultural machine")

    # v4.0: the inventors are listed as applicant-inventors; the assignee becomes the applicant
    d = only(require(USPTO) / "patentpublicdata" / "xmlApp2004" / "US20050004974A1.xml").data
    assert d["inventors"][:2] == ["Sharma Naveen", "Furst Michael R."]
    assert d["applicants"] == d["owners"] == ["Xerox Corporation"]


def test_uspto_weekly_file_with_two_documents():
    records = read(require(USPTO) / "go-uspto" / "test.xml")
    assert [r.label for r in records] == ["US11147202B2", "US11147203B2"]
    assert records[1].location.line == 871
    assert records[1].location.element == "document 2 (US11147203B2)"


def test_uspto_grant_xml_v25():
    rec = only(require(USPTO) / "go-uspto" / "grant" / "v2-5-B2.xml")  # declares NDATA image entities
    d = rec.data
    assert rec.label == "US6530116B2"
    assert d["application_no"] == "US09782496"
    assert (d["filed_at"], d["publication_date"]) == ("2001-02-13", "2003-03-11")
    assert (d["kind"], d["legal_status"]) == ("invention", "in_force")
    assert d["title"] == "Vacuum cleaner with muffled detachable blower exhaust"
    assert d["applicants"] == d["owners"] == ["Shop Vac Corporation"]
    assert d["inventors"][0] == "Berfield Robert C."
    assert d["ipc_main"] == "A47L 5/14"  # ST.32 fixed width "A47L  514"
    assert d["first_claim"].startswith("1. A vacuum cleaner comprising:")
    assert d["family"] == ["US20020108205A1"]

    assert only(require(USPTO) / "go-uspto" / "grant" / "v2-5-B1.xml").data["ipc_main"] == "E03C 1/04"
    d = only(require(USPTO) / "go-uspto" / "grant" / "v2-5-S1.xml").data
    assert (d["publication_no"], d["kind"]) == ("USD452599S1", "design")
    assert "ipc" not in d  # a Locarno class, not IPC
    d = only(require(USPTO) / "patentpublicdata" / "sgml" / "US06337117.xml").data
    assert (d["publication_no"], d["ipc_main"]) == ("US6337117B1", "B32B 3/02")


def test_uspto_application_xml_v1():
    rec = only(require(USPTO) / "patentpublicdata" / "pap" / "US20010000044A1.xml")  # XHTML DOCTYPE, no declaration
    d = rec.data
    assert rec.label == "US20010000044A1"
    assert d["application_no"] == "US09342866"
    assert (d["filed_at"], d["publication_date"]) == ("1999-06-29", "2001-03-15")
    assert (d["kind"], d["legal_status"]) == ("invention", "pending")
    assert d["title"].startswith("Systems and Methods For Transacting Business Over A Global Communications Network")
    assert d["applicants"] == ["Lin Wayne W"]
    assert d["ipc_main"] == "G06F 17/60"
    assert d["first_claim"].startswith("1. A method of doing business over a global communications network")

    d = only(require(USPTO) / "patentpublicdata" / "pap" / "US20010000943A1.xml").data
    assert d["applicants"] == ["IDEMITSU KOSAN CO., LTD."]
    assert d["priority"] == [{"number": "11-097727", "date": "1999-04-05", "country": "JP"}]


def test_ops_exchange_document_chinese_national_phase():
    rec = only(require(OPS) / "published-data_publication_docdb_CN.104968889.A_biblio.xml")
    d = rec.data
    assert rec.label == "CN104968889A"
    assert d["application_no"] == "2013800622588"  # the original form keeps the check digit
    assert (d["filed_at"], d["publication_date"]) == ("2013-10-11", "2015-10-07")
    assert (d["kind"], d["legal_status"]) == ("invention", "pending")
    assert d["title"] == d["title_en"] == "Attitude reference for tieback/overlap processing"
    assert d["applicants"] == ["SCIENT DRILLING INT"]
    assert d["inventors"] == ["VANSTEENWYK BRETT"]
    assert d["ipc"] == ["E21B 47/0228", "E21B 47/024"]
    assert d["ipc_main"] == "E21B 47/0228"
    assert "E21B 47/02216" in d["cpc"]
    assert {"number": "61/713,164", "date": "2012-10-12", "country": "US"} in d["priority"]
    assert d["citations"] == 5
    assert d["abstract"].startswith("A method for calculating orientation changes within a borehole")


def test_ops_response_with_two_exchange_documents():
    records = read(require(OPS) / "published-data_application_docdb_EP.13844704.A_biblio.xml")
    assert [r.label for r in records] == ["EP2906782A2", "EP2906782A4"]
    assert records[1].location.element == "document 2 (EP2906782A4)"
    assert records[1].location.line > records[0].location.line
    assert records[0].data["applicants"] == ["SCIENTIFIC DRILLING INTERNATIONAL, INC"]  # the original form
    assert records[0].data["inventors"] == ["VANSTEENWYK BRETT"]
    assert records[0].data["application_no"] == "EP13844704"


def test_ops_register_document():
    d = only(require(OPS) / "register_publication_epodoc_EP.3082535.A1_biblio.xml").data
    assert d["publication_no"] == "EP3082535A1"
    assert d["legal_status"] == "pending"
    assert d["legal_events"] == [{"date": "2018-06-15", "code": "14", "description": "Examination is in progress"}]
    assert d["family"] == ["WO2015095864A1"]
    assert d["applicants"] == ["Toaster Labs, Inc."]
    assert d["ipc"] == ["A47K 5/12", "A47K 5/122", "B05B 9/00", "B05B 9/08", "B05B 12/12"]
    assert d["title"] == "AUTOMATIC FLUID DISPENSER"


def test_ops_titles_without_language_are_not_taken_for_english():
    d = only(require(OPS) / "published-data_publication_docdb_RU.2015124071_biblio.xml").data
    assert d["title"] == "БУРОВОЕ ДОЛОТО ДЛЯ БУРИЛЬНОГО УСТРОЙСТВА" and "title_en" not in d
    assert d["applicants"] == ["САЙЕНТИФИК ДРИЛЛИНГ ИНТЕРНЭШНЛ, ИНК."]


# -- hand-made files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entity_declarations_are_refused_before_anything_is_yielded(name):
    path = DATA / name
    assert reader.sniff(path, path.read_bytes())
    error, got = refused(path)
    assert error.code == "xml_entities"
    assert got == []


def test_an_entity_declaration_in_a_later_document_refuses_the_whole_file_up_front(tmp_path):
    path = tmp_path / "weekly.xml"
    path.write_bytes((DATA / "uspto_weekly_with_corrupt.xml").read_bytes() + (DATA / "billion_laughs.xml").read_bytes())
    error, got = refused(path)
    assert (error.code, got) == ("xml_entities", [])
    path.write_bytes((DATA / "uspto_weekly_with_corrupt.xml").read_bytes()
                     + b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "http://example.org/x.dtd"> %p;]>\n<x/>\n')
    error, got = refused(path)
    assert (error.code, got) == ("xml_entities", [])


def test_an_unparsed_entity_pointing_at_a_url_is_refused_too(tmp_path):
    path = tmp_path / "ndata_url.xml"
    path.write_bytes((DATA / "uspto_weekly_with_corrupt.xml").read_bytes().replace(
        b'SYSTEM "US11900001-20240102-D00000.TIF" NDATA', b'SYSTEM "file:///etc/passwd" NDATA'))
    error, got = refused(path)
    assert (error.code, got) == ("xml_entities", [])


def test_a_corrupt_document_in_a_concatenated_file_does_not_stop_the_others():
    records = read(DATA / "uspto_weekly_with_corrupt.xml")
    assert [r.label for r in records] == ["US11900001B2", "US11900002B1", "USD1000003S1"]
    good, bad, design = records
    assert bad.data == {}
    assert [field for field, _ in bad.problems] == ["_record"]
    message = bad.problems[0][1]
    assert message.startswith("XML无法解析：") and " / XML could not be parsed: " in message
    assert "line 26 of the file" in message
    assert (bad.location.line, bad.location.element) == (20, "document 2 (US11900002B1)")
    for record in (good, design):
        assert record.problems == []
        load(record)
    # named HTML entities (&mdash; &lsquo;) are replaced; NDATA image entities accepted
    assert good.data["title"] == "Corn stalk handling device—with a ‘quiet’ gearbox"
    assert good.data["applicants"] == ["Jilin University"]
    assert (good.data["province_code"], good.data["city"]) == ("22", "changchun")
    assert good.data["first_claim"] == "1. A corn stalk handling device comprising:\na frame;\na cutter mounted on the frame."
    assert (design.data["kind"], design.data["city"], design.location.line) == ("design", "siping", 26)


def test_a_corrupt_first_document_does_not_stop_the_others(tmp_path):
    text = (DATA / "uspto_weekly_with_corrupt.xml").read_text(encoding="utf-8")
    documents = text.split('<?xml version="1.0" encoding="UTF-8"?>')[1:]
    path = tmp_path / "weekly.xml"
    path.write_text("".join('<?xml version="1.0" encoding="UTF-8"?>' + d for d in (documents[1], documents[0], documents[2])), encoding="utf-8")
    records = read(path)
    assert [bool(r.data) for r in records] == [False, True, True]
    assert records[0].problems[0][0] == "_record"


def test_a_single_broken_document_refuses_the_file(tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_bytes((DATA / "cnipa_open_licence.xml").read_bytes()[:3000])
    error, got = refused(path)
    assert (error.code, got) == ("xml_malformed", [])
    assert error.zh.startswith("XML无法解析") and error.en.startswith("XML could not be parsed")


def test_non_xml_files_are_refused():
    path = DATA / "not_xml.txt"
    assert not reader.sniff(path, path.read_bytes())
    error, got = refused(path)
    assert (error.code, got) == ("not_xml", [])

    error, got = refused(DATA / "sgml_v24.sgm")  # SGML (no XML declaration, unclosed tags)
    assert (error.code, got) == ("not_xml", [])
    assert "SGML" in error.en


def test_empty_unknown_and_package_index_files(tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    assert refused(empty)[0].code == "empty_file"
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?>\n<catalogue><item>1</item></catalogue>\n', encoding="utf-8")
    error, _ = refused(other)
    assert error.code == "unknown_xml_format" and "catalogue" in error.en
    toc = require(CNIPA) / "epo-ep-patent-document-v1-0" / "st36bexample" / "toc.xml"
    error, got = refused(toc)
    assert (error.code, got) == ("package_index", [])
    assert "toc.xml" in error.en


def test_open_licence_declaration_in_a_cnipa_document():
    rec = only(DATA / "cnipa_open_licence.xml")
    d = rec.data
    assert rec.label == "CN116123456B"
    assert (d["kind"], d["legal_status"], d["grant_no"], d["granted_at"]) == ("invention", "in_force", "CN116123456B", "2024-01-05")
    assert d["open_licence"] == {
        "declared_at": "2024-03-15",
        "payment": "entry_plus_royalty",
        "fee": "5万元",
        "royalty_rate": 3.0,
        "terms": "入门费5万元,另按被许可人年净销售额的3%支付提成费",
        "term": "自许可合同生效之日起至专利权有效期届满之日止",
    }
    assert (d["province_code"], d["city"]) == ("22", "changchun")
    assert d["agency"] == "长春众益专利商标事务所(普通合伙)"
    assert d["owners"] == d["applicants"] == ["吉林农业大学"]
    loaded = load(rec)
    assert loaded["open_licence"]["fee"] == 50000
    assert loaded["open_licence"]["payment"] == "entry_plus_royalty"
    assert loaded["open_licence"]["declared_at"] == date(2024, 3, 15)


def test_ops_family_with_biblio_and_legal_events():
    records = read(DATA / "ops_family_biblio_legal.xml")
    check_all(records)
    cn, wo = (r.data for r in records)
    assert cn["publication_no"] == "CN115000001A" and cn["family"] == ["WO2023230001A1"]
    assert cn["title"] == "一种黑土有机质快速检测方法"
    assert cn["title_en"] == "Rapid detection method for organic matter in black soil"
    assert cn["applicants"] == ["吉林大学"]
    assert [e["code"] for e in cn["legal_events"]] == ["C06", "SE01", "WD01"]
    assert cn["legal_status"] == "withdrawn"  # the latest event
    assert wo["application_no"] == "PCT/CN2023/096001"
    assert (wo["legal_status"], wo["family"]) == ("pending", ["CN115000001A"])


def test_encodings(tmp_path):
    xml = ('<?xml version="1.0" encoding="{enc}"?>\n<cn-patent-document lang="ZH" country="CN"><cn-bibliographic-data>'
           '<cn-publication-reference><document-id><country>CN</country><doc-number>217000001</doc-number><kind>U</kind>'
           '<date>20220701</date></document-id></cn-publication-reference><application-reference><document-id><country>CN</country>'
           '<doc-number>202220000001.X</doc-number><date>20220104</date></document-id></application-reference>'
           '<invention-title>一种人参播种器</invention-title><cn-parties><cn-applicants><cn-applicant sequence="1"><addressbook lang="ZH">'
           '<name>通化市某某农业科技有限公司</name><address><text>134000 吉林省通化市东昌区某某路1号</text></address></addressbook>'
           '</cn-applicant></cn-applicants></cn-parties></cn-bibliographic-data></cn-patent-document>\n')
    gbk = tmp_path / "gbk.xml"
    gbk.write_bytes(xml.format(enc="GB2312").encode("gb18030"))
    utf16 = tmp_path / "utf16.xml"
    utf16.write_bytes(codecs.BOM_UTF16_LE + xml.format(enc="UTF-16").encode("utf-16-le"))
    for path in (gbk, utf16):
        assert reader.sniff(path, path.read_bytes()[:4096])
        rec = only(path)
        d = rec.data
        assert (d["publication_no"], d["kind"], d["legal_status"]) == ("CN217000001U", "utility", "in_force")
        assert d["title"] == "一种人参播种器"
        assert (d["province_code"], d["city"]) == ("22", "tonghua")
        load(rec)


# -- helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, symbol", [
    ("A24B   15/18    (2006.01)", "A24B 15/18"),
    ("H04N   1/40        20060101AFI20051109BHEP", "H04N 1/40"),
    ("E21B  47/  0228            A I", "E21B 47/0228"),
    ("A41D013/00", "A41D 13/00"),
    ("not a class", None),
])
def test_ipc_from_text(text, symbol):
    assert ipc_from_text(text) == symbol


@pytest.mark.parametrize("text, symbol", [
    ("A47L  514", "A47L 5/14"), ("G06F 1516", "G06F 15/16"), ("B32B  302", "B32B 3/02"), ("E03C 104", "E03C 1/04"),
    ("C07D40304", "C07D 403/04"), ("1402", None), ("0101", None),
])
def test_ipc_from_st32(text, symbol):
    assert ipc_from_st32(text) == symbol


def test_numbers_dates_kinds():
    assert publication_number("US", "06857133", "B2") == "US6857133B2"
    assert publication_number("US", "D0452599", "S1") == "USD452599S1"
    assert publication_number("US", "20010000044", "A1") == "US20010000044A1"
    assert publication_number("WO", "2021/173713", None) == "WO2021173713"
    assert (iso_date("20211210"), iso_date("00000000"), iso_date("20010231"), iso_date("2015-01-20")) == (
        "2021-12-10", None, None, "2015-01-20")
    assert [patent_kind("CN", k) for k in ("A", "B", "C", "U", "Y", "S", "D")] == [
        "invention", "invention", "invention", "utility", "utility", "design", "design"]
    assert [patent_kind("US", k) for k in ("A1", "A2", "B1", "B2", "S1", "P2", "E")] == [
        "invention", "invention", "invention", "invention", "design", None, None]


def test_legal_event_texts():
    assert status_from_text("INVENTION PATENT APPLICATION DEEMED TO BE WITHDRAWN AFTER PUBLICATION") == "withdrawn"
    assert status_from_text("TERMINATION OF PATENT RIGHT DUE TO NON-PAYMENT OF ANNUAL FEE") == "lapsed"
    assert status_from_text("PATENT GRANT") == "in_force"
    assert status_from_text("专利权有效期届满") == "expired"
    assert status_from_text("LAPSED IN A CONTRACTING STATE [ANNOUNCED VIA POSTGRANT INFORMATION FROM NATIONAL OFFICE TO EPO]") is None
    events = [{"date": "2024-03-15", "code": "OL01", "description": "专利实施的开放许可声明"},
              {"date": "2024-09-01", "code": "OL02", "description": "专利实施的开放许可声明的撤回"}]
    assert open_licence_from_events(events[:1]) == {"declared_at": "2024-03-15"}
    assert open_licence_from_events(events) == {"declared_at": "2024-03-15", "withdrawn_at": "2024-09-01"}
    assert open_licence_from_events([{"date": "2024-03-15", "description": "PATENT GRANT"}]) is None
