"""Headers and deployment checks (issue 7 item 3): a Content-Security-Policy without inline
scripts on every page, frame denial, referrer policy, nosniff; HSTS, HTTPS and secure
cookies in production, where `manage.py check --deploy` prints no warning."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.processes import database_url
from tests.security.html import page_problems
from tests.security.routes import project_routes
from tests.security.test_route_matrix import OBJECTS
from tests.security.world import ANONYMOUS, APPLICANT, UNVERIFIED

ROOT = Path(settings.BASE_DIR)
CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


@pytest.mark.django_db
def test_a_page_sends_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == directives(CSP)
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # HSTS only in production (plania.settings_production): not on a development server.
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_error_pages_and_the_api_send_the_policy_too(client):
    missing = client.get("/nulle-part/")
    assert missing.status_code == 404
    assert "frame-ancestors 'none'" in missing["Content-Security-Policy"]
    api = client.get("/api/v1/plans/")
    assert "default-src 'self'" in api["Content-Security-Policy"]


def test_session_and_csrf_cookies_are_http_only_lax_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


@pytest.mark.django_db
def test_the_login_sets_an_http_only_lax_session_cookie(client):
    from tests.factories import UserFactory

    user = UserFactory(email="cookie@example.org")
    client.post(
        "/compte/connexion/",
        {"username": user.email, "password": "correct horse battery staple"},
    )
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["expires"] == ""  # a browser-session cookie; the server ends it at 12 h


def test_every_template_is_free_of_inline_script_and_style():
    problems = []
    templates = sorted((ROOT / "plania").rglob("templates/**/*.html"))
    assert len(templates) > 20
    for path in templates:
        for problem in page_problems(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)} {problem}")
    assert problems == [], "\n".join(problems)


CRAWL_ROLES = [ANONYMOUS, UNVERIFIED, APPLICANT, "officer", "expert", "admin"]


def test_every_page_that_renders_sends_the_policy_and_no_inline_script(world):
    """GET every route of the project as several roles; every HTML answer (pages, refusals,
    404s, redirects excepted) carries the policy and nothing it would block."""
    scanned, problems, broken = 0, [], []
    for route in project_routes():
        objects = OBJECTS.get(route.name)
        if route.parameters and objects is None:
            continue  # listed as skipped by the route matrix
        url = reverse(route.name, kwargs=objects.own(world) if objects else {})
        for role in CRAWL_ROLES:
            client = world.client_for(role)
            try:
                response = client.get(url)
            except Exception as exc:  # another room's page that does not render yet
                broken.append(f"{url} as {role}: {type(exc).__name__}")
                continue
            # Reading a file answer to its end closes it (the test client's wrapper); an
            # extra close() would send request_finished, which closes the connection.
            body = b"".join(response.streaming_content) if response.streaming else None
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            scanned += 1
            if "Content-Security-Policy" not in response:
                problems.append(f"{url} as {role}: no Content-Security-Policy")
            html = (body or response.content).decode()
            problems += [f"{url} as {role}: {p}" for p in page_problems(html)]
    print(f"\n{scanned} HTML pages scanned; did not render: {broken or 'none'}")
    assert scanned >= 60
    assert problems == [], "\n".join(problems)


# -- production settings ---------------------------------------------------------------------


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment a production deployment sets (on the tests' database server)."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLANIA_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="plania.settings_production",
        PLANIA_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        PLANIA_CHAIN_KEY=secrets.token_urlsafe(40),
        PLANIA_ALLOWED_HOSTS="plania.region.example",
        PLANIA_VAR_DIR=str(tmp_path),
        DATABASE_URL=database_url(),
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_the_production_settings_prints_no_warning(tmp_path):
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        production_env(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "System check identified no issues" in output


def test_production_turns_https_hsts_secure_cookies_and_full_second_factor_on(tmp_path):
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "ALLOWED_HOSTS",
        "SECURE_PROXY_SSL_HEADER",
        "PLANIA_OTP_SCOPE",
        "PLANIA_OTP_REQUIRED",
        "AXES_ENABLED",
    ]
    result = run_python(
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))",
        production_env(tmp_path, PLANIA_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"),
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "ALLOWED_HOSTS": ["plania.region.example"],
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "PLANIA_OTP_SCOPE": "signed-in",
        "PLANIA_OTP_REQUIRED": True,
        "AXES_ENABLED": True,
    }


def test_production_does_not_start_without_its_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["PLANIA_SECRET_KEY"]
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "PLANIA_SECRET_KEY" in result.stderr
