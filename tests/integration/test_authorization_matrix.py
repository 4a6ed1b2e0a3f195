"""Who may do what, route by route: every rule of the app's URL map and every operation of the
OpenAPI document has a row below (a new route without one fails ``test_every_route_has_a_row``),
and every row is called by every role on both engines. The roles a row allows must succeed
(2xx, or a 3xx that is not the sign-in page); everyone else gets 401 (API) or the sign-in page
(pages) when anonymous, and 403 or 404 when signed in; the roles a row hides it from get 404.

The rows run on both search engines and on production's store, PostgreSQL.

Also here: what is not public about an institution is invisible to everyone else (the same 404 as
an id that does not exist), and a cross-site form post (the session cookie, no CSRF token) to
every write endpoint is refused and changes nothing."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from sqlalchemy import func, select, text

from tests import filesamples
from tests.apps import PASSWORD, close_app, make_app
from tests.integration.authz_world import HIDDEN, ROLES, World, make_world, round_dates
from web.extensions import db
from web.models.selection import RUBRIC
from web.proxies import current_search

pytestmark = pytest.mark.integration

ALL = frozenset(ROLES)
SIGNED = ALL - {"anonymous"}
ADMIN = frozenset({"admin"})
REVIEWERS = frozenset({"admin", "reviewer"})
HOLDER = frozenset({"admin", "publisher"})  # of the home institution
PUBLISHERS = frozenset({"admin", "publisher", "other"})
SEES_DRAFTS = frozenset({"admin", "reviewer", "publisher"})  # a draft of the home institution
MEMBERS_ASKING = frozenset({"reviewer", "other", "intermediary", "investor"})  # may ask the holder for a confidential file
NOT_HOME = frozenset({"other", "intermediary", "investor"})
TAKE_PART = frozenset({"admin", "reviewer", "publisher", "other"})  # in a selection round (SelectionService.get_round)
NO_PART = frozenset({"intermediary", "investor"})  # to them a round does not exist
NEED_POSTERS = frozenset({"admin", "intermediary", "investor"})
NEED_FORM = {"f-title": "授权测试技术需求", "f-description": "授权测试：寻求降低生产成本的工艺。", "f-field": "new_energy",
             "f-city": "changchun", "f-cooperation_modes": "joint_development", "f-organisation": "授权测试企业"}
DRAFT_FORM = {"f-title": "授权测试表单成果", "f-summary": "经网页表单提交。"}
RECORD_FORM = {"f-title": "授权测试修改后的成果", "f-summary": "经网页表单修改。", "f-institutions": "{home}"}


@dataclass
class Row:
    """One route and method: who may call it, and how (``path`` and ``body`` make what the call
    needs, afresh for each call when it uses something up)."""

    rule: str
    method: str
    allowed: frozenset[str]
    path: Callable[[World, str], str] | str = ""
    body: Callable[[World, str], dict[str, Any]] | None = None  # form fields (pages, multipart) or JSON (API)
    hidden: frozenset[str] = field(default_factory=frozenset)  # must answer 404 to these roles
    fresh_session: bool = False  # the call ends the caller's session (sign out, password change)
    refused_with: frozenset[int] = frozenset({403, 404})  # what a signed-in role it does not allow gets

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")


# the selection's rules (as the URL map spells them)
YEAR = "<int(min=2000, max=2100):year>"
REVISION = "<int(min=1, max=9999):revision>"
ROUNDS = "/api/v1/selection/rounds"
ACTION = "<any('start-scoring', 'close', 'finalise', 'correct'):step>"
CANDIDATE_STEP = "<any('withdraw', 'exclude', 'reinstate'):step>"
# subscriptions: the world's investor owns them
SUB = "<int:sub_id>"
OWNER = frozenset({"investor"})
SUBSCRIPTION_FORM = {"name": "矩阵订阅", "q": "成果", "type": "all", "frequency": "daily", "lang": "zh", "feed": "y"}
# instrument bookings (issue 12): the investor asks, the home institution's people (and administrators) hold the instrument
BOOKING = "<int:booking_id>"
PARTIES = frozenset({"admin", "publisher", "investor"})

# inquiries and feedback (issue 12): companies and intermediaries write; the world's inquiry is the investor's to the home
# institution, whose publisher (and administrators, who act for every institution) answer it
SENDERS = frozenset({"investor", "intermediary"})
INQUIRY_PARTIES = frozenset({"admin", "publisher", "investor"})
INQUIRY = "<int:inquiry_id>"


def same(value: str) -> Callable[[World, str], str]:
    return lambda w, role: value


ROWS = [
    # -- public pages ----------------------------------------------------------------------------
    Row("/", "GET", ALL, "/"),
    Row("/search", "GET", ALL, "/search?q=成果"),
    Row("/search/export.csv", "GET", ALL, "/search/export.csv?q=成果"),
    Row("/search/export.xlsx", "GET", ALL, "/search/export.xlsx?q=成果"),
    Row("/stats", "GET", ALL, "/stats?type=achievement&q=成果"),
    Row("/stats/export.<any(csv, xlsx):fmt>", "GET", ALL, "/stats/export.csv?type=instrument&chart=instrument_class"),
    Row("/vendor/echarts.min.js", "GET", ALL, "/vendor/echarts.min.js?v=1"),
    Row("/api/v1/stats", "GET", ALL, "/api/v1/stats?type=patent"),
    # exchange statistics (issue 12): public figures from the store, for everyone (members also get the booking fees)
    Row("/stats/exchanges", "GET", ALL, "/stats/exchanges?year=2025"),
    Row("/api/v1/stats/exchanges", "GET", ALL, "/api/v1/stats/exchanges?year=2025"),
    Row("/records/<public_id>", "GET", ALL, lambda w, r: f"/records/{w.record}"),
    Row("/healthz", "GET", ALL, "/healthz"),
    Row("/static/<path:filename>", "GET", ALL, "/static/site.css"),
    Row("/imports/templates/<record_type>.<fmt>", "GET", ALL, "/imports/templates/achievement.csv"),
    # -- accounts --------------------------------------------------------------------------------
    Row("/account/login", "GET", ALL, "/account/login"),
    Row("/account/login", "POST", ALL, "/account/login", lambda w, r: {"email": w.user_email(w.new_user()), "password": PASSWORD},
        fresh_session=True),
    Row("/account/reset", "GET", ALL, "/account/reset"),
    Row("/account/reset", "POST", ALL, "/account/reset", lambda w, r: {"email": "nobody@authz.test"}),
    Row("/account/reset/<token>", "GET", ALL, lambda w, r: f"/account/reset/{w.reset_token()}"),
    Row("/account/reset/<token>", "POST", ALL, lambda w, r: f"/account/reset/{w.reset_token()}",
        lambda w, r: {"password": "A-new-password-2026", "confirm": "A-new-password-2026"}, fresh_session=True),  # signs in
    Row("/account/", "GET", SIGNED, "/account/"),
    Row("/account/logout", "POST", SIGNED, "/account/logout", fresh_session=True),
    Row("/account/password", "POST", SIGNED, "/account/password",
        lambda w, r: {"pw-current": "Tests-pass-2026!", "pw-password": "A-new-password-2026", "pw-confirm": "A-new-password-2026"},
        fresh_session=True),
    Row("/account/tokens", "POST", SIGNED, "/account/tokens", lambda w, r: {"tk-name": "矩阵"}),
    Row("/account/tokens/<int:token_id>/revoke", "POST", SIGNED, lambda w, r: f"/account/tokens/{w.new_token(r)}/revoke"),
    # -- administration --------------------------------------------------------------------------
    Row("/admin/", "GET", ADMIN, "/admin/"),
    Row("/admin/audit", "GET", ADMIN, "/admin/audit"),
    Row("/admin/audit.csv", "GET", ADMIN, "/admin/audit.csv"),
    Row("/admin/institutions", "GET", ADMIN, "/admin/institutions"),
    Row("/admin/institutions/duplicates", "GET", ADMIN, "/admin/institutions/duplicates"),
    Row("/admin/institutions/merge", "GET", ADMIN, lambda w, r: f"/admin/institutions/merge?source={w.new_institution()}&target={w.new_institution()}"),
    Row("/admin/institutions/merge", "POST", ADMIN, "/admin/institutions/merge",
        lambda w, r: {"source": w.new_institution(), "target": w.new_institution()}),
    Row("/admin/users", "GET", ADMIN, "/admin/users"),
    Row("/admin/users/new", "GET", ADMIN, "/admin/users/new"),
    Row("/admin/users/new", "POST", ADMIN, "/admin/users/new",
        lambda w, r: {"name": "新用户", "email": f"new-{w.new_institution()}@authz.test", "role": "investor"}),
    Row("/admin/users/<int(min=1, max=2147483647):user_id>", "GET", ADMIN, lambda w, r: f"/admin/users/{w.new_user()}"),
    Row("/admin/users/<int(min=1, max=2147483647):user_id>", "POST", ADMIN, lambda w, r: f"/admin/users/{w.new_user()}",
        lambda w, r: {"name": "改名", "role": "intermediary", "active": "y"}),
    Row("/admin/users/<int(min=1, max=2147483647):user_id>/password-link", "POST", ADMIN,
        lambda w, r: f"/admin/users/{w.new_user()}/password-link"),
    Row("/admin/users/<int(min=1, max=2147483647):user_id>/tokens/<int(min=1, max=2147483647):token_id>/revoke", "POST", ADMIN,
        lambda w, r: f"/admin/users/{w.accounts['investor'].user_id}/tokens/{w.new_token('investor')}/revoke"),
    # -- imports -------------------------------------------------------------------------------------
    Row("/imports/", "GET", PUBLISHERS, "/imports/"),
    Row("/imports/", "POST", PUBLISHERS, "/imports/", lambda w, r: {"record_type": "achievement", "file": csv_upload()}),
    Row("/imports/<int(min=1, max=2147483647):job_id>", "GET", ADMIN, lambda w, r: f"/imports/{w.job}", hidden=PUBLISHERS - ADMIN),
    Row("/imports/<int(min=1, max=2147483647):job_id>.json", "GET", ADMIN, lambda w, r: f"/imports/{w.job}.json", hidden=PUBLISHERS - ADMIN),
    Row("/imports/<int(min=1, max=2147483647):job_id>/errors.csv", "GET", ADMIN, lambda w, r: f"/imports/{w.job}/errors.csv",
        hidden=PUBLISHERS - ADMIN),
    Row("/imports/<int(min=1, max=2147483647):job_id>/cancel", "POST", ADMIN, lambda w, r: f"/imports/{w.job}/cancel", hidden=PUBLISHERS - ADMIN),
    # -- publishing and review -------------------------------------------------------------------
    Row("/publish/", "GET", SEES_DRAFTS | {"other"}, "/publish/"),
    Row("/publish/stats", "GET", HOLDER, lambda w, r: f"/publish/stats?institution={w.home.public_id}"),
    Row("/publish/new/<record_type>", "GET", PUBLISHERS, "/publish/new/achievement"),
    Row("/publish/new/<record_type>", "POST", PUBLISHERS, "/publish/new/achievement",
        lambda w, r: {**DRAFT_FORM, "f-institutions": w.home.name}),
    Row("/publish/drafts/<int:draft_id>", "GET", SEES_DRAFTS, lambda w, r: f"/publish/drafts/{w.draft}", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/edit", "GET", HOLDER, lambda w, r: f"/publish/drafts/{w.new_draft('draft')}/edit", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/edit", "POST", HOLDER, lambda w, r: f"/publish/drafts/{w.new_draft('draft')}/edit",
        lambda w, r: {**DRAFT_FORM, "f-institutions": w.home.name, "revision": "1"}, hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/submit", "POST", HOLDER, lambda w, r: f"/publish/drafts/{w.new_draft('draft')}/submit", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/discard", "POST", HOLDER, lambda w, r: f"/publish/drafts/{w.new_draft('draft')}/discard", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/comment", "POST", SEES_DRAFTS, lambda w, r: f"/publish/drafts/{w.draft}/comment",
        lambda w, r: {"body": "请补充数据"}, hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/review", "POST", REVIEWERS, lambda w, r: f"/publish/drafts/{w.new_draft()}/review", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/approve", "POST", REVIEWERS, lambda w, r: f"/publish/drafts/{w.new_draft()}/approve", hidden=NOT_HOME),
    Row("/publish/drafts/<int:draft_id>/reject", "POST", REVIEWERS, lambda w, r: f"/publish/drafts/{w.new_draft()}/reject",
        lambda w, r: {"reason": "数据不全"}, hidden=NOT_HOME),
    Row("/records/<public_id>/edit", "GET", HOLDER, lambda w, r: f"/records/{w.record}/edit"),
    Row("/records/<public_id>/edit", "POST", HOLDER, lambda w, r: f"/records/{w.new_record()}/edit",
        lambda w, r: {**RECORD_FORM, "f-institutions": w.home.name}),
    Row("/records/<public_id>/withdraw", "POST", HOLDER, lambda w, r: f"/records/{w.new_record()}/withdraw"),
    Row("/records/<public_id>/history", "GET", SEES_DRAFTS, lambda w, r: f"/records/{w.record}/history"),
    Row("/records/<public_id>/history/<int(min=1, max=2147483647):revision>", "GET", SEES_DRAFTS,
        lambda w, r: f"/records/{w.record}/history/1"),
    # -- files, access requests and disclosures --------------------------------------------------
    Row("/records/<public_id>/attachments", "POST", HOLDER, lambda w, r: f"/records/{w.record}/attachments",
        lambda w, r: {"up-file": (io.BytesIO(filesamples.PDF), "报告.pdf"), "up-title": "报告"}),
    Row("/attachments/<int:attachment_id>/file", "GET", HOLDER, lambda w, r: f"/attachments/{w.confidential_file}/file",
        hidden=frozenset({"anonymous"})),  # a visitor is told confidential files exist, not which
    Row("/attachments/<int:attachment_id>/delete", "POST", HOLDER, lambda w, r: f"/attachments/{w.new_file()}/delete"),
    Row("/attachments/<int:attachment_id>/visibility", "POST", HOLDER, lambda w, r: f"/attachments/{w.new_file()}/visibility",
        lambda w, r: {"confidential": "0"}),
    Row("/attachments/<int:attachment_id>/request", "POST", MEMBERS_ASKING, lambda w, r: f"/attachments/{w.new_file()}/request",
        lambda w, r: {f"ar{0}-message": "x"}, refused_with=frozenset({303, 403, 404})),  # the holder's people: back to the record, told to download  # the prefix is the file's id: filled in by ``call``
    Row("/access-requests/", "GET", SIGNED, "/access-requests/"),
    Row("/access-requests/<int:request_id>/decide", "POST", HOLDER, lambda w, r: f"/access-requests/{w.new_request()}/decide",
        lambda w, r: {"decision": "approve"}),
    Row("/disclosures/", "GET", PUBLISHERS, "/disclosures/"),
    Row("/disclosures/export.csv", "GET", PUBLISHERS, "/disclosures/export.csv"),
    # -- the annual selection: published lists (public), taking part, its administration ---------
    Row("/selections/", "GET", ALL, "/selections/"),
    Row("/selections/feed.atom", "GET", ALL, "/selections/feed.atom"),
    Row(f"/selections/{YEAR}", "GET", ALL, lambda w, r: f"/selections/{w.published.year}"),
    Row(f"/selections/{YEAR}/r{REVISION}", "GET", ALL, lambda w, r: f"/selections/{w.published.year}/r1"),
    Row(f"/selections/{YEAR}/r{REVISION}.xlsx", "GET", ALL, lambda w, r: f"/selections/{w.published.year}/r1.xlsx"),
    Row(f"/selections/{YEAR}/r{REVISION}.pdf", "GET", ALL, lambda w, r: f"/selections/{w.published.year}/r1.pdf"),
    Row("/selection/", "GET", TAKE_PART, "/selection/"),
    # publishers nominate their institution's achievements on this page (administrators add candidates on theirs and are
    # refused it, 403); its form's post goes to the service's nominate, which takes an administrator's nomination too
    Row(f"/selection/{YEAR}/nominate", "GET", frozenset({"publisher", "other"}), lambda w, r: f"/selection/{w.nominating.year}/nominate"),
    Row(f"/selection/{YEAR}/nominate", "POST", HOLDER, lambda w, r: f"/selection/{w.nominating.year}/nominate",
        lambda w, r: {"achievement": w.new_eligible(), "statement": "授权测试推荐"}, hidden=NO_PART,
        refused_with=frozenset({303})),  # back to the page, with the refusal (not their institution's, or not a publisher)
    Row(f"/selection/{YEAR}/candidates/<int:candidate_id>/withdraw", "POST", HOLDER,
        lambda w, r: f"/selection/{w.nominating.year}/candidates/{w.new_candidate()}/withdraw", lambda w, r: {"reason": "授权测试撤回"},
        hidden=SIGNED - HOLDER),
    Row(f"/selection/{YEAR}/review", "GET", REVIEWERS, lambda w, r: f"/selection/{w.scoring.year}/review"),
    # the assigned expert only (the "reviewer" account): to anyone else, administrators too, no such assignment
    Row(f"/selection/{YEAR}/review/<int:assignment_id>", "GET", frozenset({"reviewer"}),
        lambda w, r: f"/selection/{w.scoring.year}/review/{w.scoring.assignment}", hidden=SIGNED - {"reviewer"}),
    Row(f"/selection/{YEAR}/review/<int:assignment_id>", "POST", frozenset({"reviewer"}),
        lambda w, r: f"/selection/{w.scoring.year}/review/{w.scoring.assignment}",
        lambda w, r: {**{code: "70" for code in RUBRIC}, "comment": "授权测试评分"}, hidden=SIGNED - {"reviewer"}),
    Row("/admin/usage", "GET", ADMIN, "/admin/usage?days=7"),
    Row("/admin/reports", "GET", ADMIN, "/admin/reports"),
    # the earliest year with records: the shortest report
    Row("/admin/reports", "POST", ADMIN, "/admin/reports", lambda w, r: {"year": str(w.report_year), "locale": "zh"}),
    Row("/admin/reports/<int:report_id>.pdf", "GET", ADMIN, lambda w, r: f"/admin/reports/{w.report}.pdf"),
    Row("/admin/selection", "GET", ADMIN, "/admin/selection"),
    Row("/admin/selection", "POST", ADMIN, "/admin/selection", lambda w, r: round_form(w.new_year())),
    Row(f"/admin/selection/{YEAR}", "GET", ADMIN, lambda w, r: f"/admin/selection/{w.published.year}"),
    Row(f"/admin/selection/{YEAR}/<any('start', 'close', 'finalise'):step>", "POST", ADMIN,
        lambda w, r: f"/admin/selection/{w.new_round().year}/start"),
    Row(f"/admin/selection/{YEAR}/candidates", "POST", ADMIN, lambda w, r: f"/admin/selection/{w.nominating.year}/candidates",
        lambda w, r: {"add-achievement": w.new_eligible(), "add-statement": "授权测试推荐"}),
    Row(f"/admin/selection/{YEAR}/candidates/<int:candidate_id>/<any('exclude', 'reinstate'):step>", "POST", ADMIN,
        lambda w, r: f"/admin/selection/{w.closed.year}/candidates/{w.closed.candidate}/{w.closed_step()}",
        lambda w, r: {"why-reason": "授权测试"}),
    Row(f"/admin/selection/{YEAR}/correct", "POST", ADMIN, lambda w, r: f"/admin/selection/{w.published.year}/correct",
        lambda w, r: {"fix-note": "授权测试更正"}),
    # -- technology needs (issue 12): companies and intermediaries post them; publishers see the needs their results match ----
    Row("/needs/mine", "GET", SIGNED - {"reviewer"}, "/needs/mine"),
    Row("/needs/new", "GET", NEED_POSTERS, "/needs/new"),
    Row("/needs/new", "POST", NEED_POSTERS, "/needs/new", lambda w, r: dict(NEED_FORM)),
    # -- subscriptions and alerts: anyone signed in keeps their own; the investor's are 404 to everyone else ----
    Row("/search/feed.atom", "GET", ALL, "/search/feed.atom?q=成果"),
    Row("/alerts", "GET", SIGNED, "/alerts"),
    Row("/alerts/read", "POST", SIGNED, "/alerts/read", lambda w, r: {"id": str(w.match)}),  # ids not the caller's are ignored
    Row("/alerts/read-all", "POST", SIGNED, "/alerts/read-all"),
    Row("/alerts/subscriptions", "GET", SIGNED, "/alerts/subscriptions"),
    Row("/alerts/subscriptions/new", "GET", SIGNED, "/alerts/subscriptions/new?q=成果&city=changchun"),
    Row("/alerts/subscriptions/new", "POST", SIGNED, "/alerts/subscriptions/new?q=成果", lambda w, r: dict(SUBSCRIPTION_FORM)),
    Row(f"/alerts/subscriptions/{SUB}/edit", "GET", OWNER, lambda w, r: f"/alerts/subscriptions/{w.subscription}/edit", hidden=SIGNED - OWNER),
    Row(f"/alerts/subscriptions/{SUB}/edit", "POST", OWNER, lambda w, r: f"/alerts/subscriptions/{w.subscription}/edit",
        lambda w, r: dict(SUBSCRIPTION_FORM, webhook_url="https://1.1.1.1/authz-hook"), hidden=SIGNED - OWNER),
    Row(f"/alerts/subscriptions/{SUB}/pause", "POST", OWNER, lambda w, r: f"/alerts/subscriptions/{w.subscription}/pause",
        lambda w, r: {"paused": "0"}, hidden=SIGNED - OWNER),
    Row(f"/alerts/subscriptions/{SUB}/delete", "POST", OWNER, lambda w, r: f"/alerts/subscriptions/{w.new_subscription()}/delete",
        hidden=SIGNED - OWNER),
    Row(f"/alerts/subscriptions/{SUB}/feed-token", "POST", OWNER, lambda w, r: f"/alerts/subscriptions/{w.new_subscription()}/feed-token",
        hidden=SIGNED - OWNER),
    Row(f"/alerts/subscriptions/{SUB}/webhook-secret", "POST", OWNER,
        lambda w, r: f"/alerts/subscriptions/{w.new_subscription()}/webhook-secret", hidden=SIGNED - OWNER),
    # the token is the credential: no sign-in (a mail client's one-click POST has no session and no CSRF token)
    Row("/alerts/unsubscribe/<token>", "GET", ALL, lambda w, r: f"/alerts/unsubscribe/{w.unsubscribe_token()}"),
    Row("/alerts/unsubscribe/<token>", "POST", ALL, lambda w, r: f"/alerts/unsubscribe/{w.unsubscribe_token()}",
        lambda w, r: {"List-Unsubscribe": "One-Click"}),
    Row("/alerts/feeds/<token>.atom", "GET", ALL, lambda w, r: f"/alerts/feeds/{w.feed_token()}.atom"),
    Row("/api/v1/subscriptions", "GET", SIGNED, "/api/v1/subscriptions"),
    Row("/api/v1/subscriptions", "POST", SIGNED, "/api/v1/subscriptions", lambda w, r: {"name": "矩阵订阅", "q": "成果"}),
    Row(f"/api/v1/subscriptions/{SUB}", "GET", OWNER, lambda w, r: f"/api/v1/subscriptions/{w.subscription}", hidden=SIGNED - OWNER),
    Row(f"/api/v1/subscriptions/{SUB}", "PATCH", OWNER, lambda w, r: f"/api/v1/subscriptions/{w.subscription}",
        lambda w, r: {"frequency": "weekly"}, hidden=SIGNED - OWNER),
    Row(f"/api/v1/subscriptions/{SUB}", "DELETE", OWNER, lambda w, r: f"/api/v1/subscriptions/{w.new_subscription()}",
        hidden=SIGNED - OWNER),
    Row("/api/v1/alerts", "GET", SIGNED, "/api/v1/alerts?unread=true"),
    Row("/api/v1/alerts/read", "POST", SIGNED, "/api/v1/alerts/read", lambda w, r: {"ids": [w.match], "read": False}),
    # instrument bookings (issue 12): the investor asks for hours on a shared instrument of the home institution; its
    # publisher (and administrators) decide; nobody else sees a booking (404); the calendar is public, busy hours only
    Row("/bookings", "GET", SIGNED, "/bookings?status=requested"),
    Row("/bookings/calendar/<public_id>", "GET", ALL, lambda w, r: f"/bookings/calendar/{w.instrument}"),
    Row("/bookings/new/<public_id>", "GET", SIGNED, lambda w, r: f"/bookings/new/{w.instrument}"),
    Row("/bookings/new/<public_id>", "POST", SIGNED, lambda w, r: f"/bookings/new/{w.instrument}",
        lambda w, r: {**w.booking_form(), "service_mode": "commissioned_testing", "sample": "授权测试样品"}),
    Row(f"/bookings/{BOOKING}", "GET", PARTIES, lambda w, r: f"/bookings/{w.booking}", hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/approve", "POST", HOLDER, lambda w, r: f"/bookings/{w.new_booking()}/approve",
        lambda w, r: {"approve-note": "授权测试批准"}, hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/propose", "POST", HOLDER, lambda w, r: f"/bookings/{w.new_booking()}/propose",
        lambda w, r: w.booking_form("propose-"), hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/reject", "POST", HOLDER, lambda w, r: f"/bookings/{w.new_booking()}/reject",
        lambda w, r: {"reject-note": "授权测试拒绝"}, hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/accept", "POST", OWNER, lambda w, r: f"/bookings/{w.new_booking('proposed')}/accept", hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/cancel", "POST", PARTIES, lambda w, r: f"/bookings/{w.new_booking()}/cancel", hidden=SIGNED - PARTIES),
    Row(f"/bookings/{BOOKING}/complete", "POST", HOLDER, lambda w, r: f"/bookings/{w.new_booking('started')}/complete",
        lambda w, r: {"complete-hours_used": "1", "complete-fee": "200"}, hidden=SIGNED - PARTIES),
    Row("/api/v1/bookings", "GET", SIGNED, "/api/v1/bookings?side=holder"),
    Row("/api/v1/instruments/<public_id>/bookings", "POST", SIGNED, lambda w, r: f"/api/v1/instruments/{w.instrument}/bookings",
        lambda w, r: {**w.booking_json(), "sample": "授权测试样品", "service_mode": "self_operation"}),
    Row("/api/v1/instruments/<public_id>/calendar", "GET", ALL, lambda w, r: f"/api/v1/instruments/{w.instrument}/calendar"),
    Row(f"/api/v1/bookings/{BOOKING}", "GET", PARTIES, lambda w, r: f"/api/v1/bookings/{w.booking}", hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/approve", "POST", HOLDER, lambda w, r: f"/api/v1/bookings/{w.new_booking()}/approve",
        lambda w, r: {"note": "授权测试批准"}, hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/propose", "POST", HOLDER, lambda w, r: f"/api/v1/bookings/{w.new_booking()}/propose",
        lambda w, r: w.booking_json(), hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/reject", "POST", HOLDER, lambda w, r: f"/api/v1/bookings/{w.new_booking()}/reject",
        lambda w, r: {"note": "授权测试拒绝"}, hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/accept", "POST", OWNER, lambda w, r: f"/api/v1/bookings/{w.new_booking('proposed')}/accept",
        hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/cancel", "POST", PARTIES, lambda w, r: f"/api/v1/bookings/{w.new_booking()}/cancel",
        hidden=SIGNED - PARTIES),
    Row(f"/api/v1/bookings/{BOOKING}/complete", "POST", HOLDER, lambda w, r: f"/api/v1/bookings/{w.new_booking('started')}/complete",
        lambda w, r: {"hours_used": 1, "fee": 200}, hidden=SIGNED - PARTIES),
    # inquiries and feedback (issue 12): an inquiry is 404 to all but its parties; each status or broker row acts on a new one
    Row("/inquiries", "GET", SIGNED, "/inquiries?box=received&status=sent"),
    Row("/inquiries/new/<public_id>", "GET", SENDERS, lambda w, r: f"/inquiries/new/{w.record}"),
    Row("/inquiries/new/<public_id>", "POST", SENDERS, lambda w, r: f"/inquiries/new/{w.record}",
        lambda w, r: {"subject": "矩阵洽谈", "body": "希望合作"}),
    Row(f"/inquiries/{INQUIRY}", "GET", INQUIRY_PARTIES, lambda w, r: f"/inquiries/{w.inquiry}", hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/inquiries/{INQUIRY}/messages", "POST", INQUIRY_PARTIES, lambda w, r: f"/inquiries/{w.inquiry}/messages",
        lambda w, r: {"body": "矩阵消息"}, hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/inquiries/{INQUIRY}/broker", "POST", INQUIRY_PARTIES, lambda w, r: f"/inquiries/{w.new_inquiry()}/broker",
        lambda w, r: {"email": w.accounts["intermediary"].email}, hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/inquiries/{INQUIRY}/status", "POST", INQUIRY_PARTIES, lambda w, r: f"/inquiries/{w.new_inquiry()}/status",
        lambda w, r: {"status": "closed"}, hidden=SIGNED - INQUIRY_PARTIES),
    Row("/records/<public_id>/feedback", "POST", SENDERS, lambda w, r: f"/records/{w.record}/feedback", lambda w, r: {"fb-reason": "price"}),
    Row("/api/v1/inquiries", "GET", SIGNED, "/api/v1/inquiries?box=sent"),
    Row("/api/v1/inquiries", "POST", SENDERS, "/api/v1/inquiries", lambda w, r: {"record_id": w.record, "subject": "矩阵洽谈", "body": "希望合作"}),
    Row(f"/api/v1/inquiries/{INQUIRY}", "GET", INQUIRY_PARTIES, lambda w, r: f"/api/v1/inquiries/{w.inquiry}",
        hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/api/v1/inquiries/{INQUIRY}/messages", "POST", INQUIRY_PARTIES, lambda w, r: f"/api/v1/inquiries/{w.inquiry}/messages",
        lambda w, r: {"body": "矩阵消息"}, hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/api/v1/inquiries/{INQUIRY}/broker", "POST", INQUIRY_PARTIES, lambda w, r: f"/api/v1/inquiries/{w.new_inquiry()}/broker",
        lambda w, r: {"email": w.accounts["intermediary"].email}, hidden=SIGNED - INQUIRY_PARTIES),
    Row(f"/api/v1/inquiries/{INQUIRY}/status", "POST", INQUIRY_PARTIES, lambda w, r: f"/api/v1/inquiries/{w.new_inquiry()}/status",
        lambda w, r: {"status": "closed"}, hidden=SIGNED - INQUIRY_PARTIES),
    Row("/api/v1/records/<public_id>/feedback", "POST", SENDERS, lambda w, r: f"/api/v1/records/{w.record}/feedback",
        lambda w, r: {"reason": "price"}),
    Row("/api/v1/records/<public_id>/feedback", "GET", HOLDER, lambda w, r: f"/api/v1/records/{w.record}/feedback"),
    # -- the JSON API ----------------------------------------------------------------------------
    Row("/api/v1/openapi.json", "GET", ALL, "/api/v1/openapi.json"),
    Row("/api/v1/search", "GET", ALL, "/api/v1/search?q=成果"),
    Row("/api/v1/suggest", "GET", ALL, "/api/v1/suggest?q=玉米"),
    Row("/api/v1/records/<public_id>", "GET", ALL, lambda w, r: f"/api/v1/records/{w.record}"),
    Row("/api/v1/records/<public_id>/similar", "GET", ALL, lambda w, r: f"/api/v1/records/{w.record}/similar"),
    Row("/api/v1/records/<public_id>/attachments", "GET", ALL, lambda w, r: f"/api/v1/records/{w.record}/attachments"),
    Row("/api/v1/records", "POST", ADMIN, "/api/v1/records",
        lambda w, r: {"record_type": "achievement", "title": "经接口直接发布的成果", "institutions": [w.home.name]}),
    Row("/api/v1/records/<public_id>", "PUT", ADMIN, lambda w, r: f"/api/v1/records/{w.new_record()}",
        lambda w, r: {"record_type": "achievement", "title": "经接口修改的成果", "institutions": [w.home.name]}),
    Row("/api/v1/records/<public_id>", "DELETE", ADMIN, lambda w, r: f"/api/v1/records/{w.new_record()}"),
    Row("/api/v1/records/<public_id>/withdraw", "POST", HOLDER, lambda w, r: f"/api/v1/records/{w.new_record()}/withdraw", lambda w, r: {}),
    Row("/api/v1/records/<public_id>/versions", "GET", SEES_DRAFTS, lambda w, r: f"/api/v1/records/{w.record}/versions"),
    Row("/api/v1/records/<public_id>/versions/<int(min=1, max=2147483647):revision>", "GET", SEES_DRAFTS,
        lambda w, r: f"/api/v1/records/{w.record}/versions/1"),
    Row("/api/v1/records/<public_id>/attachments", "POST", HOLDER, lambda w, r: f"/api/v1/records/{w.record}/attachments",
        lambda w, r: {"file": (io.BytesIO(filesamples.PDF), "报告.pdf")}),
    Row("/api/v1/me", "GET", SIGNED, "/api/v1/me"),
    Row("/api/v1/tokens", "GET", SIGNED, "/api/v1/tokens"),
    Row("/api/v1/tokens", "POST", SIGNED, "/api/v1/tokens", lambda w, r: {"name": "矩阵"}),
    Row("/api/v1/tokens/<int(min=1, max=2147483647):token_id>", "DELETE", SIGNED, lambda w, r: f"/api/v1/tokens/{w.new_token(r)}"),
    Row("/api/v1/imports", "POST", PUBLISHERS, "/api/v1/imports", lambda w, r: {"record_type": "achievement", "file": csv_upload()}),
    Row("/api/v1/imports/<int(min=1, max=2147483647):job_id>", "GET", ADMIN, lambda w, r: f"/api/v1/imports/{w.job}", hidden=PUBLISHERS - ADMIN),
    Row("/api/v1/imports/<int(min=1, max=2147483647):job_id>/errors", "GET", ADMIN, lambda w, r: f"/api/v1/imports/{w.job}/errors",
        hidden=PUBLISHERS - ADMIN),
    Row("/api/v1/imports/<int(min=1, max=2147483647):job_id>/cancel", "POST", ADMIN, lambda w, r: f"/api/v1/imports/{w.job}/cancel",
        hidden=PUBLISHERS - ADMIN),
    Row("/api/v1/drafts", "GET", SIGNED, "/api/v1/drafts"),  # each lists their own: an institution's, a company's needs
    Row("/api/v1/drafts", "POST", PUBLISHERS, "/api/v1/drafts",
        lambda w, r: {"record_type": "achievement", "title": "经接口创建的草稿", "institutions": [w.home.name]}),
    Row("/api/v1/drafts/<int:draft_id>", "GET", SEES_DRAFTS, lambda w, r: f"/api/v1/drafts/{w.draft}", hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>", "PUT", HOLDER, lambda w, r: f"/api/v1/drafts/{w.new_draft('draft')}",
        lambda w, r: {"record_type": "achievement", "title": "经接口修改的草稿", "institutions": [w.home.name]}, hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>", "DELETE", HOLDER, lambda w, r: f"/api/v1/drafts/{w.new_draft('draft')}", hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>/submit", "POST", HOLDER, lambda w, r: f"/api/v1/drafts/{w.new_draft('draft')}/submit",
        lambda w, r: {}, hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>/review", "POST", REVIEWERS, lambda w, r: f"/api/v1/drafts/{w.new_draft()}/review",
        lambda w, r: {}, hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>/approve", "POST", REVIEWERS, lambda w, r: f"/api/v1/drafts/{w.new_draft()}/approve",
        lambda w, r: {}, hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>/reject", "POST", REVIEWERS, lambda w, r: f"/api/v1/drafts/{w.new_draft()}/reject",
        lambda w, r: {"message": "数据不全"}, hidden=NOT_HOME),
    Row("/api/v1/drafts/<int:draft_id>/comments", "POST", SEES_DRAFTS, lambda w, r: f"/api/v1/drafts/{w.draft}/comments",
        lambda w, r: {"message": "请补充数据"}, hidden=NOT_HOME),
    Row("/api/v1/attachments/<int:attachment_id>", "GET", ALL, lambda w, r: f"/api/v1/attachments/{w.public_file}"),
    Row("/api/v1/attachments/<int:attachment_id>/file", "GET", HOLDER, lambda w, r: f"/api/v1/attachments/{w.confidential_file}/file",
        hidden=frozenset({"anonymous"})),
    Row("/api/v1/attachments/<int:attachment_id>", "PATCH", HOLDER, lambda w, r: f"/api/v1/attachments/{w.new_file()}",
        lambda w, r: {"title": "改名"}),
    Row("/api/v1/attachments/<int:attachment_id>", "DELETE", HOLDER, lambda w, r: f"/api/v1/attachments/{w.new_file()}"),
    Row("/api/v1/attachments/<int:attachment_id>/access-requests", "POST", MEMBERS_ASKING,
        lambda w, r: f"/api/v1/attachments/{w.new_file()}/access-requests", lambda w, r: {"message": "评估合作"},
        refused_with=frozenset({403, 404, 409})),  # the holder's own people: 409, they download it
    Row("/api/v1/access-requests", "GET", SIGNED, "/api/v1/access-requests"),
    Row("/api/v1/access-requests/<int:request_id>", "GET", HOLDER | {"investor"}, lambda w, r: f"/api/v1/access-requests/{w.request_id}",
        hidden=NOT_HOME - {"investor"} | {"reviewer"}),
    Row("/api/v1/access-requests/<int:request_id>/decision", "POST", HOLDER,
        lambda w, r: f"/api/v1/access-requests/{w.new_request()}/decision", lambda w, r: {"decision": "approve"}),
    Row("/api/v1/disclosures", "GET", PUBLISHERS, "/api/v1/disclosures"),
    Row("/api/v1/admin/users", "GET", ADMIN, "/api/v1/admin/users"),
    Row("/api/v1/admin/users", "POST", ADMIN, "/api/v1/admin/users",
        lambda w, r: {"email": f"api-{w.new_institution()}@authz.test", "name": "接口用户", "role": "investor"}),
    Row("/api/v1/admin/users/<int(min=1, max=2147483647):user_id>", "PATCH", ADMIN, lambda w, r: f"/api/v1/admin/users/{w.new_user()}",
        lambda w, r: {"role": "intermediary"}),
    Row("/api/v1/admin/institutions/<public_id>/merge", "POST", ADMIN,
        lambda w, r: f"/api/v1/admin/institutions/{w.new_institution()}/merge", lambda w, r: {"target": w.new_institution()}),
    Row("/api/v1/admin/audit", "GET", ADMIN, "/api/v1/admin/audit"),
    # -- the annual selection over the API ----------------------------------------------------------
    Row(ROUNDS, "GET", SIGNED, ROUNDS),  # an empty list for those who take no part
    Row(ROUNDS, "POST", ADMIN, ROUNDS, lambda w, r: {"year": w.new_year(), "quota": 1, **round_dates()}),
    Row(f"{ROUNDS}/<int:year>", "GET", TAKE_PART, lambda w, r: f"{ROUNDS}/{w.nominating.year}", hidden=NO_PART),
    Row(f"{ROUNDS}/<int:year>", "PATCH", ADMIN, lambda w, r: f"{ROUNDS}/{w.nominating.year}", lambda w, r: {"criteria": "授权测试标准"}),
    Row(f"{ROUNDS}/<int:year>/actions/{ACTION}", "POST", ADMIN, lambda w, r: f"{ROUNDS}/{w.new_round('closed').year}/actions/finalise"),
    Row(f"{ROUNDS}/<int:year>/actions/{ACTION}", "POST", ADMIN, lambda w, r: f"{ROUNDS}/{w.published.year}/actions/correct",
        lambda w, r: {"note": "授权测试更正"}),
    Row(f"{ROUNDS}/<int:year>/candidates", "GET", TAKE_PART, lambda w, r: f"{ROUNDS}/{w.scoring.year}/candidates", hidden=NO_PART),
    Row(f"{ROUNDS}/<int:year>/candidates", "POST", HOLDER, lambda w, r: f"{ROUNDS}/{w.nominating.year}/candidates",
        lambda w, r: {"achievement": w.new_eligible(), "statement": "授权测试推荐"}, hidden=NO_PART),
    Row(f"{ROUNDS}/<int:year>/candidates/<int:candidate_id>", "GET", HOLDER | {"reviewer"},  # the reviewer is its expert
        lambda w, r: f"{ROUNDS}/{w.scoring.year}/candidates/{w.scoring.candidate}", hidden=NO_PART | {"other"}),
    Row(f"{ROUNDS}/<int:year>/candidates/<int:candidate_id>/{CANDIDATE_STEP}", "POST", HOLDER,
        lambda w, r: f"{ROUNDS}/{w.nominating.year}/candidates/{w.new_candidate()}/withdraw", lambda w, r: {"reason": "授权测试撤回"},
        hidden=SIGNED - HOLDER),
    Row(f"{ROUNDS}/<int:year>/candidates/<int:candidate_id>/{CANDIDATE_STEP}", "POST", ADMIN,
        lambda w, r: f"{ROUNDS}/{w.closed.year}/candidates/{w.closed.candidate}/{w.closed_step()}", lambda w, r: {"reason": "授权测试"}),
    Row(f"{ROUNDS}/<int:year>/candidates/<int:candidate_id>/experts", "POST", ADMIN,
        lambda w, r: f"{ROUNDS}/{w.scoring.year}/candidates/{w.scoring.candidate}/experts", lambda w, r: {"expert": w.free_expert()}),
    Row(f"{ROUNDS}/<int:year>/eligibility/<public_id>", "GET", HOLDER, lambda w, r: f"{ROUNDS}/{w.nominating.year}/eligibility/{w.record}",
        hidden=SIGNED - HOLDER),
    Row(f"{ROUNDS}/<int:year>/assignments", "GET", TAKE_PART, lambda w, r: f"{ROUNDS}/{w.scoring.year}/assignments", hidden=NO_PART),
    # the assigned expert scores; an administrator is refused (403), to everyone else there is no such assignment
    Row(f"{ROUNDS}/<int:year>/assignments/<int:assignment_id>/score", "PUT", frozenset({"reviewer"}),
        lambda w, r: f"{ROUNDS}/{w.scoring.year}/assignments/{w.scoring.assignment}/score",
        lambda w, r: {"scores": {code: 75 for code in RUBRIC}, "comment": "授权测试评分"}, hidden=SIGNED - REVIEWERS),
    Row(f"{ROUNDS}/<int:year>/ranking", "GET", ADMIN, lambda w, r: f"{ROUNDS}/{w.closed.year}/ranking"),
    Row("/api/v1/selections", "GET", ALL, "/api/v1/selections"),
    Row("/api/v1/selections/<int:year>", "GET", ALL, lambda w, r: f"/api/v1/selections/{w.published.year}"),
    Row("/api/v1/selections/<int:year>/revisions/<int:revision>", "GET", ALL, lambda w, r: f"/api/v1/selections/{w.published.year}/revisions/1"),
    # open-licence applications (issue 12): the investor applies for open patents of the home institution, whose publisher
    # (and administrators, who act for every holder) decide and may not apply themselves (403); the applicant may not grant
    # nor the holder withdraw (403); to anyone else an application does not exist (404); a patent's open licence is public
    Row("/licences/", "GET", SIGNED, "/licences/"),
    Row("/licences/apply/<public_id>", "GET", SIGNED - HOLDER, lambda w, r: f"/licences/apply/{w.licence_patent}"),
    Row("/licences/apply/<public_id>", "POST", SIGNED - HOLDER, lambda w, r: f"/licences/apply/{w.new_open_patent()}",
        lambda w, r: {"licensee": "授权测试被许可公司", "confirm": "y"}),
    Row("/licences/<int:application_id>", "GET", HOLDER | {"investor"}, lambda w, r: f"/licences/{w.licence}",
        hidden=SIGNED - HOLDER - {"investor"}),
    Row("/licences/<int:application_id>/grant", "POST", HOLDER, lambda w, r: f"/licences/{w.new_licence()}/grant",
        lambda w, r: {"note": "授权测试授予"}, hidden=SIGNED - HOLDER - {"investor"}),
    Row("/licences/<int:application_id>/refuse", "POST", HOLDER, lambda w, r: f"/licences/{w.new_licence()}/refuse",
        lambda w, r: {"note": "授权测试拒绝"}, hidden=SIGNED - HOLDER - {"investor"}),
    Row("/licences/<int:application_id>/withdraw", "POST", frozenset({"investor"}), lambda w, r: f"/licences/{w.new_licence()}/withdraw",
        hidden=SIGNED - HOLDER - {"investor"}),
    Row("/api/v1/licence-applications", "GET", SIGNED, "/api/v1/licence-applications?scope=incoming"),
    Row("/api/v1/records/<public_id>/open-licence", "GET", ALL, lambda w, r: f"/api/v1/records/{w.licence_patent}/open-licence"),
    Row("/api/v1/records/<public_id>/licence-applications", "POST", SIGNED - HOLDER,
        lambda w, r: f"/api/v1/records/{w.new_open_patent()}/licence-applications", lambda w, r: {"licensee": "授权测试被许可公司"}),
    Row("/api/v1/licence-applications/<int:application_id>", "GET", HOLDER | {"investor"},
        lambda w, r: f"/api/v1/licence-applications/{w.licence}", hidden=SIGNED - HOLDER - {"investor"}),
    Row("/api/v1/licence-applications/<int:application_id>/grant", "POST", HOLDER,
        lambda w, r: f"/api/v1/licence-applications/{w.new_licence()}/grant", lambda w, r: {"note": "授权测试授予"},
        hidden=SIGNED - HOLDER - {"investor"}),
    Row("/api/v1/licence-applications/<int:application_id>/refuse", "POST", HOLDER,
        lambda w, r: f"/api/v1/licence-applications/{w.new_licence()}/refuse", lambda w, r: {"note": "授权测试拒绝"},
        hidden=SIGNED - HOLDER - {"investor"}),
    Row("/api/v1/licence-applications/<int:application_id>/withdraw", "POST", frozenset({"investor"}),
        lambda w, r: f"/api/v1/licence-applications/{w.new_licence()}/withdraw", lambda w, r: {},
        hidden=SIGNED - HOLDER - {"investor"}),
]
BY_KEY = {(row.rule, row.method): row for row in ROWS}


def round_form(year: int) -> dict[str, str]:
    """The administrator's form that opens a round: quota 1, one expert a candidate."""
    return {"year": str(year), "quota": "1", "auto_weight": "0.3", "experts_per_candidate": "1", "min_scores": "1", "outlier_gap": "20",
            **round_dates()}


def csv_upload() -> tuple[io.BytesIO, str]:
    return io.BytesIO("成果名称,完成单位\n矩阵导入成果,吉林大学\n".encode("utf-8")), "matrix.csv"


def app_rules(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}


def openapi_operations(app) -> set[tuple[str, str]]:
    """(URL-map rule, method) of every operation in the OpenAPI document."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    by_path = {}
    for rule in app.url_map.iter_rules():
        by_path[re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)] = rule.rule
    operations = set()
    for path, item in spec["paths"].items():
        full = spec.get("servers", [{}])[0].get("url", "").rstrip("/").replace("http://localhost", "") + path
        full = full if full.startswith("/api/") else "/api/v1" + path
        assert full in by_path, f"the OpenAPI document has {full}, the app has no such route"
        operations |= {(by_path[full], method.upper()) for method in item if method in ("get", "post", "put", "patch", "delete")}
    return operations


# -- the engines ------------------------------------------------------------------------------------
DEMO = ["demo", "load", "--achievements", "20", "--patents", "6", "--instruments", "4"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es),
                                        pytest.param("postgresql", marks=pytest.mark.pg)])
def world(request, tmp_path_factory) -> World:
    """The same people and things on each search engine, and on production's store (PostgreSQL,
    with the embedded search engine)."""
    config = {}
    if request.param == "postgresql":
        config = {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("pg_server").new_database()}
    if request.param == "elasticsearch":
        import uuid

        config = {"SEARCH_BACKEND": "elasticsearch", "SEARCH_ES_HOSTS": [request.getfixturevalue("es_url")],
                  "SEARCH_ES_NUMBER_OF_REPLICAS": 0, "SEARCH_INDEX_PREFIX": f"authz{uuid.uuid4().hex[:8]}-"}
    # SELECTION_MIN_QUOTA: a round of one candidate can be finalised; ALERTS_MAX_PER_USER: every
    # subscription-making row of every role and test makes one for the same accounts (INQUIRY_MESSAGES_PER_HOUR: the
    # investor's inquiries, likewise)
    app = make_app(tmp_path_factory.mktemp(f"authz-{request.param}"), *DEMO, RESET_RATE_LIMIT="1000 per minute", SELECTION_MIN_QUOTA=1,
                   ALERTS_MAX_PER_USER=10_000, INQUIRY_MESSAGES_PER_HOUR=10_000, **config)
    world = make_world(app)
    yield world
    if request.param == "elasticsearch":
        with app.app_context():
            current_search.drop_indices()
    close_app(app)


# -- calling a row as a role --------------------------------------------------------------------------
def call(world: World, row: Row, role: str, *, csrf: bool = True, origin: str | None = None):
    account = world.accounts[role]
    if row.fresh_session:
        account = world.new_account(role)
    path = row.path(world, role) if callable(row.path) else row.path
    body = row.body(world, role) if row.body else None
    if row.rule == "/attachments/<int:attachment_id>/request":  # the form's prefix names the file
        body = {f"ar{path.split('/')[2]}-message": "评估合作"}
    headers = {"Origin": origin} if origin else {}
    if row.api and csrf:  # the API with a bearer token; the cross-site test sends the session cookie instead
        if account.token:
            headers["Authorization"] = f"Bearer {account.token}"
        if row.method == "PUT" and "/records/" in row.rule:
            current = account.client.get(path, headers=headers)
            headers["If-Match"] = current.headers.get("ETag", '"1"')
        if row.method == "PUT" and "/drafts/" in row.rule:
            headers["If-Match"] = '"1"'
    if row.method == "GET":
        return account.client.get(path, headers=headers)
    if row.api and csrf:
        multipart = body and any(isinstance(v, tuple) for v in body.values())
        if multipart:
            return account.client.open(path, method=row.method, data=body, headers=headers)
        return account.client.open(path, method=row.method, json=body if body is not None else None, headers=headers)
    data = dict(body or {})
    if csrf:
        data["csrf_token"] = account.csrf
    return account.client.open(path, method=row.method, data=data, headers=headers)


def signs_in(response) -> bool:
    return response.status_code in (302, 303) and "/account/login" in response.headers.get("Location", "")


def verdict(row: Row, role: str, response) -> str | None:
    """None when the response is what ``role`` should get from ``row``, else what went wrong."""
    status = response.status_code
    if role in row.allowed:
        if status < 300 or (status < 400 and not signs_in(response)):
            return None
        return f"allowed, got {status} {response.headers.get('Location', '')} {response.get_data(as_text=True)[:200]!r}"
    if role in row.hidden:
        return None if status == 404 else f"should be hidden (404), got {status}"
    if role == "anonymous":
        ok = status == 401 if row.api else (status == 401 or signs_in(response))
        return None if ok else f"anonymous should be asked to sign in, got {status}"
    return None if status in row.refused_with else f"should be refused ({sorted(row.refused_with)}), got {status} {response.get_data(as_text=True)[:200]!r}"


# -- the tests ----------------------------------------------------------------------------------------
def test_every_route_has_a_row(world):
    routes = app_rules(world.app)
    assert sorted(routes - set(BY_KEY)) == [], "a route without a row in ROWS: say who may call it"
    assert sorted(set(BY_KEY) - routes) == [], "a row for a route the app no longer has"
    operations = openapi_operations(world.app)
    api_routes = {key for key in routes if key[0].startswith("/api/")} - {("/api/v1/openapi.json", "GET")}
    assert sorted(api_routes - operations) == [], "an API route the OpenAPI document does not describe"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(world, role):
    wrong = []
    for row in ROWS:
        response = call(world, row, role)
        problem = verdict(row, role, response)
        if problem is None and role in row.allowed and not row.api and row.method != "GET" and 300 <= response.status_code < 400:
            problem = refused_on_the_next_page(world, row, role, response)
        if problem:
            wrong.append(f"{row.method} {row.rule}: {problem}")
        response.close()
    assert not wrong, "\n".join(wrong)


def refused_on_the_next_page(world: World, row: Row, role: str, response) -> str | None:
    """A form post answers 303 whether it worked or not; a refusal shows as an error message on
    the page it leads to. (Sign-out and the password change end the session: nothing to read.)"""
    if row.fresh_session:
        return None
    page = world.accounts[role].client.get(response.headers["Location"])
    found = re.search(r'<p class="flash flash-error"[^>]*>([^<]+)', page.get_data(as_text=True))
    return f"allowed, but the next page says: {found.group(1)}" if found else None


def invisible_pairs(world: World) -> list[tuple[str, str]]:
    """(a path to something not public of the home institution, the same path with an id nobody has)."""
    draft, record = world.draft, world.withdrawn
    return [
        (f"/publish/drafts/{draft}", "/publish/drafts/99999999"),
        (f"/publish/drafts/{draft}/edit", "/publish/drafts/99999999/edit"),
        (f"/api/v1/drafts/{draft}", "/api/v1/drafts/99999999"),
        (f"/records/{record}", "/records/ach-99999999"),
        (f"/records/{record}/history", "/records/ach-99999999/history"),
        (f"/records/{record}/edit", "/records/ach-99999999/edit"),
        (f"/api/v1/records/{record}", "/api/v1/records/ach-99999999"),
        (f"/api/v1/records/{record}/versions", "/api/v1/records/ach-99999999/versions"),
        (f"/api/v1/records/{record}/attachments", "/api/v1/records/ach-99999999/attachments"),
        (f"/api/v1/imports/{world.job}", "/api/v1/imports/99999999"),
        (f"/api/v1/access-requests/{world.request_id}", "/api/v1/access-requests/99999999"),
        (f"/alerts/subscriptions/{world.subscription}/edit", "/alerts/subscriptions/99999999/edit"),
        (f"/api/v1/subscriptions/{world.subscription}", "/api/v1/subscriptions/99999999"),
    ]


def scrub(text_: str) -> str:
    """The page without what differs between two ids: the numbers, the CSRF token, the CSP nonce."""
    text_ = re.sub(r'<input[^>]*name="csrf_token"[^>]*>|nonce="[^"]+"', "", text_)
    return re.sub(r"\d+", "N", text_)


@pytest.mark.parametrize("role", ["other", "intermediary", "investor", "anonymous"])
def test_what_is_not_public_is_invisible_and_guessing_ids_reveals_nothing(world, role):
    account = world.accounts[role]
    headers = {"Authorization": f"Bearer {account.token}"} if account.token else {}
    for real, made_up in invisible_pairs(world):
        if role == "investor" and ("access-requests" in real or "subscriptions" in real):
            continue  # the investor made that request, and owns the subscription
        seen, unseen = account.client.get(real, headers=headers), account.client.get(made_up, headers=headers)
        assert seen.status_code == unseen.status_code and seen.status_code in (401, 403, 404) or signs_in(seen) and signs_in(unseen), \
            (real, seen.status_code, unseen.status_code)
        assert scrub(seen.get_data(as_text=True)) == scrub(unseen.get_data(as_text=True)), real
    # and search finds nothing of it
    hits = account.client.get("/api/v1/search", query_string={"q": HIDDEN, "size": 50}, headers=headers).get_json()
    assert hits["total"] == 0


def fingerprint(app) -> dict[str, Any]:
    """Row counts of every table and the sum of the records' revisions: a write leaves a mark here."""
    with app.app_context():
        marks = {}
        for table in db.metadata.sorted_tables:
            marks[table.name] = db.session.scalar(select(func.count()).select_from(table))
            if "revision_id" in table.c:
                marks[table.name + ".revisions"] = db.session.scalar(select(func.coalesce(func.sum(table.c.revision_id), 0)))
            if "status" in table.c:
                marks[table.name + ".statuses"] = sorted(db.session.execute(
                    text(f"select status, count(*) from {table.name} group by status")).all())
        db.session.remove()
        return marks


WRITES = [row for row in ROWS if row.method != "GET"]


@pytest.mark.parametrize("role", ["admin", "publisher"])
def test_a_cross_site_form_post_to_every_write_endpoint_is_refused(world, role):
    """The session cookie of a signed-in person rides along on a form another site posts; without
    the CSRF token nothing happens. (Each row makes what it acts on first, so the fingerprint is taken
    between making it and calling.)"""
    refused = []
    for row in WRITES:
        if row.rule in ("/account/login", "/account/reset", "/account/reset/<token>"):
            continue  # anyone may post these; they are CSRF-protected all the same (tests/integration/test_accounts.py)
        if row.rule == "/alerts/unsubscribe/<token>":
            continue  # RFC 8058 one-click: the URL's signed token is the credential, no CSRF token (test_alerts_web.py)
        path_of, body_of = row.path, row.body
        path = path_of(world, role) if callable(path_of) else path_of
        body = body_of(world, role) if body_of else None
        before = fingerprint(world.app)
        fixed = Row(row.rule, row.method, row.allowed, path, (lambda w, r, b=body: b) if body is not None else None)
        response = call(world, fixed, role, csrf=False, origin="https://evil.example")
        after = fingerprint(world.app)
        if response.status_code not in (400, 403) or before != after:
            changed = {k for k in after if before.get(k) != after[k]}
            refused.append(f"{row.method} {row.rule}: {response.status_code}, changed {sorted(changed)}")
    assert refused == []
