"""Production settings: plania.settings plus only what differs, every value from the
environment read by `plania.config.env()` (DJANGO_SETTINGS_MODULE=plania.settings_production;
docs/security.md, docs/deploy.md).

Required: PLANIA_SECRET_KEY (50 characters or more, random), PLANIA_CHAIN_KEY (32 or
more, random, another secret) and PLANIA_ALLOWED_HOSTS (comma-separated host names);
DATABASE_URL for a PostgreSQL of its own (without it, the embedded server under var/
serves, as on one machine). Where a variable is not set, the
production default of its description applies (secure cookies, second factor on every
signed-in page, background jobs in the database). Behind a proxy that ends TLS, set
PLANIA_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set that header and
strip it from what clients send) and PLANIA_PROXY_COUNT (for the lock-out's IP).
`manage.py check --deploy` with these settings prints no warning (tests/security).
"""

from django.core.exceptions import ImproperlyConfigured

from plania.settings import *  # noqa: F403
from plania.settings import ENV, _tasks_setting

# No default: a production process without its own key or host names does not start.
for _name in ("secret_key", "allowed_hosts"):
    if not ENV.given(_name) or not getattr(ENV, _name).strip():
        raise ImproperlyConfigured(f"production needs PLANIA_{_name.upper()}")
SECRET_KEY = ENV.secret_key
# The hash chains' key (docs/security.md, "Tamper evidence and the deadline"): its own,
# never derived from the secret key, long enough for HMAC-SHA256.
if not ENV.given("chain_key") or len(ENV.chain_key.strip()) < 32:
    raise ImproperlyConfigured("production needs PLANIA_CHAIN_KEY (32 characters or more)")
if ENV.chain_key == ENV.secret_key:
    raise ImproperlyConfigured("PLANIA_CHAIN_KEY must differ from PLANIA_SECRET_KEY")
PLANIA_CHAIN_KEY = ENV.chain_key
ALLOWED_HOSTS = ENV.listed("allowed_hosts")

# HTTPS only (ASVS 9.1): redirect, HSTS for a year, cookies never sent in clear.
SECURE_SSL_REDIRECT = ENV.secure_ssl_redirect
SECURE_HSTS_SECONDS = ENV.secure_hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV.secure_hsts_include_subdomains
SECURE_HSTS_PRELOAD = ENV.secure_hsts_preload
if ENV.secure_proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (ENV.secure_proxy_ssl_header, "https")
SESSION_COOKIE_SECURE = ENV.secure_cookies if ENV.given("secure_cookies") else True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Staff need the second factor on every page that is not public and on the API called
# with the session (plania.security.middleware); development and tests keep it to staff
# pages while other rooms' tests log staff in with a password only.
PLANIA_OTP_SCOPE = ENV.otp_scope if ENV.given("otp_scope") else "signed-in"
# Links in e-mails point at the public HTTPS address.
PLANIA_BASE_URL = ENV.base_url or f"https://{ALLOWED_HOSTS[0]}"

# Background jobs (plania/core/jobs.py, docs/deploy.md): in the database, run by the worker
# processes (`make worker`); PLANIA_TASKS_BACKEND=immediate runs them in the web process.
PLANIA_TASKS_BACKEND = ENV.tasks_backend if ENV.given("tasks_backend") else "database"
TASKS = _tasks_setting(PLANIA_TASKS_BACKEND)

# Operations (plania/ops, docs/deploy.md): compressed, hashed static files served by
# whitenoise from STATIC_ROOT (`plania collectstatic` before starting the processes).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
