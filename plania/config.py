"""The environment, read once: every variable PlanIA understands, typed, with its default.

`plania.settings` turns it into Django settings, and the commands that run without Django
(`plania simulate`) read their limits from it: nothing else in `plania/` reads
`os.environ`. A wrong value (a word where a number is expected, an unknown choice) stops the
process at start with the variable's name, rather than later in a request.

The defaults are the development and demo ones: an embedded PostgreSQL under `var/`, mails
to files, DEBUG off. `plania.settings_production` keeps a variable the operator set and
otherwise takes the production default named in its description ("production: ...").
`plania settings_doc` prints the table of docs/deploy.md from this class (a test keeps them
equal).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent


class Environment(BaseSettings):
    """PlanIA's environment variables (prefix PLANIA_, but DATABASE_URL)."""

    model_config = SettingsConfigDict(
        env_prefix="PLANIA_", case_sensitive=False, extra="ignore", frozen=True
    )

    # Core --------------------------------------------------------------------------------
    var_dir: Path = Field(
        BASE_DIR / "var",
        description="Folder of the instance's own files: the embedded database, mails, "
        "private files, static files.",
    )
    debug: bool = Field(
        False,
        description="Django's DEBUG: tracebacks on error pages. Never in production; off "
        "in the demo too, where people see the friendly error page.",
    )
    secret_key: str = Field(
        "django-insecure-plania-development-key-change-me-in-production",
        description="Django's SECRET_KEY. Production: required, 50 random characters or more.",
    )
    allowed_hosts: str = Field(
        "127.0.0.1,localhost,testserver",
        description="Host names served, comma-separated. Production: required.",
    )
    csrf_trusted_origins: str = Field(
        "", description="Origins trusted for CSRF behind a proxy, comma-separated."
    )
    base_url: str = Field(
        "",
        description="Absolute address of the site for links in e-mails (services have no "
        "request). Empty: http://HOST:PORT of the server that runs, else "
        "http://127.0.0.1:8000; production: https:// and the first allowed host.",
    )
    region_name: str = Field(
        "Région Occitanie", description="The Region running this instance (page headers, SCDL)."
    )
    log_level: str = Field("WARNING", description="Level of the log written to stderr.")
    template_string_if_invalid: str = Field(
        "", description="Text shown for an undefined template variable (tests make it fail)."
    )

    # Database ----------------------------------------------------------------------------
    database_url: str = Field(
        "",
        validation_alias="DATABASE_URL",
        description="PostgreSQL to use (postgres://user:password@host:port/name). Empty: "
        "PlanIA starts its own embedded PostgreSQL, data under PLANIA_VAR_DIR/postgres.",
    )
    conn_max_age: int = Field(
        0, ge=0, description="Seconds a database connection is kept between requests."
    )
    pg_random_page_cost: str = Field(
        "1.1",
        description="random_page_cost set on each connection (SSD); empty keeps the server's.",
    )
    pg_dump: str = Field(
        "",
        description="pg_dump used by `plania backup`. Empty: the embedded server's own, "
        "else pg_dump from PATH.",
    )
    pg_restore: str = Field(
        "",
        description="pg_restore used by `plania restore`. Empty: the embedded server's own, "
        "else pg_restore from PATH.",
    )

    # Accounts and mail -------------------------------------------------------------------
    email_backend: str = Field(
        "django.core.mail.backends.filebased.EmailBackend",
        description="Django mail backend; the default writes mails under var/mail.",
    )
    email_host: str = Field("localhost", description="SMTP server.")
    email_port: int = Field(25, description="SMTP port.")
    email_host_user: str = Field("", description="SMTP user.")
    email_host_password: str = Field("", description="SMTP password.")
    email_use_tls: bool = Field(False, description="SMTP with STARTTLS.")
    from_email: str = Field(
        "PlanIA <ne-pas-repondre@plania.localhost>", description="Sender of PlanIA's mails."
    )
    email_verification_days: int = Field(
        3, ge=1, description="Days an e-mail verification link stays valid."
    )
    session_cookie_age: int = Field(
        12 * 60 * 60, ge=60, description="Seconds a session lasts (ASVS 3.3: 12 hours)."
    )
    session_expire_at_browser_close: bool = Field(
        True, description="Sessions also end when the browser closes."
    )

    # Uploads -----------------------------------------------------------------------------
    private_root: Path | None = Field(
        None, description="Folder of private files. Empty: PLANIA_VAR_DIR/media/private."
    )
    s3_bucket: str = Field(
        "", description="S3-compatible bucket for private files (several machines)."
    )
    s3_prefix: str = Field("private", description="Prefix of private files in the bucket.")
    s3_endpoint_url: str = Field("", description="Endpoint of a non-AWS S3 provider.")
    s3_region: str = Field("", description="Region of the bucket.")
    upload_max_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest uploaded file.")
    upload_max_files: int = Field(30, ge=1, description="Most files per dossier.")
    upload_max_total_bytes: int = Field(
        200 * 1024 * 1024, ge=1, description="Most bytes of files per dossier."
    )
    upload_archive_max_uncompressed_bytes: int = Field(
        100 * 1024 * 1024, ge=1, description="Zip-based documents: most bytes uncompressed."
    )
    upload_archive_max_ratio: int = Field(
        100, ge=1, description="Zip-based documents: highest compression ratio."
    )
    upload_archive_max_members: int = Field(
        2000, ge=1, description="Zip-based documents: most members."
    )

    # Files read by commands --------------------------------------------------------------
    plan_file_max_bytes: int = Field(1024 * 1024, ge=1, description="Largest plan file.")
    plan_file_max_nodes: int = Field(
        100_000, ge=1, description="Most YAML nodes in a plan file (alias bombs)."
    )
    sirene_max_bytes: int = Field(
        32 * 1024**3, ge=1, description="Largest uncompressed SIRENE stock file."
    )
    simulate_max_bytes: int = Field(
        1024**3, ge=1, description="Largest CSV file `plania simulate` reads."
    )
    statement_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest bank statement file."
    )
    statement_max_lines: int = Field(20_000, ge=1, description="Most lines in a bank statement.")
    labs_dir: Path | None = Field(
        None, description="Folder of the regional labs directory. Empty: the shipped one."
    )

    # Awards and open data ----------------------------------------------------------------
    region_siret: str = Field(
        "",
        description="The Region's SIRET (agreement parties, SCDL idAttribuant); the SCDL "
        "export refuses while it is empty or wrong.",
    )
    awards_on_signature_share: str = Field(
        "0.50", description="Default share of an aid paid on the agreement's signature."
    )
    transparency_contact: str = Field(
        "Région Occitanie, Direction de l'innovation, 22 boulevard du Maréchal Juin, "
        "31406 Toulouse cedex 9",
        description="Where a company asks for the rules of a processing (CRPA L311-3-1).",
    )
    opendata_warning_days: int = Field(
        15, ge=0, description="Days before the publication deadline the list warns."
    )
    opendata_payment_period_months: int = Field(
        24, ge=1, description="Payment period published for a staggered award not paid in full."
    )
    draft_retention_days: int = Field(
        365, ge=1, description="Days after its last save a draft never submitted is deleted."
    )
    recherche_entreprises_enabled: bool = Field(
        False, description="Ask the State's recherche-entreprises API when SIRENE has no match."
    )
    recherche_entreprises_url: str = Field(
        "https://recherche-entreprises.api.gouv.fr", description="recherche-entreprises API."
    )
    recherche_entreprises_timeout: float = Field(
        5.0, gt=0, description="Seconds per recherche-entreprises request."
    )
    recherche_entreprises_max_retries: int = Field(2, ge=0, description="Retries after HTTP 429.")
    recherche_entreprises_max_wait: float = Field(
        10.0, ge=0, description="Seconds waited in total on HTTP 429."
    )

    # ProConnect --------------------------------------------------------------------------
    proconnect_url: str = Field(
        "",
        description="Base address of ProConnect's OpenID Connect endpoints (it serves "
        "/authorize, /token, /userinfo and /jwks), e.g. https://auth.agentconnect.gouv.fr/"
        "api/v2. Empty (with the client id): no ProConnect log-in.",
    )
    proconnect_client_id: str = Field(
        "", description="Client id PlanIA received from ProConnect. Empty: no ProConnect."
    )
    proconnect_client_secret: str = Field("", description="Client secret from ProConnect.")
    proconnect_scopes: str = Field(
        "openid email given_name usual_name siret",
        description="Scopes asked of ProConnect (siret attaches the person to their company).",
    )
    proconnect_timeout: float = Field(
        10.0, gt=0, description="Seconds per request to ProConnect's token and userinfo."
    )

    # Security ----------------------------------------------------------------------------
    otp_required: bool = Field(
        True, description="Staff need a second factor (TOTP); `make demo` turns it off."
    )
    otp_scope: Literal["staff-pages", "signed-in"] = Field(
        "staff-pages",
        description="Where staff need it: staff pages only, or every signed-in page and "
        "the API with the session. Production: signed-in.",
    )
    otp_issuer: str = Field("PlanIA", description="Issuer shown in authenticator apps.")
    login_lockout: bool = Field(True, description="Lock out after repeated failed logins.")
    login_failure_limit: int = Field(5, ge=1, description="Failures before the lock-out.")
    login_cooloff_minutes: int = Field(15, ge=1, description="Minutes a lock-out lasts.")
    login_lockout_by: str = Field(
        "username+ip_address",
        description="What a lock-out counts failures by (django-axes parameters, "
        "comma-separated, + to combine).",
    )
    proxy_count: int | None = Field(
        None, ge=1, description="Proxies in front of PlanIA (client address for the lock-out)."
    )
    api_token_max_days: int = Field(
        90, ge=1, description="Longest life of a personal API token, in days from its creation."
    )
    rate_limits: bool = Field(
        True,
        description="Rate limits (429 with Retry-After); each PLANIA_RATE_* below is "
        "COUNT/PERIOD, the period in s, m, h or d (e.g. 10/5m), or 'off'.",
    )
    rate_login_ip: str = Field(
        "30/5m", description="Login attempts per client IP address (any account)."
    )
    rate_signup_ip: str = Field("10/h", description="Sign-ups per client IP address.")
    rate_reset_address: str = Field("3/h", description="Password reset requests per typed address.")
    rate_reset_ip: str = Field("10/h", description="Password reset requests per IP address.")
    rate_messages: str = Field(
        "10/m", description="Messages posted per person (pages and API), mails follow them."
    )
    rate_api: str = Field(
        "120/m",
        description="API requests per token (per person with the session, per IP "
        "address without authentication).",
    )
    rate_precheck_ip: str = Field(
        "60/5m", description="Public eligibility pre-checks per IP address."
    )
    secure_cookies: bool = Field(False, description="HTTPS-only cookies. Production: on.")
    secure_ssl_redirect: bool = Field(True, description="Production: redirect HTTP to HTTPS.")
    secure_hsts_seconds: int = Field(
        365 * 24 * 60 * 60, ge=0, description="Production: HSTS duration."
    )
    secure_hsts_include_subdomains: bool = Field(True, description="Production: HSTS subdomains.")
    secure_hsts_preload: bool = Field(True, description="Production: HSTS preload.")
    secure_proxy_ssl_header: str = Field(
        "",
        description="Header by which a TLS-ending proxy says HTTPS (e.g. "
        "HTTP_X_FORWARDED_PROTO); the proxy must strip it from clients.",
    )
    chain_key: str = Field(
        "",
        description="Secret keying the hash chains of the ledger and of every history "
        "(HMAC-SHA256; docs/security.md): kept out of the database and its backups. Empty: "
        "derived from PLANIA_SECRET_KEY (development, demo, tests). Production: required, "
        "32 random characters or more, not the secret key. To change it, `plania "
        "chain_rekey` re-hashes every chain after checking it under the previous one.",
    )
    deadline_queue_allowance: float = Field(
        10.0,
        ge=0,
        le=60,
        description="Seconds of waiting for a worker credited to a submission at a "
        "deadline: it is judged on when its body was fully received, less at most this.",
    )
    trust_request_start: bool = Field(
        False,
        description="Judge deadlines on the proxy's X-Request-Start (only behind a proxy "
        "that stamps every request).",
    )

    # Operations --------------------------------------------------------------------------
    tasks_backend: Literal["immediate", "database"] = Field(
        "immediate",
        description="Background jobs run at once in the process (immediate) or by `make "
        "worker` from the database. Production: database.",
    )
    exports_keep_days: int = Field(30, ge=1, description="Days background export files are kept.")

    @field_validator(
        "rate_login_ip",
        "rate_signup_ip",
        "rate_reset_address",
        "rate_reset_ip",
        "rate_messages",
        "rate_api",
        "rate_precheck_ip",
    )
    @classmethod
    def _a_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    def rates(self) -> dict[str, str]:
        """The rate limits by name (settings.PLANIA_RATES; plania.security.ratelimit)."""
        return {
            name.removeprefix("rate_"): str(getattr(self, name))
            for name in type(self).model_fields
            if name.startswith("rate_") and name != "rate_limits"
        }

    def given(self, name: str) -> bool:
        """Whether the operator set this variable (production keeps it, else its own default)."""
        return name in self.model_fields_set

    def listed(self, name: str) -> list[str]:
        """A comma-separated variable as a list, without blanks."""
        return [part.strip() for part in str(getattr(self, name)).split(",") if part.strip()]


RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int] | None:
    """ "10/5m" -> (10, 300): at most 10 in 300 seconds; "off" (or "") -> None. A wrong
    value raises ValueError with what is expected."""
    text = text.strip().lower()
    if text in {"", "off", "0"}:
        return None
    count, slash, period = text.partition("/")
    unit = period[-1:] if period[-1:] in RATE_PERIODS else "s"
    number = period[:-1] if period[-1:] in RATE_PERIODS else period
    try:
        n, length = int(count), int(number or "1")
    except ValueError:
        n = length = 0
    if not slash or n < 1 or length < 1:
        raise ValueError(f"{text!r}: expected COUNT/PERIOD, e.g. 10/5m (s, m, h, d), or off")
    return n, length * RATE_PERIODS[unit]


def variable(name: str) -> str:
    """The environment variable behind a field of Environment."""
    field = Environment.model_fields[name]
    if isinstance(field.validation_alias, str):
        return field.validation_alias
    return f"PLANIA_{name.upper()}"


class ConfigurationError(ValueError):
    """A variable has a value PlanIA cannot use; the message names each one."""


@lru_cache(maxsize=1)
def env() -> Environment:
    """The environment of this process, read once."""
    try:
        return Environment()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            shown = variable(name) if name in Environment.model_fields else name
            problems.append(f"{shown}={error.get('input')!r}: {error['msg']}")
        raise ConfigurationError("; ".join(problems)) from None


def table() -> str:
    """The Markdown table of every variable, for docs/deploy.md."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Environment.model_fields.items():
        default: Any = field.default
        if isinstance(default, Path):
            default = "<project>/" + str(default.relative_to(BASE_DIR))
        shown = "" if default in (None, "") else f"`{default}`"
        lines.append(f"| `{variable(name)}` | {shown} | {field.description} |")
    return "\n".join(lines)
