"""The OAI-PMH harvester against a real OAI-PMH data provider (the ``oaipmh`` package's
BatchingServer, tests/oai_server.py) serving the real DSpace@MIT sample records on 127.0.0.1."""
from __future__ import annotations

import math
import socket
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from lxml import etree
from oaipmh.server import BatchingServer

from ingest.readers.base import FileRefused, Location, RawRecord
from ingest.readers.oai_pmh import DeletedRecord, HarvestedRecord, HarvestError, OaiPmhHarvester, map_dublin_core
from tests.oai_server import REPOSITORY_NAME, SAMPLE, OaiTestServer
from tests.shared_data import require
from web.schemas.achievement import AchievementSchema

BATCH = 10
ARTICLE = "oai:dspace.mit.edu:1721.1/115235"
REPORT = "oai:dspace.mit.edu:1721.1/37296"
THESIS = "oai:dspace.mit.edu:1721.1/152958"
DELETED = "oai:dspace.mit.edu:1721.1/112746"
BIG_SET = "com_1721.1_140587"  # the Experimental Music Studio recordings


@pytest.fixture(scope="module")
def server():
    with OaiTestServer(require(SAMPLE), batch_size=BATCH) as srv:
        yield srv


@pytest.fixture(scope="module")
def harvest(server):
    """One full harvest: (harvester, records, the server's requests it made)."""
    start = len(server.requests)
    harvester = OaiPmhHarvester(server.url)
    records = list(harvester.records())
    return harvester, records, server.requests[start:]


def by_label(records):
    return {r.label: r for r in records}


def stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


# -- a full harvest ----------------------------------------------------------------------------


def test_the_server_is_the_oaipmh_package_with_the_sample(server):
    assert isinstance(server.oai, BatchingServer)
    assert len(server.records) > 130
    assert sum(r.deleted for r in server.records.values()) == 9


def test_full_harvest_returns_every_record_following_resumption_tokens(server, harvest):
    harvester, records, requests = harvest
    assert len(records) == len(server.records)  # deletions included
    assert {r.label for r in records} == set(server.records)
    assert all(isinstance(r, RawRecord) and isinstance(r, HarvestedRecord) for r in records)

    assert [q["verb"] for q in requests] == ["Identify"] + ["ListRecords"] * math.ceil(len(server.records) / BATCH)
    assert "resumptionToken" not in requests[1] and requests[1]["metadataPrefix"] == "oai_dc"
    tokens = [q["resumptionToken"] for q in requests[2:]]
    assert len(tokens) > 1 and len(set(tokens)) == len(tokens) and all(len(q) == 2 for q in requests[2:])
    assert harvester.request_count == len(requests)

    assert harvester.complete and harvester.resumption_token is None
    assert harvester.identify().name == REPOSITORY_NAME
    assert harvester.identify().granularity == "YYYY-MM-DDThh:mm:ssZ"
    newest = max(server.records.values(), key=lambda r: r.datestamp)
    assert harvester.last_datestamp == newest.datestamp_text
    assert abs(stamp(harvester.response_date) - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=5)


def test_every_live_record_loads_through_the_achievement_schema(server, harvest):
    _, records, _ = harvest
    live = [r for r in records if not r.deleted]
    assert len(live) == len(records) - 9
    schema = AchievementSchema()
    for rec in live:
        assert rec.record_type == "achievement"
        assert rec.problems == []
        assert rec.location == Location(file=server.url, element=rec.label)
        assert schema.validate(rec.data) == {}, (rec.label, schema.validate(rec.data))
        loaded = schema.load(rec.data)
        assert loaded["title"] and loaded["institutions"]
        assert loaded["summary"] is None or len(loaded["summary"]) <= 2000


def test_deleted_records_are_marked(server, harvest):
    _, records, _ = harvest
    deleted = [r for r in records if r.deleted]
    assert {r.label for r in deleted} == {i for i, r in server.records.items() if r.deleted}
    rec = by_label(records)[DELETED]
    assert isinstance(rec, DeletedRecord) and isinstance(rec, RawRecord)
    assert rec.deleted is True and rec.data == {} and rec.problems == []
    assert rec.record_type == "achievement" and rec.location.element == DELETED
    assert rec.datestamp == "2017-12-14T15:03:59Z"
    assert all(getattr(r, "deleted") is False for r in records if not isinstance(r, DeletedRecord))


# -- mapping of known records ------------------------------------------------------------------


def test_known_article(harvest):
    rec = by_label(harvest[1])[ARTICLE]
    assert rec.datestamp == "2019-04-05T14:18:12Z"
    assert rec.data == {
        "title": 'Commentary on "The Degrowth Initiative"',
        "title_en": 'Commentary on "The Degrowth Initiative"',
        "summary": None,
        "keywords": ["Sustainable Transitions", "Sustainable Development", "Degrowth"],
        "people": ["Ashford, Nicholas A."],
        "institutions": ["Great Transition Initiative"],  # dc:publisher
        "registered_at": "2015-01-01",  # dc:date "2015", earlier than the 2018 deposit dates
        "achievement_type": "basic",
        "form": "paper",
        "external_id": ARTICLE,  # re-harvests find the record by it
    }


def test_known_technical_report(harvest):
    rec = by_label(harvest[1])[REPORT]
    data = rec.data
    title = "Identification of Communication and Coordination Issues in the U. S. Air Traffic Control System"
    assert data["title"] == data["title_en"] == title  # dc:language en_US
    assert data["people"] == ["Davison, Hayley", "Hansman, R. John"]
    assert data["keywords"] == ["air traffic control", "ATC", "National Airspace System", "air transportation"]
    assert data["registered_at"] == "2001-06-01"  # "2001-06"
    assert data["form"] == "research_report" and data["achievement_type"] is None
    assert data["institutions"] == [REPOSITORY_NAME]  # no dc:publisher: the repository's name
    assert data["summary"].startswith("Today’s air traffic control system is approaching the point of saturation")
    assert "NAG 2-1299" not in data["summary"]  # the funding note is not the abstract


def test_long_abstract_is_cut_at_a_sentence(harvest):
    rec = by_label(harvest[1])[THESIS]
    data = rec.data
    assert data["title"] == "Studying Electronic Textures with Coherent Lensless Imaging"
    assert data["people"] == ["Levitan, Abraham Lewis"]  # contributors (the adviser) are not authors
    assert data["registered_at"] == "2023-06-01"
    assert (data["achievement_type"], data["form"]) == ("basic", "paper")
    assert data["institutions"] == ["Massachusetts Institute of Technology"]
    assert data["summary"].startswith("X-ray microscopes have opened")
    assert data["summary"].endswith("the mechanisms behind it and its limitations. …")
    assert "\n\nIn the past twenty years" in data["summary"]  # paragraphs kept
    assert rec.problems == []
    assert len(AchievementSchema().load(data)["summary"]) <= 2000


def test_holder_replaces_the_publisher(server):
    harvester = OaiPmhHarvester(server.url, set_spec="hdl_1721.1_34285", holder="吉林大学")
    records = list(harvester.records())
    report = by_label(records)[REPORT]
    assert report.data["institutions"] == ["吉林大学"]
    assert all(r.data["institutions"] == ["吉林大学"] for r in records if not r.deleted)


def test_mapping_rules_beyond_the_sample():
    """What the English DSpace@MIT sample does not show: a Chinese record, limits, odd dates."""
    dc = "http://purl.org/dc/elements/1.1/"
    metadata = etree.Element("{http://www.openarchives.org/OAI/2.0/}metadata")
    record = etree.SubElement(metadata, "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc", nsmap={"dc": dc})

    def add(name, *values):
        for value in values:
            etree.SubElement(record, f"{{{dc}}}{name}").text = value

    add("title", "玉米秸秆高效还田技术", "Efficient return of maize straw to the field")
    add("language", "zh")
    add("creator", "张三", "X" * 51, *[f"作者{i}" for i in range(60)])
    add("subject", "玉米; 秸秆还田；保护性耕作", *[f"kw{i}" for i in range(12)], "k" * 51)
    add("description", "短说明", "句子。" * 800)
    add("date", "2999-01-01", "0000", "2019-02-30", "2016-09", "2017")
    add("type", "info:eu-repo/semantics/doctoralThesis")
    add("publisher", "吉林大学", "吉林大学")
    data, problems = map_dublin_core(metadata, repository_name="Repo", today=date(2024, 6, 1))
    assert data["title"] == "玉米秸秆高效还田技术"
    assert data["title_en"] == "Efficient return of maize straw to the field"
    assert data["people"][:2] == ["张三", "作者0"] and len(data["people"]) == 50
    assert data["keywords"][:3] == ["玉米", "秸秆还田", "保护性耕作"] and len(data["keywords"]) == 10
    assert problems == []  # the 51-character creator and subject are left out, the paper is kept
    assert "X" * 51 not in data["people"] and "k" * 51 not in data["keywords"]
    assert data["summary"].endswith("。 …") and len(data["summary"]) <= 1996 + 2
    assert data["registered_at"] == "2016-09-01"
    assert (data["achievement_type"], data["form"]) == ("basic", "paper")
    assert data["institutions"] == ["吉林大学"]
    loaded = AchievementSchema().load(data)
    assert len(loaded["summary"]) <= 2000 and loaded["registered_at"] == date(2016, 9, 1)


# -- selective and incremental harvests --------------------------------------------------------


def test_incremental_harvest_returns_only_later_records(server):
    since = "2022-03-01T18:00:00Z"
    expected = {i for i, r in server.records.items() if r.datestamp >= stamp(since)}
    assert 0 < len(expected) < len(server.records)
    start = len(server.requests)
    harvester = OaiPmhHarvester(server.url)
    records = list(harvester.records(from_date=since))
    assert {r.label for r in records} == expected
    assert all(stamp(r.datestamp) >= stamp(since) for r in records)
    assert server.requests[start + 1]["from"] == since

    # a datetime (here Beijing time) is written in UTC, in the repository's granularity
    start = len(server.requests)
    again = list(OaiPmhHarvester(server.url).records(from_date=datetime(2022, 3, 2, 2, 0, tzinfo=timezone(timedelta(hours=8)))))
    assert {r.label for r in again} == expected
    assert server.requests[start + 1]["from"] == since


def test_next_harvest_from_the_response_date_finds_nothing(server, harvest):
    harvester, _, _ = harvest
    nothing_new = list(OaiPmhHarvester(server.url).records(from_date=harvester.response_date))
    assert nothing_new == []


def test_no_records_match_is_not_an_error(server):
    harvester = OaiPmhHarvester(server.url)
    assert list(harvester.records(from_date=datetime(2999, 1, 1))) == []
    assert harvester.complete
    assert harvester.response_date is not None
    # the server did answer noRecordsMatch
    root = harvester.call("ListRecords", metadataPrefix="oai_dc", from_="2999-01-01T00:00:00Z")
    assert [e.get("code") for e in root.iter("{http://www.openarchives.org/OAI/2.0/}error")] == ["noRecordsMatch"]


def test_until_and_set(server):
    records = list(OaiPmhHarvester(server.url).records(until=date(2018, 12, 31)))
    assert {r.label for r in records} == {i for i, r in server.records.items() if r.datestamp.year <= 2018}
    assert records and all(r.deleted for r in records)  # only deletions are that old
    assert server.requests[-1]["until"] == "2018-12-31T23:59:59Z"

    in_set = list(OaiPmhHarvester(server.url, set_spec=BIG_SET).records())
    expected = {i for i, r in server.records.items() if BIG_SET in r.set_specs}
    assert len(expected) > BATCH and {r.label for r in in_set} == expected
    assert all(BIG_SET in r.set_specs for r in in_set)


def test_day_granularity_repository_gets_day_datestamps():
    with OaiTestServer(require(SAMPLE), batch_size=25, granularity="YYYY-MM-DD") as srv:
        harvester = OaiPmhHarvester(srv.url)
        records = list(harvester.records(from_date=datetime(2022, 3, 1, 18, 30), until="2022-03-01"))
        assert harvester.identify().granularity == "YYYY-MM-DD"
        assert {(q.get("from"), q.get("until")) for q in srv.requests if q.get("verb") == "ListRecords" and "metadataPrefix" in q} == {("2022-03-01", "2022-03-01")}
        assert {r.label for r in records} == {i for i, r in srv.records.items() if r.datestamp.date() == date(2022, 3, 1)}


# -- errors ------------------------------------------------------------------------------------


def test_bad_resumption_token(server):
    harvester = OaiPmhHarvester(server.url)
    with pytest.raises(HarvestError) as info:
        list(harvester.records(resumption_token="no-such-token"))
    err = info.value
    assert err.code == "badResumptionToken"
    assert "resumption token is invalid or has expired" in err.en and "续传令牌" in err.zh
    assert str(err) == f"{err.zh} / {err.en}"
    assert isinstance(err, FileRefused)
    assert not harvester.complete


def test_bad_argument(server):
    with pytest.raises(HarvestError) as info:
        OaiPmhHarvester(server.url).call("ListRecords", metadataPrefix="oai_dc", from_="2020-13-45")
    assert info.value.code == "badArgument" and "2020-13-45" in info.value.en


def test_cannot_disseminate_format(server):
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(server.url, metadata_prefix="marc21").records())
    assert info.value.code == "cannotDisseminateFormat"
    assert "does not offer the requested metadata format" in info.value.en and "marc21" in info.value.en


def test_unreachable_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(f"http://127.0.0.1:{port}/oai", timeout=5).records())
    assert info.value.code == "unreachable"
    assert "cannot reach the OAI-PMH repository" in info.value.en and "无法连接" in info.value.zh


def test_timeout():
    with socket.socket() as s:  # accepts connections (backlog), never answers
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(HarvestError) as info:
            list(OaiPmhHarvester(f"http://127.0.0.1:{port}/oai", timeout=0.5).records())
    assert info.value.code == "timeout" and "did not answer within 0.5 s" in info.value.en


def test_503_is_retried_after_retry_after(server):
    harvester = OaiPmhHarvester(server.url)
    harvester.identify()
    start = len(server.requests)
    server.schedule_fault(503, count=1, retry_after="0")  # the first ListRecords
    http_date = format_datetime(datetime.now(timezone.utc) - timedelta(seconds=5), usegmt=True)
    server.schedule_fault(503, after=3, count=1, retry_after=http_date)  # a page in the middle
    records = list(harvester.records())
    assert len(records) == len(server.records) and harvester.complete
    pages = math.ceil(len(server.records) / BATCH)
    assert len(server.requests) - start == pages + 2
    assert server.requests[start] == server.requests[start + 1]  # the same request again


def test_503_gives_up_after_max_retries(server):
    server.schedule_fault(503, count=3, retry_after="0")  # Identify and its two retries
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(server.url, max_retries=2).records())
    err = info.value
    assert err.code == "http_error" and err.http_status == 503 and "after 2 retries" in err.en
    assert "HTTP 503" in err.zh


def test_failure_midway_keeps_records_and_can_resume(server):
    harvester = OaiPmhHarvester(server.url)
    got = []
    server.schedule_fault(500, after=3)  # Identify, page 1, page 2 answered; page 3 fails
    with pytest.raises(HarvestError) as info:
        for rec in harvester.records():
            got.append(rec)
    assert info.value.code == "http_error" and info.value.http_status == 500
    assert "HTTP 500" in info.value.en and "HTTP 500" in info.value.zh
    assert len(got) == 2 * BATCH and not harvester.complete
    token = harvester.resumption_token
    assert token
    got.extend(harvester.records(resumption_token=token))  # the server still accepts the token
    assert harvester.complete
    assert sorted(r.label for r in got) == sorted(server.records)


def test_hostile_or_broken_responses_are_refused(server):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&lol2;</OAI-PMH>')
    server.schedule_fault(200, body=bomb)
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(server.url).records())
    assert info.value.code == "xml_entities"

    server.schedule_fault(200, after=1, body=b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>')
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(server.url).records())
    assert info.value.code == "bad_response" and "not well-formed XML" in info.value.en

    server.schedule_fault(200, body=b"<html><body>Maintenance</body></html>")
    with pytest.raises(HarvestError) as info:
        list(OaiPmhHarvester(server.url).records())
    assert info.value.code == "bad_response" and "not an OAI-PMH response" in info.value.en
