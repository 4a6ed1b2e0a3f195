"""The published annual list (年度高质量科技成果榜单) as files: XLSX, PDF and an Atom feed.

Everything here reads a frozen ``SelectionList`` revision and nothing else, so a file made today
and one made next year from the same revision say the same thing (the digest is in every one).

* XLSX: every text cell passes :func:`~.export.clean_text` (the search export's rule, built on
  :func:`~.imports.spreadsheet_safe`), so no name or statement runs as a formula.
* PDF: the HTML of ``selection/list_pdf.html`` through WeasyPrint, with the CJK font embedded
  (subset) so the list reads the same on a machine without Chinese fonts. WeasyPrint may fetch
  nothing: only ``data:`` URLs are allowed, and there is no base URL, so neither the network nor
  the server's files can end up in a public document.
* Atom: one entry per revision, newest first, its id the revision's own page.

The publisher's account (``published_by``) is an e-mail address and appears in none of them.

A view does, for example::

    body = selection_export.list_pdf(listing, locale)
    name, ascii_name = selection_export.filenames(listing, "pdf", locale)
    response = Response(body, content_type=selection_export.PDF_MIMETYPE)
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from feedgen.feed import FeedGenerator
from flask import render_template
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import vocabularies
from ..models import SelectionList
from .export import CHINA_TIME, XLSX_CELL_MAX, XLSX_MIMETYPE, clean_text, normalise_locale

PDF_MIMETYPE = "application/pdf"
ATOM_MIMETYPE = "application/atom+xml; charset=utf-8"
PDF_TEMPLATE = "selection/list_pdf.html"
NONE = "—"
# WeasyPrint may read these and nothing else (no http(s), no file: the HTML holds all it needs)
PDF_ALLOWED_PROTOCOLS = frozenset({"data"})
# XML 1.0 forbids these: a note pasted with one must not break the feed
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# the pre-score's parts and the experts' rubric, as the formula names them (selection_scoring.py)
# one wording for the pages and the files: the vocabularies the pages label them with
PART_LABELS = {t.code: (t.zh, t.en) for t in vocabularies.get("selection_part")}
RUBRIC_LABELS = {t.code: (t.zh, t.en) for t in vocabularies.get("selection_rubric")}
TIE_BREAK_LABELS = {
    "combined": ("综合得分", "combined score"),
    "expert": ("专家评分", "expert score"),
    "auto": ("预评分", "pre-score"),
    "achievement_id": ("成果入库先后", "the earlier stored achievement"),
}

# (key, 中文, English, XLSX width): the list's columns, in both files
COLUMNS = (
    ("rank", "排名", "Rank", 7),
    ("achievement", "成果编号", "ID", 12),
    ("title", "成果名称", "Title", 44),
    ("holders", "完成单位", "Holders", 36),
    ("city", "所在地市", "City", 12),
    ("field", "技术领域", "Field", 18),
    ("level", "成果水平", "Level", 14),
    ("trl", "TRL", "TRL", 6),
    ("auto", "预评分", "Pre-score", 10),
    ("expert", "专家评分", "Expert score", 12),
    ("combined", "综合得分", "Combined", 10),
    ("statement", "推荐理由", "Statement", 60),
)
PDF_COLUMNS = ("rank", "title", "holders", "city", "field", "level", "auto", "expert", "combined")
SCORES = ("auto", "expert", "combined")

TEXT = {
    "zh": {
        "sep": "；", "colon": "：", "list_sheet": "榜单", "about_sheet": "说明",
        "title": "榜单名称", "year": "年度", "revision": "版本", "revision_n": "第{n}版", "published": "发布时间",
        "entries": "入选成果数", "entries_n": "{n}项", "note": "更正说明", "digest": "数据摘要（SHA-256）",
        "formula": "计算方法", "auto_weight": "预评分权重", "expert_weight": "专家评分权重", "part": "预评分：{name}",
        "rubric": "专家评分：{name}", "outlier_gap": "离群评分剔除阈值（分）", "min_scores": "最少专家评分数",
        "tie_break": "同分排序依次比较", "page": "第 {page} 页", "of_pages": "共 {pages} 页",
        "feed_title": "吉林省年度高质量科技成果榜单", "feed_subtitle": "每一版正式发布的榜单，包括更正后的新版本",
        "site": "吉林省科技成果转化信息数据库",
        "entry_title": "{title}（第{revision}版，{count}项）",
        "entry_summary": "第{revision}版，共{count}项成果，发布于{published}。",
        "entry_note": "更正说明：{note}", "entry_digest": "数据摘要（SHA-256）：{digest}",
    },
    "en": {
        "sep": "; ", "colon": ": ", "list_sheet": "List", "about_sheet": "About",
        "title": "Title", "year": "Year", "revision": "Revision", "revision_n": "revision {n}", "published": "Published",
        "entries": "Achievements", "entries_n": "{n}", "note": "Correction", "digest": "Digest (SHA-256)",
        "formula": "Formula", "auto_weight": "Pre-score weight", "expert_weight": "Expert score weight", "part": "Pre-score: {name}",
        "rubric": "Expert rubric: {name}", "outlier_gap": "Outlier gap (points)", "min_scores": "Minimum expert scores",
        "tie_break": "Ties broken by", "page": "Page {page}", "of_pages": "of {pages}",
        "feed_title": "Jilin annual lists of high-quality achievements", "feed_subtitle": "Every published revision of the annual lists, corrections included",
        "site": "Jilin Technology Transfer Database",
        "entry_title": "{title} (revision {revision}, {count} achievements)",
        "entry_summary": "Revision {revision}: {count} achievements, published {published}.",
        "entry_note": "Correction: {note}", "entry_digest": "Digest (SHA-256): {digest}",
    },
}


# -- shared pieces -------------------------------------------------------------------------------
def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def published_text(listing: SelectionList) -> str:
    """The publication time as readers in Jilin read it (UTC+08:00)."""
    return utc(listing.published_at).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M (UTC+08:00)")


def list_title(listing: SelectionList, locale: str) -> str:
    return (listing.title_en or listing.title) if normalise_locale(locale) == "en" else listing.title


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "en" else pair[0]


def _percent(weight: Any) -> str:
    return f"{round(float(weight) * 100, 2):g}%"


def _points(value: Any) -> str:
    return f"{float(value):g}"


def _weights(weights: dict[str, Any], labels: dict[str, tuple[str, str]], locale: str) -> str:
    sep = "、" if locale == "zh" else ", "
    return sep.join(f"{_pick(labels.get(code, (code, code)), locale)} {_points(w)}" for code, w in weights.items())


def formula_text(formula: dict[str, Any], locale: str) -> str:
    """The formula in one paragraph, from the list's own frozen weights (never the defaults)."""
    locale = normalise_locale(locale)
    auto_w = float(formula.get("auto_weight", 0))
    expert_w = float(formula.get("expert_weight", 1 - auto_w))
    parts = _weights(formula.get("auto_weights") or {}, PART_LABELS, locale)
    rubric = _weights(formula.get("rubric") or {}, RUBRIC_LABELS, locale)
    gap, min_scores = float(formula.get("outlier_gap") or 0), int(formula.get("min_scores") or 1)
    ties = [_pick(TIE_BREAK_LABELS.get(code, (code, code)), locale) for code in formula.get("tie_break") or ()]
    ties = ties[1:] if ties[:1] == [_pick(TIE_BREAK_LABELS["combined"], locale)] else ties  # the order itself
    if locale == "en":
        text = (f"Combined = pre-score × {_percent(auto_w)} + expert score × {_percent(expert_w)}. "
                f"The pre-score (0-100) weighs {parts}. Each expert's total weighs the rubric: {rubric}; "
                f"the expert score is the mean of the totals")
        text += (f", leaving out a total more than {_points(gap)} points from the median when there are three or more. "
                 if gap else ". ")
        text += f"An achievement is ranked with at least {min_scores} expert scores."
        if ties:
            text += f" Ties are broken by {', then '.join(ties)}."
        return text
    text = (f"综合得分 = 预评分 × {_percent(auto_w)} + 专家评分 × {_percent(expert_w)}。"
            f"预评分（0–100）各项权重：{parts}。专家评分维度权重：{rubric}；专家评分为各位专家总分的平均值")
    text += f"，有 3 份及以上评分时，与中位数相差超过 {_points(gap)} 分的评分不计入。" if gap else "。"
    text += f"每项成果至少有 {min_scores} 份专家评分方可排名。"
    if ties:
        text += f"综合得分相同时，依次比较{'、'.join(ties)}。"
    return text


def entry_row(entry: dict[str, Any], locale: str) -> dict[str, Any]:
    """One entry as both files show it: labels in the reader's language, numbers left as numbers
    (None where there is none)."""
    locale = normalise_locale(locale)
    title = (entry.get("title_en") or entry.get("title")) if locale == "en" else entry.get("title")
    holders = [str(h.get("name") or h.get("id") or "") if isinstance(h, dict) else str(h) for h in entry.get("holders") or ()]

    def label(vocabulary: str, code: Any) -> str | None:
        return vocabularies.get(vocabulary).label(str(code), locale) if code not in (None, "") else None

    return {
        "rank": entry.get("rank"), "achievement": entry.get("achievement"), "title": title or "",
        "holders": TEXT[locale]["sep"].join(h for h in holders if h) or None,
        "city": label("city", entry.get("city")), "field": label("tech_field", entry.get("field")),
        "level": label("achievement_level", entry.get("level")), "trl": entry.get("trl"),
        "auto": entry.get("auto"), "expert": entry.get("expert"), "combined": entry.get("combined"),
        "statement": entry.get("statement") or None,
    }


def filenames(listing: SelectionList, extension: str, locale: str = "zh") -> tuple[str, str]:
    """(the name to offer, an ASCII fallback) for Content-Disposition, such as
    2026年度高质量科技成果榜单-第2版.pdf and selection-2026-r2.pdf."""
    ascii_name = f"selection-{listing.year}-r{listing.revision}.{extension}"
    if normalise_locale(locale) == "en":
        return f"high-quality-achievements-{listing.year}-revision-{listing.revision}.{extension}", ascii_name
    return f"{listing.year}年度高质量科技成果榜单-第{listing.revision}版.{extension}", ascii_name


# -- XLSX ----------------------------------------------------------------------------------------
def _cell(ws: Any, value: Any, number_format: str | None = None) -> WriteOnlyCell:
    """Text is cleaned and typed as a string, so it can never become a formula."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=clean_text(value)[:XLSX_CELL_MAX])
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(ws, value=value)
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format
    return cell


def about_rows(listing: SelectionList, locale: str) -> list[tuple[str, Any]]:
    """The "About" sheet: what this revision is and how its scores were combined."""
    locale = normalise_locale(locale)
    t, f = TEXT[locale], listing.formula or {}
    auto_w = float(f.get("auto_weight", 0))
    rows: list[tuple[str, Any]] = [
        (t["title"], list_title(listing, locale)), (t["year"], listing.year), (t["revision"], listing.revision),
        (t["published"], published_text(listing)), (t["entries"], listing.entry_count), (t["note"], listing.note or NONE),
        (t["digest"], listing.digest), (t["formula"], formula_text(f, locale)),
        (t["auto_weight"], _percent(auto_w)), (t["expert_weight"], _percent(f.get("expert_weight", 1 - auto_w))),
    ]
    rows += [(t["part"].format(name=_pick(PART_LABELS.get(k, (k, k)), locale)), float(w)) for k, w in (f.get("auto_weights") or {}).items()]
    rows += [(t["rubric"].format(name=_pick(RUBRIC_LABELS.get(k, (k, k)), locale)), float(w)) for k, w in (f.get("rubric") or {}).items()]
    rows += [(t["outlier_gap"], float(f.get("outlier_gap") or 0)), (t["min_scores"], int(f.get("min_scores") or 1))]
    if f.get("tie_break"):
        rows.append((t["tie_break"], " → ".join(_pick(TIE_BREAK_LABELS.get(c, (c, c)), locale) for c in f["tie_break"])))
    return rows


def list_xlsx(listing: SelectionList, locale: str = "zh") -> bytes:
    """The list (bold frozen header, set widths, autofilter) and an "About" sheet with the
    revision, its digest and its formula."""
    locale = normalise_locale(locale)
    t = TEXT[locale]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t["list_sheet"])
    for i, (_key, _zh, _en, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header = []
    for _key, zh, en, _width in COLUMNS:
        cell = _cell(ws, en if locale == "en" else zh)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    for entry in listing.entries:
        row = entry_row(entry, locale)
        ws.append([_cell(ws, row[key], "0.00" if key in SCORES else None) for key, *_ in COLUMNS])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(listing.entries) + 1}"

    about = wb.create_sheet(t["about_sheet"])
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, value in about_rows(listing, locale):
        key, val = _cell(about, label), _cell(about, value)
        key.font, val.alignment = bold, wrap
        about.append([key, val])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- PDF -----------------------------------------------------------------------------------------
def _shown(value: Any, key: str) -> str:
    if value is None or value == "":
        return NONE
    if key in SCORES:
        return f"{float(value):.2f}"
    return str(value)


def pdf_context(listing: SelectionList, locale: str) -> dict[str, Any]:
    """What ``selection/list_pdf.html`` is rendered with: plain text only (it escapes it all)."""
    locale = normalise_locale(locale)
    headers = {key: (en if locale == "en" else zh) for key, zh, en, _w in COLUMNS}
    rows = [{key: _shown(row[key], key) for key in PDF_COLUMNS} for row in (entry_row(e, locale) for e in listing.entries)]
    return {
        "listing": listing, "locale": locale, "text": TEXT[locale], "title": list_title(listing, locale),
        "published": published_text(listing), "published_iso": utc(listing.published_at).isoformat(timespec="seconds"),
        "formula": formula_text(listing.formula or {}, locale),
        "columns": [(key, headers[key]) for key in PDF_COLUMNS], "entries": rows,
    }


def render_list_pdf_html(listing: SelectionList, locale: str = "zh") -> str:
    """The PDF's HTML, through the app's Jinja environment (needs an app context)."""
    return render_template(PDF_TEMPLATE, **pdf_context(listing, locale))


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint, allowed no fetching but ``data:`` URLs. Imported here: it loads Pango, which a
    worker or CLI command that never makes a PDF need not have."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=PDF_ALLOWED_PROTOCOLS, allow_redirects=False, timeout=1)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def list_pdf(listing: SelectionList, locale: str = "zh", html: str | None = None) -> bytes:
    """The list as an A4 landscape PDF. ``html`` defaults to :func:`render_list_pdf_html`
    (so a view needs an app context and nothing more); pass it to convert HTML made elsewhere."""
    return html_to_pdf(render_list_pdf_html(listing, locale) if html is None else html)


# -- Atom ----------------------------------------------------------------------------------------
def lists_feed(lists: Iterable[SelectionList], locale: str, site_url: str, feed_url: str,
               page_url: Callable[[SelectionList], str]) -> bytes:
    """An Atom feed with one entry per revision given, newest first. ``page_url`` must give each
    revision its own page: that URL is the entry's link and its id (a revision never changes, so
    neither does its id)."""
    locale = normalise_locale(locale)
    t = TEXT[locale]
    ordered = sorted(lists, key=lambda x: (utc(x.published_at), x.year, x.revision), reverse=True)
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(t["feed_title"])
    fg.subtitle(t["feed_subtitle"])
    fg.author({"name": t["site"], "uri": site_url})
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=site_url, rel="alternate", type="text/html")
    fg.language("en" if locale == "en" else "zh-CN")
    # no list yet: a fixed date, so an empty feed never looks changed to a reader polling it
    fg.updated(utc(ordered[0].published_at) if ordered else datetime(2000, 1, 1, tzinfo=timezone.utc))
    seen: set[str] = set()
    for listing in ordered:
        url = page_url(listing)
        if url in seen:
            raise ValueError(f"page_url gave {url} to two revisions: each revision needs its own page")
        seen.add(url)
        summary = [t["entry_summary"].format(revision=listing.revision, count=listing.entry_count, published=published_text(listing))]
        if listing.note:
            summary.append(t["entry_note"].format(note=listing.note))
        summary.append(t["entry_digest"].format(digest=listing.digest))
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.title(_XML_ILLEGAL.sub("", t["entry_title"].format(title=list_title(listing, locale), revision=listing.revision,
                                                               count=listing.entry_count)))
        fe.link(href=url, rel="alternate", type="text/html")
        fe.published(utc(listing.published_at))
        fe.updated(utc(listing.published_at))
        fe.summary(_XML_ILLEGAL.sub("", "\n".join(summary)))
    return fg.atom_str(pretty=True)


__all__ = ["XLSX_MIMETYPE", "PDF_MIMETYPE", "ATOM_MIMETYPE", "list_xlsx", "list_pdf", "render_list_pdf_html", "html_to_pdf",
           "lists_feed", "filenames", "formula_text", "entry_row", "about_rows", "pdf_context"]
