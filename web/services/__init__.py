"""Service layer: business operations over the store and the search seam.

No Flask request globals here: callers pass the identity and parameters, so ingest workers and
CLI commands use the same services as the web views."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from flask import Flask

from ..extensions import db
from ..models import Achievement, Instrument, Need, Patent
from . import attachment_cleanup
from .access_requests import AccessRequestService
from .alert_delivery import AlertDeliveryService, DeliverySettings
from .alert_links import AlertLinks
from .alert_mail import AlertMail
from .alert_matching import AlertMatcher, SubscriptionKeys
from .accounts import AccountService
from .attachment_store import FileStore
from .attachments import AttachmentService, AttachmentSettings
from .audit import AuditLog
from .bookings import BookingService
from .drafts import DraftService
from .disclosures import DisclosureLog
from .exchange_stats import ExchangeStats
from .indexing import RecordIndexer
from .institution_directory import InstitutionDirectory
from .institution_merge import InstitutionMerge
from .feedback import FeedbackService
from .inquiries import InquiryService
from .licences import LicenceService
from .links import LinkService
from .mail import Mailer, MailSettings
from .need_alerts import NeedAlerts
from .need_matching import NeedMatching
from .outbox import OutboxService
from .records import CONFIGS, RecordService
from .search import SearchService
from .selection import SelectionService
from .stats import StatsService
from .stats_report import StatsReportService
from .subscriptions import SubscriptionService
from .uow import UnitOfWork, unit_of_work
from .usage import UsageLog
from .versions import RecordVersions
from .webhooks import WebhookClient
from .user_admin import UserAdmin

log = logging.getLogger(__name__)

DRAIN_TASK = "ingest.drain_outbox"
MATCH_TASK = "alerts.match_records"
MATCHED_PREFIXES = {cls.PREFIX for cls in (Achievement, Patent, Instrument)}  # institutions are not announced
NEED_PREFIX = Need.PREFIX  # a need published: its matching results' holders are told


class ServiceRegistry:
    def __init__(self, app: Flask):
        self.app = app
        backend = app.extensions["search"]
        session = db.session
        self.indexer = RecordIndexer(backend, session)
        self.outbox = OutboxService(session, self.indexer, int(app.config.get("OUTBOX_CLAIM_SECONDS", 120)), self.match_later)
        self.versions = RecordVersions(session, lambda rec: self.records[rec.RECORD_TYPE].dump(rec))
        self.records = {name: RecordService(config, session, self.unit_of_work, self.versions) for name, config in CONFIGS.items()}
        self.search = SearchService(backend)
        self.need_matching = NeedMatching(self.search)  # technology needs <-> results, both ways
        self.subscription_keys = SubscriptionKeys(backend, self.search)
        self.alert_matcher = AlertMatcher(session, backend, self.search, self.subscription_keys,
                                          lambda: getattr(self, "alert_deliveries", None))
        self.links = LinkService(session, backend)
        self.audit = AuditLog(session)
        self.accounts = AccountService(session, app.config["SECRET_KEY"], self.audit, int(app.config.get("PASSWORD_RESET_SECONDS", 3600)))
        self.mailer = Mailer(MailSettings.from_config(app.config))
        self.drafts = DraftService(session, self.records, self.unit_of_work, self.audit)
        # tiered disclosure: the log of who saw what, files on records, access to confidential ones
        self.disclosures = DisclosureLog(session, self.unit_of_work)
        self.attachments = AttachmentService(session, FileStore(app.config["ATTACHMENT_DIR"]), AttachmentSettings.from_config(app.config),
                                             self.disclosures, self.audit, self.unit_of_work)
        self.access_requests = AccessRequestService(session, self.attachments, self.audit, self.unit_of_work)
        attachment_cleanup.install()
        # administration (/admin): accounts, institutions and their merges
        self.user_admin = UserAdmin(session, self.accounts, self.audit, self.mailer)
        self.institutions = InstitutionDirectory(session)
        self.merges = InstitutionMerge(session, self.audit, self.unit_of_work)
        # the annual selection of high-quality achievements (/selections, /admin/selection)
        # statistics: the search's filters, counted per chart by the engine (/stats, /api/v1/stats)
        self.stats = StatsService(backend, self.search)
        # the yearly statistics report: a PDF of a year's figures, archived (/admin/reports, flask stats report)
        self.stats_reports = StatsReportService(session, self.stats, self.audit, self.unit_of_work)
        # usage statistics without personal data (views, searches, zero-result searches, exports)
        self.usage = UsageLog(lambda: db.engine, session, bool(app.config.get("USAGE_STATS", True)))
        self.selection = SelectionService(session, self.audit, self.unit_of_work, int(app.config.get("SELECTION_MIN_QUOTA", 200)))
        self.subscriptions = SubscriptionService(session, self.search, self.subscription_keys, self.audit, app.config["SECRET_KEY"],
                                                 max_per_user=int(app.config.get("ALERTS_MAX_PER_USER", 50)),
                                                 check_webhook_url=self._check_webhook_url)
        self.bookings = BookingService(session, self.audit, self.unit_of_work)
        self.licences = LicenceService(session, self.audit)
        self.feedback = FeedbackService(session, self.audit)
        self.inquiries = InquiryService(session, self.audit, int(app.config.get("INQUIRY_MESSAGES_PER_HOUR", 30)))
        self.exchange_stats = ExchangeStats(session)  # inquiries, agreements, licences, bookings counted (/stats/exchanges)
        # alert delivery: immediate alerts and digests by e-mail and webhook (claimed, retried, once each)
        alert_links = AlertLinks(app)
        self.alert_deliveries = AlertDeliveryService(
            session, self.mailer,
            WebhookClient(float(app.config.get("ALERTS_WEBHOOK_TIMEOUT", 10)), bool(app.config.get("ALERTS_WEBHOOK_ALLOW_PRIVATE"))),
            AlertMail(alert_links, self.mailer.settings.sender, self.subscriptions.unsubscribe_token), alert_links,
            DeliverySettings.from_config(app.config), lambda: app.extensions["celery"])
        self.need_alerts = NeedAlerts(session, self.need_matching, self.mailer, alert_links.base_url)

    def for_type(self, record_type: str) -> RecordService:
        return self.records[record_type]

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(db.session, self.outbox, self.dispatch)

    def _check_webhook_url(self, url: str) -> None:
        from .webhooks import check_webhook_url

        check_webhook_url(url, bool(self.app.config.get("ALERTS_WEBHOOK_ALLOW_PRIVATE")))

    def match_later(self, public_ids: list[str]) -> None:
        """Records just indexed: match them against the subscriptions, in a worker (publishing
        never waits for it), or here and now (``ALERTS_MATCHING = "inline"``: tests, scripts)."""
        public_ids = [pid for pid in public_ids if pid.split("-", 1)[0] in MATCHED_PREFIXES | {NEED_PREFIX}]
        mode = self.app.config.get("ALERTS_MATCHING", "task")
        if not public_ids:
            return
        if mode == "task":
            self.app.extensions["celery"].send_task(MATCH_TASK, kwargs={"ids": public_ids})
        elif mode == "inline":
            self.match_now(public_ids)

    def match_now(self, public_ids: list[str]) -> Any:
        """Records just indexed: results against the subscriptions (the alerts' report), and new
        technology needs against the results, whose holders are told."""
        needs = [pid for pid in public_ids if pid.split("-", 1)[0] == NEED_PREFIX]
        if needs:
            self.need_alerts.notify(needs)
        return self.alert_matcher.match_records([pid for pid in public_ids if pid.split("-", 1)[0] in MATCHED_PREFIXES])

    def dispatch(self, entry_ids: list[int], committed: Sequence[Any] = ()) -> None:
        """After a commit: index the new outbox entries now (``committed``, the records the
        commit wrote, from memory), or ask a worker to. Failures are logged, never raised: the
        commit stands and the outbox keeps the entries."""
        mode = self.app.config.get("INDEXING_MODE", "inline")
        try:
            if mode == "task":
                self.app.extensions["celery"].send_task(DRAIN_TASK, kwargs={"ids": entry_ids})
            elif mode == "inline":
                report = self.outbox.drain(ids=entry_ids, committed=committed)
                if report.error:
                    log.warning("indexing deferred (%s entries wait): %s", report.remaining, report.error)
            # "deferred": leave the entries to the periodic drain (bulk loads, benchmarks)
        except Exception:  # noqa: BLE001 - the records are committed; the outbox will retry
            log.exception("could not dispatch %d outbox entries; the periodic drain will index them", len(entry_ids))


class Services:
    """Flask extension: ``app.extensions["services"]`` is the registry."""

    def init_app(self, app: Flask) -> None:
        app.extensions["services"] = ServiceRegistry(app)


__all__ = ["ServiceRegistry", "Services"]
