"""Patent full-text and bibliographic XML: CNIPA (V2.2.1 ``business:`` schema and the older
``cn-patent-document``), EPO ``ep-patent-document``, WIPO ST.96 ``PatentPublication``, USPTO
(ICE v4.x grants and applications, grant XML v2.5 ``PATDOC``, application XML v1.x) and EPO OPS
responses (DOCDB ``exchange-document``, family with biblio, EP register).

How a file is read:

1. whole-file checks, before any record: size, binary signatures, non-XML text (USPTO Green
   Book / BRS exports), and entity declarations. Any ``<!ENTITY`` is refused (``xml_entities``,
   billion laughs / XXE) *except* unparsed entities (``<!ENTITY name SYSTEM "file.TIF" NDATA TIF>``),
   which USPTO files use to name their image files: they can never be expanded into text, and
   the DOCTYPE that holds them is removed before parsing anyway;
2. the file is split into XML documents at each ``<?xml version…?>`` declaration (USPTO weekly
   files concatenate thousands), streaming, one document in memory at a time;
3. each document: decoded from its declared encoding, XML declaration and DOCTYPE removed (no DTD
   is ever loaded, nothing is fetched), HTML named entities (``&lsquo;``) replaced by their
   characters, parsed with :func:`ingest.safety.xml_parser`, namespaces dropped, then mapped by
   the module for its format (``patent_xml_cnipa``, ``_uspto``, ``_epo``, ``_st96``).

A document that cannot be parsed or mapped, in a file of several, becomes a record with
``data={}`` and a ``_record`` problem, and the others go on. When the file holds a single document
(or the first document already shows the file is not patent XML), the file is refused instead,
with one of these codes: ``not_xml``, ``xml_entities``, ``xml_malformed``, ``unknown_encoding``,
``unknown_xml_format``, ``package_index`` (an EPO ``toc.xml``), ``no_bibliographic_data`` (OPS
family/legal/search/full-text responses, which carry no title), ``empty_file``.
"""
from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from ..safety import check_size, refuse_binary, refuse_entity_declarations, replace_named_entities, xml_parser
from .base import FileRefused, Location, RawRecord
from .patent_xml_cnipa import map_cnipa_new, map_cnipa_old
from .patent_xml_common import finish, publication_number, strip_namespaces
from .patent_xml_epo import map_ep_document, map_ops
from .patent_xml_st96 import map_st96
from .patent_xml_uspto import map_us_ice, map_us_pap, map_us_st32

HEAD_BYTES = 64 * 1024

# root element (local name) -> (mapper, format label)
MAPPERS: dict[str, tuple[Callable, str]] = {
    "PatentDocumentAndRelated": (map_cnipa_new, "CNIPA XML V2.x"),
    "cn-patent-document": (map_cnipa_old, "CNIPA cn-patent-document"),
    "ep-patent-document": (map_ep_document, "EPO ep-patent-document"),
    "PatentPublication": (map_st96, "WIPO ST.96"),
    "us-patent-grant": (map_us_ice, "USPTO ICE grant"),
    "us-patent-application": (map_us_ice, "USPTO ICE application"),
    "PATDOC": (map_us_st32, "USPTO grant XML v2.5"),
    "patent-application-publication": (map_us_pap, "USPTO application XML v1.x"),
    "world-patent-data": (map_ops, "EPO OPS"),
}

_SNIFF = re.compile(
    rb"<(?:[\w.\-]+:)?(?:PatentDocumentAndRelated|cn-patent-document|ep-patent-document|us-patent-grant|"
    rb"us-patent-application|PATDOC|patent-application-publication|world-patent-data|Application-body)[\s>/]"
    rb"|<!DOCTYPE\s+(?:[\w.\-]+:)?(?:PatentDocumentAndRelated|cn-patent-document|ep-patent-document|us-patent-grant|"
    rb"us-patent-application|PATDOC|patent-application-publication)[\s>\[]"
    rb"|http://www\.sipo\.gov\.cn/XMLSchema|http://ops\.epo\.org"
)
_ST96 = re.compile(rb"<(?:[\w.\-]+:)?PatentPublication[\s>]")
_GREEN_BOOK = re.compile(rb"^\s*(?:HHHHHT[^\n]*\n\s*)?PATN\s*\r?\n")
_BRS = b"*** BRS DOCUMENT BOUNDARY ***"
_XML_DECL = re.compile(rb"<\?xml\s+version")
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
# an unparsed entity naming a local file (USPTO image files): no URL scheme, no path
_NDATA_ENTITY = re.compile(
    rb"<!ENTITY\s+[A-Za-z_][\w.\-]*\s+(?:SYSTEM|PUBLIC\s+(?:\"[^\"]*\"|'[^']*'))\s+"
    rb"(?:\"[^\"<>%&:/\\]*\"|'[^'<>%&:/\\]*')\s+NDATA\s+[A-Za-z_][\w.\-]*\s*>"
)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
_SPACE = re.compile(r"\s*")
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


class _DocumentProblem(Exception):
    """One XML document cannot be used; becomes a refused file or a ``_record`` problem."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


# codes that, found in the first document, say the whole file is not patent XML
_WHOLE_FILE = {"unknown_xml_format", "package_index", "no_bibliographic_data"}


class PatentXmlReader:
    name = "patent-xml"

    # -- sniffing ----------------------------------------------------------------------------

    def sniff(self, path: Path, head: bytes) -> bool:
        head = _head_as_utf8(head)
        if _SNIFF.search(head):
            return True
        if _ST96.search(head) and b"wipo.int/standards/XMLSchema/ST96" in head:
            return True
        # USPTO text formats: claimed so that they are refused with a clear reason
        return bool(_GREEN_BOOK.match(head) or _BRS in head[:4096])

    # -- reading -----------------------------------------------------------------------------

    def read(self, path: Path, *, record_type: str | None = None, display_name: str | None = None) -> Iterator[RawRecord]:
        path = Path(path)
        file_name = display_name or path.name
        check_size(path)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        opener = _opener(path, head)
        head = _head_as_utf8(head)
        refuse_binary(head, "XML")
        _refuse_text_formats(head)
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise FileRefused("not_xml", "文件不是XML（应以“<”开头）", "the file is not XML (it should start with “<”)")
        _check_entities(opener)
        yield from self._records(opener, file_name)

    def _records(self, opener: Callable[[], IO[bytes]], file_name: str) -> Iterator[RawRecord]:
        documents = _split_documents(opener)
        first = next(documents, None)
        if first is None:
            raise FileRefused("empty_file", "文件中没有XML内容", "the file holds no XML content")
        second = next(documents, None)
        single = second is None
        parser = xml_parser()

        def chain():
            yield first
            if second is not None:
                yield second
            yield from documents

        count = 0
        for index, (line, raw) in enumerate(chain(), 1):
            try:
                mapped = _map_document(raw, parser, line)
            except _DocumentProblem as problem:
                if single or (index == 1 and problem.code in _WHOLE_FILE):
                    raise FileRefused(problem.code, problem.zh, problem.en) from None
                count += 1
                label = _guess_label(raw)
                element = f"document {count} ({label})" if label else f"document {count}"
                yield RawRecord(Location(file_name, line=line, element=element), "patent", {},
                                [("_record", f"{problem.zh} / {problem.en}")], label)
                continue
            for data, problems, sourceline in mapped:
                count += 1
                data = finish(data)
                label = data.get("publication_no") or data.get("application_no")
                element = f"document {count} ({label})" if label else f"document {count}"
                yield RawRecord(Location(file_name, line=line + max(sourceline - 1, 0), element=element),
                                "patent", data, list(problems), label)


# -- whole-file checks ---------------------------------------------------------------------------

def _head_as_utf8(head: bytes) -> bytes:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore").encode("utf-8")
    return head


def _opener(path: Path, head: bytes) -> Callable[[], IO[bytes]]:
    """A function opening the file as ASCII-compatible bytes (UTF-16 files are transcoded)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = path.read_bytes().decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused("unknown_encoding", "UTF-16文件中有无效字符", "the UTF-16 file holds invalid characters") from None
        data = re.sub(r"(<\?xml[^>]*?encoding\s*=\s*[\"'])utf-16(?:le|be)?([\"'])", r"\1UTF-8\2", text, flags=re.IGNORECASE).encode("utf-8")
        return lambda: io.BytesIO(data)
    return lambda: open(path, "rb")


def _refuse_text_formats(head: bytes) -> None:
    if _GREEN_BOOK.match(head):
        raise FileRefused("not_xml", "这是USPTO Green Book（APS定长文本，1976-2001年授权专利）格式，不是XML，暂不支持",
                          "this is USPTO Green Book (APS fixed-field text, 1976-2001 grants), not XML; not supported")
    if _BRS in head[:4096]:
        raise FileRefused("not_xml", "这是USPTO BRS标记文本导出格式，不是XML，暂不支持",
                          "this is a USPTO BRS tagged-text export, not XML; not supported")


def _check_entities(opener: Callable[[], IO[bytes]]) -> None:
    """Refuse any entity declaration other than an unparsed (NDATA) one, scanning the whole file
    in blocks before anything is yielded."""
    block_size = 1024 * 1024
    with opener() as fh, opener() as probe:
        offset, tail, last = 0, b"", -1
        while block := fh.read(block_size):
            data = tail + block
            base = offset - len(tail)
            for m in _ENTITY.finditer(data):
                pos = base + m.start()
                if pos <= last:
                    continue
                last = pos
                probe.seek(pos)
                declaration = probe.read(4096)
                if not _NDATA_ENTITY.match(declaration):
                    refuse_entity_declarations(declaration)
                    raise FileRefused("xml_entities", "XML中含有实体声明，已拒绝", "the XML declares entities; refused")  # pragma: no cover
            tail = data[-16:]
            offset += len(block)


def _split_documents(opener: Callable[[], IO[bytes]]) -> Iterator[tuple[int, bytes]]:
    """(first line, bytes) of each XML document, split at every ``<?xml version`` declaration."""
    current: list[bytes] = []
    start_line = 1
    line_no = 0

    def content(parts: list[bytes]) -> bytes | None:
        raw = b"".join(parts)
        stripped = raw.strip().lstrip(codecs.BOM_UTF8).strip()
        return raw if stripped else None

    with opener() as fh:
        for line in fh:
            line_no += 1
            pos = 0
            for m in _XML_DECL.finditer(line):
                current.append(line[pos:m.start()])
                raw = content(current)
                if raw is not None:
                    yield start_line, raw
                current, start_line, pos = [], line_no, m.start()
            piece = line[pos:]
            if not current and not piece.strip(b" \t\r\n\xef\xbb\xbf"):
                start_line = line_no + 1  # blank lines before a document
                continue
            current.append(piece)
    raw = content(current)
    if raw is not None:
        yield start_line, raw


# -- one document --------------------------------------------------------------------------------

def _decode(raw: bytes) -> str:
    if raw.lstrip().startswith(codecs.BOM_UTF8):
        raw = raw.lstrip()[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    else:
        m = _ENCODING.match(raw)
        encoding = m.group(1).decode("ascii").lower() if m else "utf-8"
    encoding = _ENCODING_ALIASES.get(encoding, encoding)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _DocumentProblem("unknown_encoding", f"不支持的字符编码“{encoding}”", f"unsupported character encoding “{encoding}”") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _DocumentProblem("unknown_encoding", f"内容不是有效的{encoding}编码（第{exc.start}字节）",
                               f"the content is not valid {encoding} (byte {exc.start})") from None


def _blank(text: str) -> str:
    return "\n" * text.count("\n")


def _doctype_end(text: str, start: int) -> int:
    """Index just after the ``>`` closing the DOCTYPE at ``start`` (quotes, the internal subset
    and comments inside it respected); -1 if it never closes."""
    i, depth, n = start + len("<!DOCTYPE"), 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = text.find(ch, i + 1)
            if j < 0:
                return -1
            i = j + 1
            continue
        if text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                return -1
            i = j + 3
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ">" and depth <= 0:
            return i + 1
        i += 1
    return -1


def _strip_prolog(text: str) -> str:
    """Remove the XML declaration and the DOCTYPE (keeping the line count), leave comments and
    processing instructions; stop at the root element."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        m = _SPACE.match(text, i)
        out.append(text[i:m.end()])
        i = m.end()
        if text.startswith("<?", i):
            j = text.find("?>", i)
            if j < 0:
                break
            piece = text[i:j + 2]
            out.append(_blank(piece) if re.match(r"<\?xml\s", piece) else piece)
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                break
            out.append(text[i:j + 3])
            i = j + 3
        elif text.startswith("<!DOCTYPE", i):
            j = _doctype_end(text, i)
            if j < 0:
                raise _DocumentProblem("xml_malformed", "XML无法解析：DOCTYPE声明未结束", "XML could not be parsed: the DOCTYPE declaration never ends")
            out.append(_blank(text[i:j]))
            i = j
        else:
            break
    out.append(text[i:])
    return "".join(out)


_PUBREF = re.compile(
    rb"<publication-reference>\s*<document-id[^>]*>\s*<country>([A-Z]{2})</country>\s*<doc-number>([^<]{1,20})</doc-number>"
    rb"\s*<kind>([^<]{1,3})</kind>")
_CN_ROOT = re.compile(rb"<[\w:]*PatentDocumentAndRelated\b[^>]*?\bcountry=\"([A-Z]{2})\"[^>]*?\bdocNumber=\"(\w+)\"[^>]*?\bkind=\"(\w+)\"")


def _guess_label(raw: bytes) -> str | None:
    """The publication number of a document that could not be parsed, if it can be seen."""
    m = _PUBREF.search(raw[:20000]) or _CN_ROOT.search(raw[:20000])
    if not m:
        return None
    country, number, kind = (g.decode("utf-8", "replace") for g in m.groups())
    return publication_number(country, number, kind)


def _map_document(raw: bytes, parser, first_line: int = 1) -> list[tuple[dict[str, Any], list[tuple[str, str]], int]]:
    text = _decode(raw).lstrip("\ufeff")
    text = replace_named_entities(_strip_prolog(text))
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        message = re.sub(r",\s*line \d+, column \d+\s*$", "", str(exc.msg if getattr(exc, "msg", None) else exc))
        message = re.sub(r"\bline (\d+)", lambda m: f"line {first_line + int(m.group(1)) - 1}", message)  # lines of the file
        line = first_line + exc.lineno - 1 if getattr(exc, "lineno", None) else None
        where = f"（文件第{line}行）" if line else ""
        where_en = f" (line {line} of the file)" if line else ""
        sgml = b"<PATDOC" in raw and not _XML_DECL.search(raw[:200])
        if sgml:
            raise _DocumentProblem("not_xml", f"这是USPTO SGML格式（ST.32 v2.4），不是XML：{message}{where}",
                                   f"this is USPTO SGML (ST.32 v2.4), not XML: {message}{where_en}") from None
        raise _DocumentProblem("xml_malformed", f"XML无法解析：{message}{where}", f"XML could not be parsed: {message}{where_en}") from None
    if root is None:
        raise _DocumentProblem("xml_malformed", "XML无法解析：没有根元素", "XML could not be parsed: no root element")
    namespace = etree.QName(root).namespace or ""
    local = etree.QName(root).localname
    if local == "Application-body":
        raise _DocumentProblem("package_index", "这是EPO出版物资料包的目录文件（toc.xml），不含专利数据；请导入同目录下的DOC*.xml",
                               "this is the index of an EPO publication package (toc.xml), not a patent document; import the DOC*.xml next to it")
    if local == "PatentPublication" and "ST96" not in namespace and namespace:
        local = ""
    if local not in MAPPERS:
        raise _DocumentProblem("unknown_xml_format", f"不是可识别的专利XML格式（根元素<{local or root.tag}>）",
                               f"not a recognised patent XML format (root element <{local or root.tag}>)")
    mapper, label = MAPPERS[local]
    strip_namespaces(root)
    out = []
    for item in mapper(root):
        data, problems = item[0], item[1]
        out.append((data, problems, item[2] if len(item) > 2 else 1))
    if not out:
        raise _DocumentProblem("no_bibliographic_data", f"{label}响应中没有著录项目（同族、法律状态、检索或全文响应无法单独导入，请请求biblio数据）",
                               f"the {label} response holds no bibliographic data (family, legal-status, search and full-text responses "
                               "cannot be imported on their own; request the biblio constituent)")
    return out


__all__ = ["PatentXmlReader"]
