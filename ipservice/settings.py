"""Settings for the IP public service windows portal.

Everything comes from the environment (docs/architecture.md, "Configuration"). Development defaults
are explicit; production (DJANGO_DEBUG=0) refuses to start without a secret key and allowed hosts.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def envbool(name, default):
    value = os.environ.get(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name, default=""):
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# Development is the explicit default so that `make run` works on a bare machine; every
# production deployment sets DJANGO_DEBUG=0 (docker-compose.yml does).
DEBUG = envbool("DJANGO_DEBUG", "1")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
# The portal's own page when a form's CSRF check fails (reload and send again), not Django's.
CSRF_FAILURE_VIEW = "ipservice.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "csp",
    "ipservice",
    "windows",
    "catalog",
    "appointments",
    "hall",
    "applications",
    "reviews",
]

MIDDLEWARE = [
    # First: no later middleware may believe a forwarded header the proxy did not set.
    "ipservice.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer (issue 10).
    "csp.middleware.CSPMiddleware",
    "ipservice.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ipservice.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the session or the user (a cookie with a NUL breaks the lookup).
    "ipservice.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After WhiteNoise (static files keep their caching), once the user is known.
    "ipservice.headers.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a lockout found during the view into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ipservice.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ipservice.context_processors.portal",
                "windows.context_processors.staff",
            ],
        },
    },
]

WSGI_APPLICATION = "ipservice.wsgi.application"

# With no DATABASE_URL the portal runs on SQLite so that the run command works on a bare machine;
# PostgreSQL is the real database (production, CI and the concurrency tests).
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# axes first: it refuses a locked-out account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "appointments:workbench"
LOGOUT_REDIRECT_URL = "home"

# Chinese first, English second; the language follows the switch (a cookie), not the URL.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes and WhiteNoise serves from (DJANGO_DEBUG=0); the production-shaped
# tests collect into a directory of their own.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Redis is the Celery broker and the cache; without it tasks run in-process and the cache is local.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's RedisCache, answering as an empty cache while Redis cannot be reached (each failed
    # call logs a warning, rate-limited): the pages read the database instead. Short socket
    # timeouts bound what each call costs while Redis does not answer.
    # Its incr() is EXISTS then INCRBY: a rate-limit counter (django-ratelimit counts with
    # add + incr) that expires between the two is made again by INCRBY, without an expiry. Rare,
    # and harmless to the limits themselves: ratelimit's keys name their time window, so that
    # key is never counted in again; it only stays in Redis.
    CACHES = {
        "default": {
            "BACKEND": "ipservice.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A rate limit whose counter cannot be read (Redis down) lets the request through: refusing
# would stop every booking, complaint and lookup of the portal for the length of the outage,
# while the rules that matter most hold without the cache (slot capacity, fair booking per ID
# document and phone, no-show suspensions: all in PostgreSQL). The cache logs the outage.
RATELIMIT_FAIL_OPEN = True

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seconds: a task still running after the soft limit is told (SoftTimeLimitExceeded), after the
# hard one its process is killed.
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TIMEZONE = TIME_ZONE
# A task message taken by a worker and not acknowledged within this many seconds (acks late: at
# the end of the task) is given to another worker: how long the tasks of a worker killed outright
# (SIGKILL, out of memory) wait when no worker restarts and no beat runs the stale-notice sweep.
# Minutes, not the hour of kombu's default; every wait of a task stays below it (time limits,
# retry delays: checked below and after NOTICE_RETRY_MAX_DELAY).
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 20 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such messages every 10 seconds (kombu: interval x throttle, 100 s by default).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A web request publishing to an unreachable Redis, or to one that accepts the connection
    # and never answers, gives up within seconds; the notice stays queued. (Above the 1-second
    # blocking reads with which a worker waits for messages.)
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT"
    )
# Celery's defaults, written out: it looks these up on every message it sends (every booking
# sends one), and an unset one is looked for under several names through these settings before
# its default is found, ~50 µs of CPU per message.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_TASK_REPR_MAXLEVELS = 3
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "ipservice.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ipservice.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # JSON only (docs/architecture.md, "The HTTP contract"): a form-encoded or multipart body is a
    # 415, so a hostile page cannot post a form to the API from its visitors' browsers (a view that
    # takes file uploads names its own parser_classes). Nesting too deep and NUL characters are a
    # 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "ipservice.parsers.JSONParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "ipservice.schema.AutoSchema",
    "EXCEPTION_HANDLER": "ipservice.api.exception_handler",
}
# The most rows one page of a list endpoint gives (`?limit=`); more is a 400.
API_MAX_PAGE_SIZE = envint("API_MAX_PAGE_SIZE", 500)

SPECTACULAR_SETTINGS = {
    "TITLE": "上海知识产权公共服务窗口 API",
    "DESCRIPTION": "Shanghai IP public service windows: catalog, window registry, bookings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps have a `channel` and a `status`; name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "ItemChannelEnum": "catalog.constants.Channel",
        "CaseChannelEnum": "appointments.constants.Channel",
        "CaseStatusEnum": "appointments.constants.Status",
        "RatingChannelEnum": "reviews.constants.RatingChannel",
        "RectificationStatusEnum": "reviews.constants.RectificationStatus",
        "ComplaintStatusEnum": "reviews.constants.ComplaintStatus",
        "NoticeStatusEnum": "appointments.constants.NoticeStatus",
        "ApplicationStatusEnum": "applications.constants.Status",
    },
}

IMPORT_EXPORT_FORMATS = [XLSX, CSV]
# Every row of a file is imported in one transaction: one bad row and nothing is saved.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# A cell starting with = + - @ is escaped so that a spreadsheet never runs it as a formula.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@ipservice.example")

# Shown in every page footer.
PORTAL_HOTLINE = os.environ.get("PORTAL_HOTLINE", "12330")
CITIZEN_HOTLINE = "12345"

# Production hardening; `manage.py check --deploy` passes with DJANGO_DEBUG=0.
# X-Forwarded-Proto (and X-Real-IP) are believed only from the reverse proxy's addresses, comma
# separated (docker-compose.yml sets its proxy's); other senders' are dropped (middleware).
TRUSTED_PROXY_IPS = envlist("TRUSTED_PROXY_IPS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "1")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No log line shows a private link's token (issue 10): the filter blanks `token=` values, in the
# root handler and in runserver's request lines (Django's "django.server" logger, redefined here
# as Django defines it, with the filter). gunicorn's access log: gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "ipservice.private_links.RedactTokensFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_tokens"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Booking rules (docs/architecture.md). Rate limits are per client address, django-ratelimit syntax.
BOOKING_CUTOFF_MINUTES = envint("BOOKING_CUTOFF_MINUTES", 60)
BOOKING_RATE_LIMIT = os.environ.get("BOOKING_RATE_LIMIT", "20/m")
LOOKUP_RATE_LIMIT = os.environ.get("LOOKUP_RATE_LIMIT", "60/m")
COMPLAINT_RATE_LIMIT = os.environ.get("COMPLAINT_RATE_LIMIT", BOOKING_RATE_LIMIT)
# Behind a reverse proxy, name the header that carries the client address (e.g. HTTP_X_REAL_IP)
# so that rate limits count people, not the proxy.
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
MAX_ACTIVE_BOOKINGS_PER_ID = envint("MAX_ACTIVE_BOOKINGS_PER_ID", 3)
MAX_ACTIVE_BOOKINGS_PER_PHONE = envint("MAX_ACTIVE_BOOKINGS_PER_PHONE", 3)
MAX_BOOKINGS_PER_ITEM_PER_DAY = envint("MAX_BOOKINGS_PER_ITEM_PER_DAY", 1)
NO_SHOW_LIMIT = envint("NO_SHOW_LIMIT", 3)
NO_SHOW_WINDOW_DAYS = envint("NO_SHOW_WINDOW_DAYS", 90)
NO_SHOW_SUSPENSION_DAYS = envint("NO_SHOW_SUSPENSION_DAYS", 30)
# Cases within this many working days of their deadline are shown as near due.
NEAR_DUE_WORKING_DAYS = envint("NEAR_DUE_WORKING_DAYS", 2)

# Notices: SMS through a small backend interface; the outbox backend keeps messages in the database.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "appointments.sms.OutboxBackend")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = envint("SMS_GATEWAY_TIMEOUT", 5)
# The portal's signature (短信签名), as registered with the carriers: every SMS begins with it in
# 【】 (appointments.texts adds it), whatever the message's language.
SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "上海知识产权公共服务")
# SMS per mobile number, counted over every message to it (appointments.outbox): beyond these a
# verification code is refused and a reminder or an invitation is dropped (logged, masked).
SMS_PER_PHONE_HOUR = envint("SMS_PER_PHONE_HOUR", 10)
SMS_PER_PHONE_DAY = envint("SMS_PER_PHONE_DAY", 20)
# A booking or a complaint needs the 6-digit code sent by SMS to its phone
# (appointments.phone_codes); 0 for a deployment that verifies people upstream (e.g. behind
# the city's unified login).
PHONE_VERIFICATION = envbool("PHONE_VERIFICATION", "1")
# Requests for a code per client address (django-ratelimit syntax); a load test may raise it.
PHONE_CODE_RATE_LIMIT = os.environ.get("PHONE_CODE_RATE_LIMIT", "5/m")
# The public address used in links sent by SMS/email (no request to take it from in a task).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# 好差评 rectification limits in working days: "1、5、15" (contact, reply, rectify complex matters).
RECTIFICATION_CONTACT_DAYS = envint("RECTIFICATION_CONTACT_DAYS", 1)
RECTIFICATION_REPLY_DAYS = envint("RECTIFICATION_REPLY_DAYS", 5)
RECTIFICATION_RECTIFY_DAYS = envint("RECTIFICATION_RECTIFY_DAYS", 15)
COMPLAINT_DUE_DAYS = envint("COMPLAINT_DUE_DAYS", 5)
# The rating link (and its code at the pad or on the hotline) works this many days after the case
# is completed; the manage link of a booking works until its time is over (issue 10).
RATING_TOKEN_DAYS = envint("RATING_TOKEN_DAYS", 30)
if RATING_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("RATING_TOKEN_DAYS must be at least 1")

# --- The hall: queue tickets and calling (issue 13, hall/) ------------------------------------
# Walk-in tickets a window gives per day; no ticket within HALL_LAST_ADMISSION_MINUTES of the
# day's closing time (the window's opening hours); a booking checked in from
# HALL_GRACE_MINUTES before its slot to as long after it goes before walk-ins; a called person
# is called again at most HALL_MAX_RECALLS times; an SMS goes out when HALL_NOTIFY_AHEAD people
# are ahead; HALL_SERVICE_MINUTES is the service time assumed before a window has any.
HALL_WALK_IN_QUOTA = envint("HALL_WALK_IN_QUOTA", 200)
HALL_LAST_ADMISSION_MINUTES = envint("HALL_LAST_ADMISSION_MINUTES", 30)
HALL_GRACE_MINUTES = envint("HALL_GRACE_MINUTES", 15)
HALL_MAX_RECALLS = envint("HALL_MAX_RECALLS", 2)
HALL_NOTIFY_AHEAD = envint("HALL_NOTIFY_AHEAD", 3)
HALL_SERVICE_MINUTES = envint("HALL_SERVICE_MINUTES", 10)
# How long the rating pad offers the case just finished at its counter.
HALL_PAD_SECONDS = envint("HALL_PAD_SECONDS", 60)
# Tickets per client address (the kiosk page and POST /api/v1/windows/{id}/tickets/ together):
# a hall's kiosk gives a few a minute; a script draining the walk-in quota is refused (429).
HALL_TICKET_RATE_LIMIT = os.environ.get("HALL_TICKET_RATE_LIMIT", "30/m")

# --- Celery at work: notices, reminders, alerts (block added by the notices helper) ----------
# A notice whose gateway or mail server fails is retried: the delay starts at NOTICE_RETRY_DELAY
# seconds and doubles each attempt up to NOTICE_RETRY_MAX_DELAY; after NOTICE_MAX_ATTEMPTS
# attempts it is marked failed (staff retry it from the admin).
NOTICE_MAX_ATTEMPTS = envint("NOTICE_MAX_ATTEMPTS", 6)
NOTICE_RETRY_DELAY = envint("NOTICE_RETRY_DELAY", 60)
# 8 minutes at most (1, 2, 4, 8, 8): a delay is a task message held unacknowledged, and must stay
# well under the visibility timeout (20 minutes).
NOTICE_RETRY_MAX_DELAY = envint("NOTICE_RETRY_MAX_DELAY", 480)
# Redis redelivers a task whose countdown outlives the visibility timeout to a second worker,
# so no retry may wait that long; what is due later is found by the beat jobs.
if NOTICE_RETRY_MAX_DELAY >= CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] // 2:
    raise ImproperlyConfigured("NOTICE_RETRY_MAX_DELAY must be under half the visibility timeout")
if NOTICE_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("NOTICE_MAX_ATTEMPTS must be at least 1")
# Where the bureau receives 好差评 rectification alerts (comma-separated addresses); empty: every
# active member of the bureau group who has an email address.
BUREAU_ALERT_EMAILS = envlist("BUREAU_ALERT_EMAILS")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Staff accounts (issue 10) --------------------------------------------------------------------
# Failed logins (login page, admin, API token) are counted by django-axes, per user name and
# client address together by default ("username+ip_address"; a comma separates parameters that
# count apart, e.g. "username,ip_address" locks the name from every address). Locks are listed,
# and lifted, in the admin (Axes > Access attempts).
AXES_ENABLED = envbool("AXES_ENABLED", "1")
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))


def _lockout_parameters(name, default):
    """Parses "username+ip_address,url" into [["username", "ip_address"], "url"], checked."""
    allowed = {"username", "ip_address", "user_agent", "url"}
    parameters = [p.split("+") if "+" in p else p for p in envlist(name, default)]
    names = {n for p in parameters for n in ([p] if isinstance(p, str) else p)}
    if not parameters or not names <= allowed:
        raise ImproperlyConfigured(f"{name} must be made of {sorted(allowed)}, joined by + or ,")
    return parameters


AXES_LOCKOUT_PARAMETERS = _lockout_parameters("AXES_LOCKOUT_PARAMETERS", "username+ip_address")
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ipservice.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "ipservice.accounts.lockout_response"
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT must be at least 1")

# An API token stops working after this many minutes unused (and at once when the password,
# the windows or the role change or the account is deactivated); a staff session ends after a
# working day.
API_TOKEN_IDLE_MINUTES = envint("API_TOKEN_IDLE_MINUTES", 8 * 60)
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 9 * 3600)

# --- Security headers (issue 10) ------------------------------------------------------------------
# Content-Security-Policy (django-csp): no inline script anywhere (every script is a static file,
# tests/core/test_security_headers.py checks the templates), no inline style either: the portal's
# templates have no style attribute or <style> element, so style-src stays 'self'. Only the API
# docs page (drf-spectacular's Swagger UI, whose template has a <style> element) adds
# 'unsafe-inline' for styles, on that page alone (ipservice/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features no page uses are off (ipservice.headers); the check-in scanner's pages turn the
# camera on for this origin with @permissions_policy(camera=["self"]).
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "display-capture": [],
}

# --- Online applications (issue 14, app `applications`) ---------------------------------------
# The applicants' files: the named storage "applications" of STORAGES, never served at a public
# address (no MEDIA_URL route; only applications' views, which check who asks). The filesystem
# under APPLICATION_FILES_ROOT by default (outside MEDIA_ROOT and STATIC_ROOT);
# APPLICATION_STORAGE=s3 keeps them in S3-compatible object storage through django-storages
# (`pip install '.[s3]'`; AWS_* variables below; the bucket must be private).
APPLICATION_FILES_ROOT = Path(
    os.environ.get("APPLICATION_FILES_ROOT", BASE_DIR / "private" / "applications")
)
if os.environ.get("APPLICATION_STORAGE", "filesystem") == "s3":
    STORAGES["applications"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["applications"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": APPLICATION_FILES_ROOT, "base_url": None},
    }
# What a file may be (read from its content), how big one file and all of an application's may be.
APPLICATION_FILE_TYPES = envlist("APPLICATION_FILE_TYPES", "pdf,jpg,png")
APPLICATION_FILE_MAX_MB = envint("APPLICATION_FILE_MAX_MB", 10)
APPLICATION_TOTAL_MAX_MB = envint("APPLICATION_TOTAL_MAX_MB", 50)
# Antivirus: the path of a clamd socket (e.g. /run/clamav/clamd.ctl); empty: no scan.
APPLICATION_CLAMD_SOCKET = os.environ.get("APPLICATION_CLAMD_SOCKET", "")
# Pre-review limit of items without one of their own (applications.PrereviewLimit), in working
# hours (工作小时: the clock runs on working days only, appointments.workdays.add_working_hours).
APPLICATION_PREREVIEW_HOURS = envint("APPLICATION_PREREVIEW_HOURS", 24)
# A pre-review counts as near due this many hours before its limit.
APPLICATION_NEAR_DUE_HOURS = envint("APPLICATION_NEAR_DUE_HOURS", 4)
# Files of an application are deleted this many days after it closed (the record stays).
APPLICATION_RETENTION_DAYS = envint("APPLICATION_RETENTION_DAYS", 180)
APPLICATION_RATE_LIMIT = os.environ.get("APPLICATION_RATE_LIMIT", BOOKING_RATE_LIMIT)
if not set(APPLICATION_FILE_TYPES) <= {"pdf", "jpg", "png"}:
    raise ImproperlyConfigured("APPLICATION_FILE_TYPES may name pdf, jpg and png only")
