"""PlanIA settings, from the environment read once by `plania.config.env()`.

An embedded PostgreSQL and a media folder on disk by default (`make demo`); production
differs only by environment variables (plania/settings_production.py; docs/deploy.md lists
them all). DEBUG is off unless PLANIA_DEBUG=1.
"""

import hashlib

from django.utils.translation import gettext_lazy as _

from plania.config import BASE_DIR, env
from plania.core.database import server

ENV = env()
VAR_DIR = ENV.var_dir

DEBUG = ENV.debug
SECRET_KEY = ENV.secret_key
# The hash chains' key (plania.core.chain): its own variable, else derived from the secret
# key (development, demo, tests); production requires its own (settings_production).
PLANIA_CHAIN_KEY = (
    ENV.chain_key or hashlib.sha256(("plania chain key:" + SECRET_KEY).encode()).hexdigest()
)
ALLOWED_HOSTS = ENV.listed("allowed_hosts")
CSRF_TRUSTED_ORIGINS = ENV.listed("csrf_trusted_origins")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Database triggers declared on the models (Meta.triggers): the append-only tables.
    "pgtrigger",
    "plania.core",
    "plania.accounts",
    "plania.plans",
    "plania.ledger",
    "plania.schemes",
    "plania.companies",
    "plania.applications",
    "plania.documents",
    "plania.messaging",
    "plania.awards",
    "plania.committee",
    "plania.agreements",
    "plania.payments",
    "plania.repayments",
    "plania.security",
    "plania.instruction",
    "plania.ops",
    "plania.opendata",
    "plania.steering",
    "plania.privacy",
    "plania.api",
    "plania.demo",
    "plania.web",
]

MIDDLEWARE = [
    # Operations (plania/ops): the request's arrival stamps, first, for deadlines under load.
    "plania.ops.middleware.ArrivalTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Security (plania/security): a NUL character in the input gets 400 (PostgreSQL).
    "plania.security.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Security (plania/security): request.user.is_verified(), then staff pages need it.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "plania.security.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plania.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Tests set this to a raising value so that an undefined variable fails.
            "string_if_invalid": ENV.template_string_if_invalid,
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"

WSGI_APPLICATION = "plania.wsgi.application"

# PostgreSQL only (plania/core/database.py): DATABASE_URL, else the embedded server under
# var/postgres, started by the first process that needs it.
DATABASE_SERVER = server(
    database_url=ENV.database_url, data_dir=VAR_DIR / "postgres", conn_max_age=ENV.conn_max_age
)
DATABASES = {"default": DATABASE_SERVER.config}
# Planner costs for a database on SSD or in memory, as PostgreSQL's documentation advises
# (the default 4 is for spinning disks): with it the SCDL export's join to the companies
# takes the faster plan (bench/steering_at_scale.py). Set per connection, so no superuser
# is needed; PLANIA_PG_RANDOM_PAGE_COST="" keeps the server's value.
if ENV.pg_random_page_cost:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c random_page_cost={float(ENV.pg_random_page_cost)}"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first (OWASP ASVS 2.4); the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "plania" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

# The Region running this instance (SCDL idAttribuant, page headers).
PLANIA_REGION_NAME = ENV.region_name

# Accounts ---------------------------------------------------------------------------
# Owned by plania/accounts (docs/accounts.md). Sign-in by e-mail address; mails go to files
# under var/mail by default so that a demo user can read their verification link.
AUTHENTICATION_BACKENDS = ["plania.accounts.backends.EmailBackend"]
PROCONNECT_BACKEND = "plania.accounts.proconnect.ProConnectBackend"
PLANIA_PROCONNECT_ENABLED = bool(ENV.proconnect_url and ENV.proconnect_client_id)
LOGIN_REDIRECT_URL = "web:account"
LOGOUT_REDIRECT_URL = "web:home"
EMAIL_BACKEND = ENV.email_backend
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = ENV.email_host
EMAIL_PORT = ENV.email_port
EMAIL_HOST_USER = ENV.email_host_user
EMAIL_HOST_PASSWORD = ENV.email_host_password
EMAIL_USE_TLS = ENV.email_use_tls
DEFAULT_FROM_EMAIL = ENV.from_email
# Links in e-mails are absolute: services have no request to take the host from.
PLANIA_BASE_URL = ENV.base_url or "http://127.0.0.1:8000"
PLANIA_EMAIL_VERIFICATION_DAYS = ENV.email_verification_days
# Sessions end after 12 hours (ASVS 3.3); password reset links after one day.
SESSION_COOKIE_AGE = ENV.session_cookie_age
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
# End of Accounts ----------------------------------------------------------------------

# Uploads ----------------------------------------------------------------------------
# Owned by plania/documents (docs/documents.md). Attachments live in the "private"
# storage, outside the web root (never under STATIC_ROOT, no MEDIA_URL route); they are
# served only by a view that checks who may see the dossier. The code only uses the storage
# API, so PLANIA_S3_BUCKET (below) swaps it for an S3-compatible bucket.
PLANIA_PRIVATE_ROOT = ENV.private_root or MEDIA_ROOT / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **globals().get("STORAGES", {}),
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": PLANIA_PRIVATE_ROOT,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    },
}
# Several machines (docs/deploy.md): PLANIA_S3_BUCKET puts the "private" storage (uploads,
# export files) in an S3-compatible bucket through django-storages, private (no ACL, signed
# URLs never handed out: files are served through PlanIA's views), under PLANIA_S3_PREFIX.
# Credentials come from the usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
# or the machine's role; PLANIA_S3_ENDPOINT_URL for a non-AWS provider (OVH, Scaleway, MinIO).
PLANIA_S3_BUCKET = ENV.s3_bucket
if PLANIA_S3_BUCKET:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PLANIA_S3_BUCKET,
            "location": ENV.s3_prefix,
            "endpoint_url": ENV.s3_endpoint_url or None,
            "region_name": ENV.s3_region or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
# Per file, per dossier (its own documents; the files sent with messages have the same
# limits apart), and for zip-based documents (docx, xlsx, odt...: archive bombs).
PLANIA_UPLOAD_MAX_BYTES = ENV.upload_max_bytes
PLANIA_UPLOAD_MAX_FILES = ENV.upload_max_files
PLANIA_UPLOAD_MAX_TOTAL_BYTES = ENV.upload_max_total_bytes
PLANIA_UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES = ENV.upload_archive_max_uncompressed_bytes
PLANIA_UPLOAD_ARCHIVE_MAX_RATIO = ENV.upload_archive_max_ratio
PLANIA_UPLOAD_ARCHIVE_MAX_MEMBERS = ENV.upload_archive_max_members
# A file past PLANIA_UPLOAD_MAX_BYTES is dropped while the request is read, never stored.
FILE_UPLOAD_HANDLERS = [
    "plania.documents.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# End of Uploads -----------------------------------------------------------------------

# Awards ------------------------------------------------------------------------------
# Owned by plania/awards (docs/awards.md).
# The Region's SIRET (parties of the agreement, SCDL idAttribuant): set it per instance.
PLANIA_REGION_SIRET = ENV.region_siret
# A written agreement is compulsory above this amount (décret 2001-495, art. 1).
PLANIA_AGREEMENT_THRESHOLD = 23000
# Default payment split: this share of the aid on the agreement's signature, the balance
# on the final report (an award records the share it was decided with).
PLANIA_AWARDS_ON_SIGNATURE_SHARE = ENV.awards_on_signature_share
# Where a company asks for the rules of the processing (CRPA L311-3-1, R311-3-1-1).
PLANIA_TRANSPARENCY_CONTACT = ENV.transparency_contact
# End of Awards ------------------------------------------------------------------------

# Security ---------------------------------------------------------------------------
# Owned by plania/security (docs/security.md; issue 7). Staff two-factor (django-otp),
# login lock-out (django-axes), Content-Security-Policy (django-csp), headers, cookies.
# Production values (HTTPS, HSTS, secure cookies) are in plania/settings_production.py.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes", "csp"]
# axes first: it refuses a locked-out login before any password is checked.
if PLANIA_PROCONNECT_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, PROCONNECT_BACKEND]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]

# Two-factor for staff (is_staff, superusers, staff role groups). PLANIA_OTP_SCOPE:
# "staff-pages" (staff-role routes, the admin, PLANIA_OTP_ALSO_REQUIRED_FOR) or
# "signed-in" (every page that is not public, and the API with the session cookie; the
# default of plania/settings_production.py).
PLANIA_OTP_REQUIRED = ENV.otp_required
PLANIA_OTP_SCOPE = ENV.otp_scope
# A token made from a session without the second factor would bypass it.
PLANIA_OTP_ALSO_REQUIRED_FOR = ["web:api_tokens", "web:api_token_revoke"]
OTP_TOTP_ISSUER = ENV.otp_issuer
# Each wrong code doubles the wait before the next try (1 s, 2 s, 4 s...).
OTP_TOTP_THROTTLE_FACTOR = 1

# Lock-out after repeated failed logins (ASVS 2.2.1), counted per address and IP address
# together by default (PLANIA_LOGIN_LOCKOUT_BY="username+ip_address"); e.g.
# "username,ip_address" locks an address from everywhere and an IP for every account.
AXES_ENABLED = ENV.login_lockout
AXES_FAILURE_LIMIT = ENV.login_failure_limit
PLANIA_LOGIN_COOLOFF_MINUTES = ENV.login_cooloff_minutes
AXES_COOLOFF_TIME = "plania.security.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part for part in ENV.listed("login_lockout_by")
]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "plania.security.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "plania.security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Behind a proxy, the client's address is the X-Forwarded-For entry it adds.
if ENV.proxy_count:
    AXES_IPWARE_PROXY_COUNT = ENV.proxy_count
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Rate limits (issue 13 item 8; plania/security/ratelimit.py): COUNT/PERIOD per name,
# counted in PostgreSQL (one atomic upsert per request, shared by every process), 429 with
# Retry-After past the limit. PLANIA_RATE_LIMITS=0 turns them all off.
PLANIA_RATE_LIMITS = ENV.rate_limits
PLANIA_RATES = ENV.rates()
# Personal API tokens live at most this many days (plania.accounts.models.ApiToken).
PLANIA_API_TOKEN_MAX_DAYS = ENV.api_token_max_days

# Sessions (ASVS 3.3, 3.4): SESSION_COOKIE_AGE above; also end with the browser.
SESSION_EXPIRE_AT_BROWSER_CLOSE = ENV.session_expire_at_browser_close
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# HTTPS-only cookies: on in production (plania/settings_production.py).
SESSION_COOKIE_SECURE = ENV.secure_cookies
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Headers (ASVS 14.4). No inline script nor style attribute anywhere: the policy allows
# only this site's own files (tests/security/test_headers.py checks the pages).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
# End of Security ----------------------------------------------------------------------

# Operations -------------------------------------------------------------------------
# Owned by plania/ops (docs/deploy.md; issue 8): health endpoints, backup and restore.
# whitenoise serves STATIC_ROOT (filled by collectstatic) in production; here it finds the
# files in the apps (DEBUG or not), so the demo and the tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Client binaries for `plania backup` / `plania restore`: the embedded server's own (the
# same major version as the server), else those on PATH.
PLANIA_PG_DUMP = ENV.pg_dump or DATABASE_SERVER.client("pg_dump")
PLANIA_PG_RESTORE = ENV.pg_restore or DATABASE_SERVER.client("pg_restore")
# Behind a proxy that stamps X-Request-Start on every request (and overwrites a client's),
# deadlines are judged on the proxy's arrival time (plania/ops/middleware.py).
PLANIA_TRUST_REQUEST_START = ENV.trust_request_start
# A submission is judged on when its body was fully received, less at most this many
# seconds spent waiting for a worker (plania/ops/middleware.py, docs/deploy.md).
PLANIA_DEADLINE_QUEUE_ALLOWANCE = ENV.deadline_queue_allowance
# End of Operations --------------------------------------------------------------------

# Open data -----------------------------------------------------------------------------
# SCDL export (plania.opendata): the attributing body is PLANIA_REGION_NAME with
# PLANIA_REGION_SIRET (the "# Awards" block; the export refuses while it is empty or
# fails its check digit). Publication is due within 3 months of the agreement's signature
# (décret 2017-779); the "to publish" list warns this many days before the deadline.
PLANIA_OPENDATA_WARNING_DAYS = ENV.opendata_warning_days
# The payment period published for a staggered award not yet paid in full: from the
# signature to this many months after it (the schedule's balance comes on the final report).
PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS = ENV.opendata_payment_period_months
# End of Open data ----------------------------------------------------------------------

# Privacy ---------------------------------------------------------------------------------
# Owned by plania/privacy (issue 7 item 6). Drafts never submitted are deleted this many
# days after their last save (`plania purge_drafts`), with a warning e-mail beforehand;
# a scheme may keep them longer or shorter: {"scheme-code": days}.
PLANIA_DRAFT_RETENTION_DAYS = ENV.draft_retention_days
PLANIA_DRAFT_RETENTION_DAYS_BY_SCHEME: dict[str, int] = {}
# End of Privacy --------------------------------------------------------------------------

# Background jobs ---------------------------------------------------------------------------
# Owned by plania/ops (docs/deploy.md "Background jobs"; issue 8). Mails, exports and imports
# are tasks (django-tasks, the backport of Django 6's django.tasks; plania/core/jobs.py).
# PLANIA_TASKS_BACKEND: "database" stores them in the database (django-tasks-db) and a worker
# process runs them (`make worker`: `plania db_worker`); "immediate" runs them at once in the
# process that enqueues them: the default here, since `make demo` is one process, and the
# tests'; plania/settings_production.py defaults to "database". The tables exist either way
# (`plania migrate`), so a switch needs no migration.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
PLANIA_TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}


def _tasks_setting(backend: str) -> dict[str, dict[str, object]]:
    # The queues of plania/core/jobs.py (mail first, then exports); a task on another queue
    # is refused when it is declared.
    return {
        "default": {"BACKEND": PLANIA_TASKS_BACKENDS[backend], "QUEUES": ["default", "exports"]}
    }


PLANIA_TASKS_BACKEND = ENV.tasks_backend
TASKS = _tasks_setting(PLANIA_TASKS_BACKEND)
# Files made by background exports (plania/ops/tasks.py, under "exports/" in the "private"
# storage) are kept this many days after they are made (`plania prune_exports`, daily).
PLANIA_EXPORTS_KEEP_DAYS = ENV.exports_keep_days
# The exports' pages show steering and finance figures: staff reach them behind the second
# factor, as the pages those figures come from (plania.security.middleware).
PLANIA_OTP_ALSO_REQUIRED_FOR = [
    *PLANIA_OTP_ALSO_REQUIRED_FOR,
    "web:exports",
    "web:export",
    "web:export_file",
]
# End of Background jobs --------------------------------------------------------------------

# Companies ---------------------------------------------------------------------------------
# Owned by plania/companies (docs/companies.md): the State's recherche-entreprises API, asked
# when the local SIRENE store has no match (off by default: no outside call unless set).
PLANIA_RECHERCHE_ENTREPRISES_ENABLED = ENV.recherche_entreprises_enabled

# ProConnect (plania.accounts.proconnect, mozilla-django-oidc): on when its address and
# client id are set; then the log-in page offers "Se connecter avec ProConnect".
_PROCONNECT = ENV.proconnect_url.rstrip("/")
PLANIA_PROCONNECT_ISSUER = _PROCONNECT
OIDC_RP_CLIENT_ID = ENV.proconnect_client_id
OIDC_RP_CLIENT_SECRET = ENV.proconnect_client_secret
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = ENV.proconnect_scopes
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_PROCONNECT}/authorize"
OIDC_OP_TOKEN_ENDPOINT = f"{_PROCONNECT}/token"
OIDC_OP_USER_ENDPOINT = f"{_PROCONNECT}/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{_PROCONNECT}/jwks"
OIDC_TIMEOUT = ENV.proconnect_timeout
OIDC_AUTHENTICATION_CALLBACK_URL = "web:proconnect_callback"
# ProConnect asks for an "acr_values" of eidas1 (a simple authentication level).
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
OIDC_USE_PKCE = True
PLANIA_RECHERCHE_ENTREPRISES_URL = ENV.recherche_entreprises_url
PLANIA_RECHERCHE_ENTREPRISES_TIMEOUT = ENV.recherche_entreprises_timeout
PLANIA_RECHERCHE_ENTREPRISES_MAX_RETRIES = ENV.recherche_entreprises_max_retries
PLANIA_RECHERCHE_ENTREPRISES_MAX_WAIT = ENV.recherche_entreprises_max_wait
if ENV.labs_dir:
    PLANIA_LABS_DIR = ENV.labs_dir

# Errors (with their traceback) and warnings to stderr, which the process manager keeps:
# Django's default sends them only by mail to ADMINS when DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
}
