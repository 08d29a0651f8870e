"""Settings, all read from the environment through django-environ.

Defaults make `make run` work on a bare machine (SQLite, a filesystem Celery
broker, the fake TurboMeeting server); production sets the variables listed
in README.md. DEBUG is off unless set, and with DEBUG off cookies are secure
and HSTS is on.
"""

from pathlib import Path

import environ
from csp.constants import NONCE

from portal.vendors import vendor_modules

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of the embedded defaults (SQLite, broker queue, export files), made
# when used: below only for the default SQLite file, by the Celery app for its broker's
# folders; a deployment (perhaps on a read-only file system) points the settings elsewhere.
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- core --------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for a development run).")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not a CDN (CSP: 'self')
    "csp",
    "corsheaders",
    "axes",
    "portal.accounts",
    "portal.webhooks",
    "portal.exports",
    "meetings",
    "webinars",
    # The vendors' Django sides (portal/vendors.py), found through their entry points.
    *vendor_modules(),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.i18n.page_language",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.framing.PortalCSPMiddleware",
    "portal.middleware.private_pages",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- database and cache ------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
# Persistent connections: seconds a worker keeps its connection between requests
# (0, Django's default: one a request), unless DATABASE_URL says ?conn_max_age=.
# A connection kept is checked before it is reused, so a restarted database costs
# no request. Keep 0 behind a pooler in transaction mode.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if "DATABASE_URL" not in env:
    # The default SQLite file needs its folder before the first connection: made only
    # when that file is the database in use (a deployment sets DATABASE_URL instead).
    VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file in `make run`.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# "limits" holds rate-limit counters. Without Redis they live in the database,
# not in process memory, where a flood of junk keys could push them out.
if REDIS_URL:
    _redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    CACHES = {"default": _redis, "limits": _redis}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_limits",
            # Culling would drop live counters: expired rows go first, and only
            # past a million keys (a million addresses inside one window).
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
# django-ratelimit is used as a library (not an installed app): its system
# check refuses the database cache, which is atomic enough for counters that
# only have to grow, and is what keeps them when there is no Redis.
RATELIMIT_USE_CACHE = "limits"

# --- auth --------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Optional LDAP / Active Directory sign-in (pip install '.[ldap]'). Hosts who
# sign in through LDAP become hosts of LDAP_CUSTOMER. For a forest with
# several domains, point LDAP_SERVER_URI at a global catalog: port 3268.
LDAP_SERVER_URI = env("LDAP_SERVER_URI", default="")
AUTHENTICATION_BACKENDS = [
    # The two guards of portal/accounts/lockout.py must come first.
    "axes.backends.AxesBackend",
    "portal.accounts.lockout.AddressThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if LDAP_SERVER_URI:
    import ldap
    from django_auth_ldap.config import LDAPSearch

    AUTHENTICATION_BACKENDS.insert(2, "portal.accounts.ldap.HostLDAPBackend")
    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_BIND_DN = env("LDAP_BIND_DN", default="")
    AUTH_LDAP_BIND_PASSWORD = env("LDAP_BIND_PASSWORD", default="")
    AUTH_LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env("LDAP_USER_SEARCH_BASE", default=""),
        ldap.SCOPE_SUBTREE,
        env("LDAP_USER_FILTER", default="(mail=%(user)s)"),
    )
    AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 5}
LDAP_CUSTOMER = env("LDAP_CUSTOMER", default="")

# Failed sign-ins (dashboard, API token, a meeting server's sign-in callback): an
# account is locked from one address after SIGNIN_MAX_FAILURES failures for
# SIGNIN_LOCKOUT_SECONDS, and an address that fails SIGNIN_FAILURES_PER_ADDRESS
# times ("count/seconds") is refused whatever names it tries.
SIGNIN_MAX_FAILURES = env.int("SIGNIN_MAX_FAILURES", default=5)
SIGNIN_LOCKOUT_SECONDS = env.int("SIGNIN_LOCKOUT_SECONDS", default=900)
SIGNIN_FAILURES_PER_ADDRESS = env("SIGNIN_FAILURES_PER_ADDRESS", default="30/900")
# From a meeting server's callback addresses, where every user of its client
# app signs in, strangers too, an account is locked only after this many
# failures (README: the trade-off).
SIGNIN_SERVER_MAX_FAILURES = env.int("SIGNIN_SERVER_MAX_FAILURES", default=50)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "portal.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "portal.accounts.lockout.cool_off"
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.username"
AXES_CLIENT_IP_CALLABLE = "portal.net.client_network"  # an IPv6 address counts as its /64
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.keep_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends when it said it would
AXES_DISABLE_ACCESS_LOG = True  # failures are what it is for; sign-ins are not logged twice
AXES_VERBOSE = False
# Password resets asked for ("count/seconds"), per client address and per email typed.
PASSWORD_RESET_PER_ADDRESS = env("PASSWORD_RESET_PER_ADDRESS", default="10/3600")
PASSWORD_RESET_PER_ACCOUNT = env("PASSWORD_RESET_PER_ACCOUNT", default="3/3600")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard-home"
LOGOUT_REDIRECT_URL = "login"

# --- i18n and time -----------------------------------------------------------

LANGUAGE_CODE = "en"
# Public pages, embeds, mails and calendar texts; the dashboard stays English.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files ------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise's own table has no .xsd (the published feed's schema): serve it as XML.
WHITENOISE_MIMETYPES = {".xsd": "application/xml"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- security ----------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
# Every response: only the portal's own scripts, styles and images, no plugins,
# no framing (embed views name their customer's origins: portal/framing.py).
# Inline style attributes remain in a few templates, hence 'unsafe-inline' for
# styles only; scripts are static files (a nonce is available as
# request.csp_nonce should an inline script ever be needed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a vendor's callbacks: its block below
# Error reports (DEBUG's 500 page, mails to ADMINS) hide every credential setting.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.errorreports.SettingsFilter"

# Scripts on other sites may read the feeds whose format says so (FeedFormat.cors,
# asked in meetings/feeds/view.py) and post to the public registration endpoint
# (the customer's allowed origins): django-cors-headers, asked per request through
# its check_request_enabled signal (webinars/views/register.py). No other URL answers
# other origins. A script keeping a feed revalidates it: it reads the ETag and sends it
# back in If-None-Match (or Last-Modified in If-Modified-Since), for a 304.
CORS_URLS_REGEX = r"^/w/[-\w]+/register$"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "content-type", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag"]
CORS_PREFLIGHT_MAX_AGE = 600

# --- email -------------------------------------------------------------------

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587 (django-environ).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]  # filemail:///path
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")

# --- meeting servers, whatever their vendor ------------------------------------
#
# Every customer's meetings live on a server row. The environment's server (the
# last section) is one of them, kept in step by every `migrate` (read-only in the
# admin); others are configured in the admin, their
# credentials (and every meeting's password) encrypted with CONFERENCING_SECRET_KEYS
# (Fernet keys, newest first; not derived from SECRET_KEY, so either can rotate on
# its own).
CONFERENCING_SECRET_KEYS = env.list("CONFERENCING_SECRET_KEYS", default=[])
if not CONFERENCING_SECRET_KEYS and DEBUG:
    CONFERENCING_SECRET_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQtMDA="]  # development only


# Seconds to wait for a meeting server to answer one call (connecting: a few seconds).
SERVER_READ_TIMEOUT = env.float("SERVER_READ_TIMEOUT", default=10.0)
# Seconds /healthz remembers whether each meeting server answered (it is public:
# requests to it must not each become calls to every server).
SERVER_HEALTH_SECONDS = env.int("SERVER_HEALTH_SECONDS", default=30)
# Active-meeting polling: how often, how many status calls at once, the window
# around a meeting's scheduled time in which it is polled, and how many
# inactive polls in a row confirm that a meeting that was live has ended.
POLL_INTERVAL_SECONDS = env.float("POLL_INTERVAL_SECONDS", default=30.0)
POLL_CONCURRENCY = env.int("POLL_CONCURRENCY", default=32)
# Celery workers that share each round (each with POLL_CONCURRENCY calls in flight),
# claiming POLL_CLAIM_SIZE meetings at a time: none is asked twice in a round.
POLL_WORKERS = env.int("POLL_WORKERS", default=1)
POLL_CLAIM_SIZE = env.int("POLL_CLAIM_SIZE", default=500)
POLL_WINDOW_BEFORE_MINUTES = env.int("POLL_WINDOW_BEFORE_MINUTES", default=15)
POLL_WINDOW_AFTER_MINUTES = env.int("POLL_WINDOW_AFTER_MINUTES", default=120)
POLL_ENDED_AFTER = env.int("POLL_ENDED_AFTER", default=2)
# Before that window, from the start of a meeting's day (or the customer's own
# early-polling minutes), a meeting a host may have started early is asked this often.
POLL_EARLY_INTERVAL_SECONDS = env.int("POLL_EARLY_INTERVAL_SECONDS", default=300)
# Status samples (the attendance charts' history) older than this are deleted.
SAMPLE_RETENTION_DAYS = env.int("SAMPLE_RETENTION_DAYS", default=90)

# --- Celery ------------------------------------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # Embedded default: a broker kept in files, so no server is needed (portal/celery.py
    # makes the folders).
    _queue = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_queue / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sync-pending-customers": {
        "task": "portal.accounts.tasks.customers_sync_due",
        "schedule": 60.0,
    },
    "sync-pending-meetings": {
        "task": "meetings.tasks.meetings_sync_due",
        "schedule": 60.0,
    },
    "prune-status-samples": {
        "task": "meetings.tasks.samples_prune",
        "schedule": 3600.0,
    },
    "poll-meeting-status": {
        "task": "meetings.tasks.meetings_poll",
        "schedule": POLL_INTERVAL_SECONDS,
    },
    "webinar-reminders": {
        "task": "webinars.tasks.send_reminders",
        "schedule": 300.0,
    },
    "webinar-exports-prune": {
        "task": "portal.exports.tasks.exports_prune",
        "schedule": 3600.0,
    },
    "webhooks-deliver-due": {
        "task": "portal.webhooks.tasks.webhooks_deliver_due",
        "schedule": 30.0,
    },
}

# --- REST API ----------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: lists and nested answers have no faithful form encoding. The two views
    # that plain HTML forms post to (the token, the public registration) add the form's.
    "DEFAULT_PARSER_CLASSES": ["portal.api.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
# Hours an API token lasts from the sign-in that made it (then a new sign-in makes a new
# one); a password change, or DELETE /api/v1/auth/token/, ends it at once.
API_TOKEN_MAX_AGE_HOURS = env.int("API_TOKEN_MAX_AGE_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner portal API",
    "DESCRIPTION": "Customers, hosts and meetings of a web-conferencing partner portal.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A request component apart from each response one (MeetingRequest, Meeting), so that
    # read-only fields are never required of a client, and write-only ones never promised.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files, its script a file too (CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meetings.openapi.add_feed_paths",
        "portal.api.document_errors",
    ],
    # Webinars and registrations both have a "status": name the two enums apart.
    "ENUM_NAME_OVERRIDES": {
        "WebinarStatusEnum": "webinars.models.Webinar.Status",
        "RegistrationStatusEnum": "webinars.models.Registration.Status",
        "RegistrationExportStatusEnum": "portal.exports.models.ExportJob.Status",
    },
    # OpenAPI 3.1: the version that has a "webhooks" section (every event, from one registry).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "portal.webhooks.openapi.WEBHOOKS",
}

# --- the meeting server of the environment: TurboMeeting -----------------------
#
# Set TM_SERVER_URL and `migrate` keeps a server row of these values (customers made
# without a server choose it); unset, there is none, and each customer is given one.

# The demo server's identity, the defaults below: `make run` gives them to its fake
# TurboMeeting server (portal/devrun.py), and `check --deploy` refuses them (portal/checks.py).
TM_DEMO_VALUES = {
    "TM_SERVICE_COMPANY_UID": "demo-partner",
    "TM_INTEGRATION_CODE": "demo-integration",
    "TM_ADMIN_EMAIL": "admin@example.com",
    "TM_ADMIN_PASSWORD": "admin-password",
}
TM_SERVER_URL = env("TM_SERVER_URL", default="")  # `make run`: its fake, http://127.0.0.1:8900
TM_SERVICE_COMPANY_UID = env(
    "TM_SERVICE_COMPANY_UID", default=TM_DEMO_VALUES["TM_SERVICE_COMPANY_UID"]
)
TM_INTEGRATION_CODE = env("TM_INTEGRATION_CODE", default=TM_DEMO_VALUES["TM_INTEGRATION_CODE"])
TM_ADMIN_EMAIL = env("TM_ADMIN_EMAIL", default=TM_DEMO_VALUES["TM_ADMIN_EMAIL"])
TM_ADMIN_PASSWORD = env("TM_ADMIN_PASSWORD", default=TM_DEMO_VALUES["TM_ADMIN_PASSWORD"])
TM_SERVER_TIME_ZONE = env("TM_SERVER_TIME_ZONE", default="UTC")
TM_CALLBACK_ALLOWED_IPS = env.list("TM_CALLBACK_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed
# when telling who a caller is (callback allow-list, rate limits). Empty: the
# connecting address is the caller.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TM_PASSWORD_ENCODING = env("TM_PASSWORD_ENCODING", default="fernet")
TM_PASSWORD_KEY = env("TM_PASSWORD_KEY", default="")
# Seconds a Fernet password token from the server stays acceptable: the server
# sends it in a GET query string, so one copied from a log must soon be useless.
TM_PASSWORD_TOKEN_MAX_AGE = env.int("TM_PASSWORD_TOKEN_MAX_AGE", default=300)
# How long a QueryScheduledMeetingURL handed out at sign-in stays valid (spec: >= 20 min).
TM_QUERY_URL_TTL_MINUTES = env.int("TM_QUERY_URL_TTL_MINUTES", default=30)
# TurboMeeting servers call /tm/* over plain HTTP on many installations.
SECURE_REDIRECT_EXEMPT += [r"^tm/"]
# The base URL the meeting server uses to reach the portal (for the query URL).
PORTAL_URL = env("PORTAL_URL", default="")
# The portal's public address, for links in mail and calendars (workers send
# mail with no request to take the address from); its host name also makes
# calendar event UIDs, so keep it stable.
SITE_URL = env("SITE_URL", default=PORTAL_URL or "http://localhost:8000")
# Wrong meeting passwords ("count/seconds") one address may type on the public
# join page before it is refused for a while.
PUBLIC_JOIN_FAILURES_PER_ADDRESS = env("PUBLIC_JOIN_FAILURES_PER_ADDRESS", default="10/600")
# Joins through the portal's own join links (each makes a link on the meeting server).
JOIN_LINKS_PER_ADDRESS = env("JOIN_LINKS_PER_ADDRESS", default="30/600")
# Seconds a published feed's version is kept before the database is asked
# again; saves through the ORM (and the poller) refresh it at once.
FEED_VERSION_SECONDS = env.int("FEED_VERSION_SECONDS", default=5)

# --- webinars ----------------------------------------------------------------

# Seconds an embedded registration form's signed token stays valid: the token
# stands in for the CSRF cookie, which browsers may withhold from iframes.
WEBINAR_FORM_TOKEN_MAX_AGE = env.int("WEBINAR_FORM_TOKEN_MAX_AGE", default=4 * 3600)
# Registration submissions allowed, as "count/seconds", per client IP (offices
# share one address: keep it generous) and per webinar.
WEBINAR_RATE_PER_IP = env("WEBINAR_RATE_PER_IP", default="20/600")
WEBINAR_RATE_PER_WEBINAR = env("WEBINAR_RATE_PER_WEBINAR", default="300/60")
# Registrations (hence mails) for one email address, whatever the webinar: the
# public form must not become a way to fill a stranger's inbox.
WEBINAR_RATE_PER_RECIPIENT = env("WEBINAR_RATE_PER_RECIPIENT", default="10/3600")
# Seconds a public webinar (with its customer and its form's questions) is kept in
# the cache. Every change drops it at once where the web processes share the cache
# (Redis); the embedded default keeps one cache per process, so there it is brief.
WEBINAR_PUBLIC_CACHE_SECONDS = env.int(
    "WEBINAR_PUBLIC_CACHE_SECONDS", default=3600 if REDIS_URL else 5
)
# Registrants get one reminder this many hours before the webinar starts.
WEBINAR_REMINDER_HOURS = env.int("WEBINAR_REMINDER_HOURS", default=24)
# Files the portal generates (webinar export files), on the default storage.
# The worker writes them and the web process reads them back, so with web
# and worker on several machines this must be storage they share: a shared
# volume mounted at MEDIA_ROOT, or an S3 backend set in STORAGES["default"]
# (django-storages). Nothing here is served at a public URL (no MEDIA_URL
# route): downloads go through views that check who is asking.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Webinars with more registrations than this export through a Celery task
# (progress bar, then a download link); smaller ones download at once.
WEBINAR_EXPORT_INLINE_MAX_ROWS = env.int("WEBINAR_EXPORT_INLINE_MAX_ROWS", default=5_000)
# Export files (personal data) are deleted this many hours after they were made.
WEBINAR_EXPORT_RETENTION_HOURS = env.int("WEBINAR_EXPORT_RETENTION_HOURS", default=24)

# --- webhooks ----------------------------------------------------------------

# Signed webhooks to customers' endpoints (portal/webhooks). A failed send is
# retried WEBHOOK_RETRIES times, the first WEBHOOK_RETRY_BASE_SECONDS later and
# each wait twice the one before: 12 and 20 s make about 23 hours.
WEBHOOK_RETRIES = env.int("WEBHOOK_RETRIES", default=12)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=20)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Bytes of JSON one event may carry; a larger one is logged as failed, never sent.
WEBHOOK_MAX_PAYLOAD_BYTES = env.int("WEBHOOK_MAX_PAYLOAD_BYTES", default=256 * 1024)
# After a secret's rotation the previous one keeps signing for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Deliveries the beat sweep queues at most per run.
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=1000)
# Only for development and tests: allow endpoints on private and loopback addresses.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# --- logging -----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # runserver's access log and the 404 warnings keep no query string of a vendor's
    # callbacks (passwords) and no capability URL's token: portal/logfilters.py
    "filters": {"redact_paths": {"()": "portal.logfilters.RedactPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django.server": {"filters": ["redact_paths"]},
        "django.request": {"filters": ["redact_paths"]},
        "axes": {"level": "WARNING"},  # a line per failed sign-in, none per success
        # urllib3 logs every URL at DEBUG, and some vendors put session IDs in them
        # (OpenMeetings' ?sid=): never below INFO, whatever LOG_LEVEL says.
        "urllib3": {"level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
if not REDIS_URL:
    # The filesystem broker has no host: kombu says so on every connection. Nothing
    # needs a person there, so `make run` shows the portal's own lines instead.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
