"""SQLAlchemy models: the source of truth. The search index is derived from these rows."""
from .account import ROLES, ApiToken, AuditEvent, User
from .achievement import Achievement, AchievementInstitution
from .alerts import (ANY_KEY, CHANNELS, DELIVERY_STATES, FREQUENCIES, AlertDelivery, AlertMatch, AlertRecordState, Subscription,
                     SubscriptionKey)
from .feedback import FEEDBACK_REASONS, ListingFeedback
from .inquiry import INQUIRY_STATES, OPEN_INQUIRY_STATES, Inquiry, InquiryMessage
from .licence import LICENCE_STATES, LicenceApplication
from .booking import BOOKING_STATES, HOLDING_STATES, BookingLock, InstrumentBooking
from .attachment import ACCESS_STATES, AccessRequest, Attachment, DisclosureEvent
from .ingest import HarvestSource, ImportJob, ImportPart, ImportRecordError, OutboxEntry
from .institution import Institution, InstitutionRedirect
from .instrument import Instrument
from .need import Need, NeedMatch
from .patent import Patent, PatentApplicant
from .selection import (CANDIDATE_STATES, ROUND_STATES, ExpertAssignment, SelectionCandidate, SelectionEntry, SelectionList,
                        SelectionRound)
from .stats_report import StatsReport
from .usage import USAGE_KINDS, UsageCount
from .workflow import DRAFT_STATES, OPEN_DRAFT_STATES, DraftComment, RecordDraft, RecordVersion

RECORD_CLASSES = {cls.RECORD_TYPE: cls for cls in (Achievement, Patent, Instrument, Institution, Need)}
BY_PREFIX = {cls.PREFIX: cls for cls in RECORD_CLASSES.values()}
BY_INDEX = {cls.INDEX: cls for cls in RECORD_CLASSES.values()}

__all__ = [
    "Achievement", "AchievementInstitution", "Institution", "InstitutionRedirect", "Instrument", "Patent", "PatentApplicant",
    "RECORD_CLASSES", "BY_PREFIX", "BY_INDEX", "HarvestSource", "ImportJob", "ImportPart", "ImportRecordError", "OutboxEntry",
    "ROLES", "User", "ApiToken", "AuditEvent", "RecordDraft", "DraftComment", "RecordVersion", "DRAFT_STATES",
    "OPEN_DRAFT_STATES", "Attachment", "AccessRequest", "DisclosureEvent", "ACCESS_STATES",
    "SelectionRound", "SelectionCandidate", "ExpertAssignment", "SelectionList", "SelectionEntry", "ROUND_STATES", "CANDIDATE_STATES",
    "UsageCount", "USAGE_KINDS", "StatsReport",
    "Subscription", "SubscriptionKey", "AlertMatch", "AlertDelivery", "AlertRecordState", "FREQUENCIES", "CHANNELS",
    "DELIVERY_STATES", "ANY_KEY", "InstrumentBooking", "BookingLock", "BOOKING_STATES", "HOLDING_STATES",
    "LicenceApplication", "LICENCE_STATES", "Inquiry", "InquiryMessage", "INQUIRY_STATES", "OPEN_INQUIRY_STATES",
    "ListingFeedback", "FEEDBACK_REASONS", "Need", "NeedMatch",
]
