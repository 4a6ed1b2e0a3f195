"""Default configuration. Every key can be overridden by an environment variable with the
``TT_`` prefix (``TT_SEARCH_BACKEND=elasticsearch``; JSON values are parsed, so
``TT_SEARCH_ES_HOSTS='["http://es1:9200","http://es2:9200"]'`` gives a list; nested keys use
a double underscore: ``TT_CELERY__broker_url=redis://...``). ``DATABASE_URL`` is honoured as
well, as most hosting platforms set it."""

# Deployment. Closed by default: "production" unless told otherwise, and production refuses to
# start without TT_SECRET_KEY (at least 32 bytes) and TT_PUBLIC_BASE_URL, and never creates demo
# accounts. "development" (what `scripts/dev` sets) allows a random per-process secret key, links
# built from the request's address, and `flask users demo`.
ENV = "production"
SECRET_KEY = None

# Host names requests may be addressed to (DNS rebinding): None = the host of PUBLIC_BASE_URL
# plus localhost and 127.0.0.1 (what the health checks use). A request for any other host is 400.
TRUSTED_HOSTS = None

# Sessions: HttpOnly, SameSite=Lax, and Secure (None: in production, web/__init__.py).
SESSION_COOKIE_NAME = "tt_session"
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_SECURE = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
# CSRF tokens (Flask-WTF) are checked by web.auth for every cookie-authenticated write, and
# last as long as the session.
WTF_CSRF_CHECK_DEFAULT = False
WTF_CSRF_TIME_LIMIT = None

# Throttles: where Flask-Limiter counts (memory://, or redis://host:6379/1 shared by every
# worker), and the limits per client address.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
SIGN_IN_RATE_LIMIT = "10 per minute;60 per hour"
RESET_RATE_LIMIT = "5 per minute;20 per hour"

# Password reset links expire after this many seconds (and die when used).
PASSWORD_RESET_SECONDS = 3600

# Outgoing mail (password resets, later alerts). No server: messages go to the log (development).
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False  # STARTTLS
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_SENDER = "吉林省科技成果转化平台 <noreply@localhost>"
MAIL_TIMEOUT = 20

# The relational store: the source of truth. SQLite in the instance folder unless DATABASE_URL is set
# (e.g. postgresql+psycopg://user:password@host:5432/techtransfer).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Search. "sqlite" (embedded FTS5, no server; the default) or "elasticsearch".
SEARCH_BACKEND = "sqlite"
# SQLite engine: the database file for the search tables. None = the same file as the store when the store is SQLite.
SEARCH_SQLITE_PATH = None
# Elasticsearch engine: hosts, optional credentials, and the replicas to create indices with (None = the mapping files' value).
SEARCH_ES_HOSTS = ["http://127.0.0.1:9200"]
SEARCH_ES_API_KEY = None
SEARCH_ES_USERNAME = None
SEARCH_ES_PASSWORD = None
SEARCH_ES_CA_CERTS = None
SEARCH_ES_TIMEOUT = 30
SEARCH_ES_NUMBER_OF_REPLICAS = None
# Primary shards of indices created from now on (a rebuild applies it to an existing one; None = the
# mapping files' 1). A search runs its shards in parallel: with more cores than one, more shards make
# a dashboard's aggregations over a million records faster (bench/stats.py --es-shards).
SEARCH_ES_NUMBER_OF_SHARDS = None
# Prepended to every index (or table) name, so several deployments or test runs can share one engine.
SEARCH_INDEX_PREFIX = ""
# Where the versioned mapping files live (None = the mappings/ folder of this source tree).
SEARCH_MAPPINGS_DIR = None
# an administrator's synonyms (mappings/analysis/synonyms.txt's format), read after the shipped
# ones at start-up; no re-indexing needed
SEARCH_SYNONYMS_FILE = None
# an administrator's synonyms (mappings/analysis/synonyms.txt's format), read after the shipped
# ones at start-up; no re-indexing needed
SEARCH_SYNONYMS_FILE = None

# After a commit, index the changed records "inline" (in the same process; the default, and
# right for the embedded engine), through a Celery "task" (production), or "deferred" to the
# periodic outbox drain. Whatever the mode, the outbox keeps every change until it is indexed.
INDEXING_MODE = "inline"
# Saved-search alerts: a record just indexed is matched against the subscriptions in a worker
# ("task"), right after indexing in the same process ("inline": tests, scripts) or not at all ("off").
ALERTS_MATCHING = "task"
ALERTS_MAX_PER_USER = 50  # subscriptions one account may keep
# Inquiries between companies and holders: messages one account may write an hour (all inquiries together).
INQUIRY_MESSAGES_PER_HOUR = 30
# Their e-mail (a new inquiry to the holder, a message to the other side): sent by a worker ("task"),
# in the same process after the commit ("inline": tests, scripts) or not at all ("off").
INQUIRY_MAIL = "task"
# A drain that dies (a killed worker) leaves its outbox rows claimed this long; then any drain takes them.
OUTBOX_CLAIM_SECONDS = 120

# Celery. Without a broker URL the app uses a broker that needs no server: kombu's
# filesystem transport in the instance folder (the worker started by `scripts/dev serve` reads
# it). Production sets TT_CELERY__broker_url=redis://... (see docker-compose.yml).
CELERY = {
    "broker_url": None,
    "task_ignore_result": True,
    "task_acks_late": True,  # a task is done when it ran, not when it was received
    "task_reject_on_worker_lost": True,  # a killed worker's task goes back to the queue
    "worker_prefetch_multiplier": 1,
    "broker_connection_retry_on_startup": True,
    "broker_transport_options": {"visibility_timeout": 900},
    "beat_schedule": {
        "drain-outbox": {"task": "ingest.drain_outbox", "schedule": 15.0},
        "recover-stale-imports": {"task": "ingest.recover_stale_jobs", "schedule": 60.0},
        "harvest-due-sources": {"task": "ingest.harvest_due", "schedule": 3600.0},
        # alerts (web/services/alert_delivery.py); intervals: ALERTS_DELIVER_DUE_SECONDS, ALERTS_DIGEST_SECONDS below
        "alerts-deliver-due": {"task": "alerts.deliver_due", "schedule": 60.0},
        "alerts-send-digests": {"task": "alerts.send_digests", "schedule": 300.0},
    },
}

# Alert delivery (e-mail and webhooks of saved-search subscriptions).
# Digests: a daily period is due once local time (this zone) has passed ALERTS_DIGEST_HOUR; a weekly
# one on ALERTS_DIGEST_WEEKDAY (0 = Monday) at that hour. A digest carries matches no older than
# ALERTS_DIGEST_MAX_AGE_DAYS (a channel switched on later does not flood the reader with history).
ALERTS_TIMEZONE = "Asia/Shanghai"
ALERTS_DIGEST_HOUR = 8
ALERTS_DIGEST_WEEKDAY = 0
ALERTS_DIGEST_MAX_AGE_DAYS = 31
# How often beat looks for due deliveries and for digests to make (seconds; overrides the schedule above).
ALERTS_DELIVER_DUE_SECONDS = 60.0
ALERTS_DIGEST_SECONDS = 300.0
# A delivery is claimed this long while it is sent: a killed worker's claim expires, then another
# worker takes it. Keep it well above MAIL_TIMEOUT and ALERTS_WEBHOOK_TIMEOUT, or a slow send
# could be taken over and made twice.
ALERTS_CLAIM_SECONDS = 300
# Failed sends are retried after ALERTS_RETRY_BASE_SECONDS, doubling up to ALERTS_RETRY_MAX_SECONDS,
# at most ALERTS_MAX_ATTEMPTS times; then the delivery is "failed".
ALERTS_MAX_ATTEMPTS = 8
ALERTS_RETRY_BASE_SECONDS = 60.0
ALERTS_RETRY_MAX_SECONDS = 6 * 3600.0
# Webhooks: the time one call may take; how many failed calls in a row switch a webhook off (its
# owner is told by mail); whether loopback and private addresses may be called (tests only:
# production refuses to start with it, as a webhook could then reach internal services).
ALERTS_WEBHOOK_TIMEOUT = 10.0
ALERTS_WEBHOOK_DISABLE_AFTER = 8
ALERTS_WEBHOOK_ALLOW_PRIVATE = False
# Links in alert mail and webhook bodies use PUBLIC_BASE_URL; a development install without it uses this.
ALERTS_BASE_URL_FALLBACK = "http://127.0.0.1:5000"

# Imports: where uploaded files are kept until their job ran, and the batch size (records per transaction).
INGEST_UPLOAD_DIR = None  # None: <instance>/uploads
INGEST_BATCH_SIZE = 500
# A batch that collides with a concurrent import (both creating the same institution or record)
# is rolled back and run again with fresh lookups, at most this many times in all.
INGEST_CONFLICT_ATTEMPTS = 4
# A CSV of at least twice this many records is imported in parts of this many records, which
# free worker processes import at once (one job, one progress bar; ingest/pipeline.py).
INGEST_PART_RECORDS = 10000
# The command line's own import (``flask import file`` without --queue or --processes) first
# settles Python's garbage collector for a long import (ingest/heap.py), as the Celery worker
# processes and the local --processes ones always do. Off for a process that is no importer,
# such as a test run calling the command.
INGEST_SETTLE_HEAP = True

# Files attached to records (PDF, PNG/JPEG/GIF/WebP images, Word/Excel/PowerPoint, old and new):
# where they are kept (None: <instance>/attachments; never under the web root, never under the
# name they were uploaded with), the largest file in MB, how many files one record may have, and
# how far an Office file (a zip) may unpack, in MB, all parts together (zip bombs).
ATTACHMENT_DIR = None
ATTACHMENT_MAX_MB = 20  # may be fractional (0.5)
ATTACHMENT_MAX_PER_RECORD = 20
ATTACHMENT_MAX_UNZIPPED_MB = 200

# Exports of a result set (CSV/XLSX) stop at this many rows.
EXPORT_MAX_ROWS = 10_000
# The site's public address (https://kjcg.example.cn), used for every absolute link: exported
# files, API "links" and "Location", alerts. Production refuses to start without it (links must
# not be built from a request's Host header, which the client chooses); in development None
# uses the address the request came to.
PUBLIC_BASE_URL = None

# Search page defaults.
SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE_SIZE = 100

# Languages offered on the site, the first is the default.
LANGUAGES = ["zh", "en"]

# Demo data loaded by `flask demo load` (and by the first README command).
DEMO_ACHIEVEMENTS = 2000
DEMO_PATENTS = 1500
DEMO_INSTRUMENTS = 500
DEMO_NEEDS = 120  # companies' technology needs (demo/needs.py)
DEMO_SEED = 2024

# The annual selection: the smallest quota a round may have (the provincial plan: 200 a year)
SELECTION_MIN_QUOTA = 200

# Usage statistics (web/services/usage.py): counts per day of searches, zero-result searches, record
# views and exports; no IP address, account or user agent is stored; robots are not counted
USAGE_STATS = True
