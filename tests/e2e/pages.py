"""Every type of page the site has, as a path to open (``url_of``), and what the phone and
accessibility tests measure on them."""
from __future__ import annotations

# kind → path; "sample:<name>" is one of the records made for these tests (conftest.SAMPLE_IMPORTS)
PAGES = {
    "search-home": "/",
    "search-words": "/search?q=电池",
    "search-chips": "/search?q=电池&city=changchun&field=energy_storage",
    "search-patents": "/search?type=patent&open_licence=true",
    "search-instruments": "/search?type=instrument&shared=true",
    "no-results": "/search?q=锂电吃",
    "achievement": "/records/ach-1",
    "patent": "/records/pat-1",
    "instrument": "/records/ins-1",
    "institution": "/records/org-1",
    "institution-long": "sample:institution-long",
    "patent-long": "sample:patent-long",
    "patent-english": "sample:patent-english",
    "instrument-long": "sample:instrument-long",
    "imports": "/imports/",
    "import-job": "sample:import-job",
    "login": "/account/login",
    "reset": "/account/reset",
    "account": "/account/",
    "admin": "/admin/",
    "admin-users": "/admin/users",
    "admin-user-new": "/admin/users/new",
    "admin-user": "/admin/users/1",
    "admin-institutions": "/admin/institutions",
    "admin-duplicates": "/admin/institutions/duplicates",
    "admin-merge": "/admin/institutions/merge?source=org-2&target=org-1",
    "admin-audit": "/admin/audit",
    "admin-usage": "/admin/usage",
    "admin-reports": "/admin/reports",
    "not-found": "/no-such-page",
    # a record with files, as a visitor and as its maintainer (conftest.attachment_samples); the
    # access requests and the disclosure log
    "record-files": "sample:achievement-files",
    "record-files-maintainer": "sample:achievement-files",
    "access-requests": "/access-requests/",
    "disclosures": "/disclosures/",
    # publishing (conftest.publishing_samples): the desk of a publisher and of a reviewer, the
    # record form, a rejected draft (its publisher's view), a submitted one (the reviewer's), a
    # record's history and one version's changes
    "publish-desk": "/publish/",
    "publish-stats": "/publish/stats",
    "publish-queue": "/publish/",
    "publish-new": "/publish/new/achievement",
    "publish-draft": "sample:draft-rejected",
    "publish-review": "sample:draft-submitted",
    "record-history": "sample:record-history",
    "record-version": "sample:record-version",
    # the annual selection (conftest.selection_samples): the lists, a published one, the
    # publisher's nominations, the expert's tasks and score form, the administrator's pages
    "selection-index": "/selections/",
    "selection-list": "/selections/2025",
    "selection-hub": "/selection/",
    "selection-nominate": "/selection/2026/nominate",
    "selection-review": "/selection/2024/review",
    "selection-score": "sample:selection-score",
    "admin-selection": "/admin/selection",
    "admin-selection-round": "/admin/selection/2025",
    # statistics: a dashboard per record type, one of them filtered
    "stats-overview": "/stats",
    "stats-achievements": "/stats?type=achievement&city=changchun",
    "stats-patents": "/stats?type=patent",
    "stats-instruments": "/stats?type=instrument",
    # exchange statistics (issue 12): inquiries, agreements, licences and bookings counted from the store (not "stats-": it may
    # have nothing to draw, so no chart is waited for)
    "exchange-stats": "/stats/exchanges",
    # subscriptions and alerts (conftest.alerts_samples): the investor's inbox, subscriptions, the form
    # that saves a search and the edit form; the unsubscribe page of the e-mails (no sign-in)
    "alerts-inbox": "/alerts",
    "alerts-subscriptions": "/alerts/subscriptions",
    "alerts-new": "/alerts/subscriptions/new?q=电池&city=changchun&field=energy_storage",
    "alerts-edit": "sample:alerts-edit",
    "alerts-unsubscribe": "sample:alerts-unsubscribe",
    # inquiries and feedback (issue 12; conftest.inquiry_samples): the inbox, an answered inquiry as its sender and as its
    # holder, the form that writes to a holder, a record page with both panels as a company and as the holder
    "inquiries-inbox": "/inquiries",
    "inquiry": "sample:inquiry",
    "inquiry-holder": "sample:inquiry",
    "inquiry-new": "sample:inquiry-new",
    "record-exchanges": "sample:record-exchanges",
    "record-exchanges-holder": "sample:record-exchanges",
    # instrument bookings (conftest.booking_samples): the investor's list and the holder's, a request as its holder
    # decides it, an approved one as its requester reads it, the request form, a shared instrument's page (its
    # booking panel) and its calendar (no sign-in)
    "bookings-mine": "/bookings",
    "bookings-holder": "/bookings?side=holder",
    "booking-decide": "sample:booking-waiting",
    "booking-approved": "sample:booking-held",
    "booking-request": "sample:booking-request",
    "booking-instrument": "sample:booking-instrument",
    "booking-calendar": "sample:booking-calendar",
    # open-licence applications (conftest.licence_samples): my applications and those to decide, an
    # open patent's page with its panel and its apply form, an application as its holder decides it
    "licences": "/licences/",
    "licence-patent": "sample:licence-patent",
    "licence-apply": "sample:licence-apply",
    "licence-application": "sample:licence-application",
    # technology needs (conftest.needs_samples): the list, a need with its matches, the company's
    # needs and the form, a holder's needs page, the needs' statistics
    "search-needs": "/search?type=need",
    "need": "sample:need",
    "needs-mine": "/needs/mine",
    "needs-new": "/needs/new",
    "needs-holder": "/needs/mine",
    "stats-needs": "/stats?type=need",
}
ADMIN_KINDS = [k for k in PAGES if k.startswith("admin")]
# pages that need an account → the e2e account the tests sign in as first (conftest.sign_in)
SIGNED_IN_KINDS = {
    **dict.fromkeys(["imports", "import-job", "account", "record-files-maintainer", "access-requests", "disclosures",
                     *ADMIN_KINDS], "admin"),
    **dict.fromkeys(["publish-desk", "publish-stats", "publish-new", "publish-draft", "record-history", "record-version"], "publisher"),
    **dict.fromkeys(["publish-queue", "publish-review", "selection-hub", "selection-review", "selection-score"], "reviewer"),
    **dict.fromkeys(["selection-nominate"], "publisher"),
    **dict.fromkeys(["alerts-inbox", "alerts-subscriptions", "alerts-new", "alerts-edit"], "investor"),
    **dict.fromkeys(["inquiries-inbox", "inquiry", "inquiry-new", "record-exchanges"], "investor"),  # inquiries and feedback (issue 12)
    **dict.fromkeys(["inquiry-holder", "record-exchanges-holder"], "publisher"),
    **dict.fromkeys(["bookings-mine", "booking-approved", "booking-request"], "investor"),  # instrument bookings
    **dict.fromkeys(["bookings-holder", "booking-decide"], "publisher"),
    **dict.fromkeys(["licences", "licence-patent", "licence-apply"], "investor"), **dict.fromkeys(["licence-application"], "publisher"),
    **dict.fromkeys(["needs-mine", "needs-new"], "investor"),
    **dict.fromkeys(["needs-holder"], "publisher"),
}
SEARCH_KINDS = [k for k in PAGES if k.startswith("search-")]
STATS_KINDS = [k for k in PAGES if k.startswith("stats-")]
RECORD_KINDS = ["achievement", "patent", "instrument", "institution", "institution-long", "patent-long", "patent-english", "instrument-long",
                "need"]


def url_of(kind: str, samples: dict[str, str], lang: str | None = None) -> str:
    path = PAGES[kind]
    if path.startswith("sample:"):
        path = samples[path.removeprefix("sample:")]
    if lang:
        path += ("&" if "?" in path else "?") + f"lang={lang}"
    return path


OVERFLOW = """() => {
  const width = window.innerWidth, limit = document.documentElement.clientWidth;
  // the elements that stick out on the right (skipping those inside a box that scrolls itself)
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit + 0.5) continue;
    if (el.closest(".table-scroll") && el !== el.closest(".table-scroll")) continue;
    if (el.closest(".visually-hidden, .skip-link")) continue;
    out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") + " right=" + Math.round(r.right));
    if (out.length >= 8) break;
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, clientWidth: limit, offenders: out};
}"""


# every matching element's box as Locator.bounding_box gives it (relative to the viewport; None
# for an element not rendered), in one round trip to the browser instead of one per element
BOXES = """els => els.map(e => {
  if (!e.getClientRects().length) return null;
  const r = e.getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height};
})"""


def boxes(locator) -> list[dict | None]:
    """The boxes of all the elements ``locator`` matches, in document order."""
    return locator.evaluate_all(BOXES)


def assert_no_horizontal_scroll(page) -> None:
    """Nothing wider than the screen. On a phone the browser zooms out to fit content that is too
    wide (window.innerWidth grows with it), so the page must also keep the device's width."""
    width = page.viewport_size["width"]
    m = page.evaluate(OVERFLOW)
    assert m["scrollWidth"] <= m["innerWidth"] and m["innerWidth"] <= width and m["scrollWidth"] <= width, (
        f"{page.url} scrolls sideways at {width} px: {m}")


def box_in_first_screen(page, locator) -> dict:
    """The element's box, asserted to lie within the first screen (no scrolling)."""
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None, f"{locator} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5, (
        f"{locator} is not within the first screen of {size['width']}×{size['height']}: {box}")
    return box
