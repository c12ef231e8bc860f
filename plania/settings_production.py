"""Production settings: plania.settings plus only what differs, every value read from the
environment (DJANGO_SETTINGS_MODULE=plania.settings_production; docs/security.md).

Required: PLANIA_SECRET_KEY (50 characters or more, random) and PLANIA_ALLOWED_HOSTS
(comma-separated host names); DATABASE_URL for PostgreSQL. Behind a proxy that ends TLS,
set PLANIA_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set that header
and strip it from what clients send) and PLANIA_PROXY_COUNT (for the lock-out's IP).
`manage.py check --deploy` with these settings prints no warning (tests/security).
"""

import os

from plania.settings import *  # noqa: F403
from plania.settings import _env_bool, _tasks_setting

DEBUG = _env_bool("PLANIA_DEBUG", False)
# No default: a production process without its own key or host names does not start.
SECRET_KEY = os.environ["PLANIA_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["PLANIA_ALLOWED_HOSTS"].split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ValueError("PLANIA_ALLOWED_HOSTS names no host")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PLANIA_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# HTTPS only (ASVS 9.1): redirect, HSTS for a year, cookies never sent in clear.
SECURE_SSL_REDIRECT = _env_bool("PLANIA_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("PLANIA_SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("PLANIA_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("PLANIA_SECURE_HSTS_PRELOAD", True)
if os.environ.get("PLANIA_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["PLANIA_SECURE_PROXY_SSL_HEADER"], "https")
SESSION_COOKIE_SECURE = _env_bool("PLANIA_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Staff need the second factor on every page that is not public and on the API called
# with the session (plania.security.middleware); development and tests keep it to staff
# pages while other rooms' tests log staff in with a password only.
PLANIA_OTP_SCOPE = os.environ.get("PLANIA_OTP_SCOPE", "signed-in")
if PLANIA_OTP_SCOPE not in {"staff-pages", "signed-in"}:
    raise ValueError("PLANIA_OTP_SCOPE is 'staff-pages' or 'signed-in'")
# Links in e-mails point at the public HTTPS address.
PLANIA_BASE_URL = os.environ.get("PLANIA_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")

# Background jobs (plania/core/jobs.py, docs/deploy.md): in the database, run by the worker
# processes (`make worker`); PLANIA_TASKS_BACKEND=immediate runs them in the web process.
PLANIA_TASKS_BACKEND = os.environ.get("PLANIA_TASKS_BACKEND", "database")
TASKS = _tasks_setting(PLANIA_TASKS_BACKEND)

# Operations (plania/ops, docs/deploy.md): compressed, hashed static files served by
# whitenoise from STATIC_ROOT (`plania collectstatic` before starting the processes).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = DEBUG
# Behind a proxy that stamps X-Request-Start on every request (and overwrites a client's),
# deadlines are judged on the proxy's arrival time (plania/ops/middleware.py).
PLANIA_TRUST_REQUEST_START = _env_bool("PLANIA_TRUST_REQUEST_START", False)
# Errors (with their traceback) and warnings to stderr, which the process manager keeps:
# Django's default sends them only by mail to ADMINS when DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PLANIA_LOG_LEVEL", "WARNING")},
}
