"""The environment read once (plania/config.py) and the one database (plania/core/database.py)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from plania.config import ConfigurationError, Environment, env, table
from plania.ops.management.commands.settings_doc import with_table

ROOT = Path(__file__).resolve().parents[2]


def test_docs_deploy_lists_every_variable_as_the_class_says():
    text = (ROOT / "docs" / "deploy.md").read_text()
    assert with_table(text) == text, "run: uv run plania settings_doc --write docs/deploy.md"
    assert "`PLANIA_DEBUG` | `False` |" in table()


def test_debug_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("PLANIA_DEBUG", raising=False)
    assert Environment().debug is False
    monkeypatch.setenv("PLANIA_DEBUG", "1")
    assert Environment().debug is True


def test_a_wrong_value_stops_the_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PLANIA_UPLOAD_MAX_FILES", "beaucoup")
    monkeypatch.setenv("PLANIA_OTP_SCOPE", "partout")
    env.cache_clear()
    try:
        with pytest.raises(ConfigurationError) as refused:
            env()
    finally:
        monkeypatch.undo()
        env.cache_clear()
    message = str(refused.value)
    assert "PLANIA_UPLOAD_MAX_FILES='beaucoup'" in message
    assert "PLANIA_OTP_SCOPE='partout'" in message


def test_production_keeps_what_the_operator_set_and_defaults_the_rest(monkeypatch):
    monkeypatch.setenv("PLANIA_TASKS_BACKEND", "immediate")
    given = Environment()
    assert given.given("tasks_backend") and not given.given("otp_scope")


def test_only_the_config_module_reads_the_environment():
    """Nothing in plania/ but plania/config.py reads os.environ or os.getenv (the entry
    points only default DJANGO_SETTINGS_MODULE for Django)."""
    readers = []
    for path in (ROOT / "plania").rglob("*.py"):
        if path.name == "config.py" and path.parent.name == "plania":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                line = ast.get_source_segment(path.read_text(), node.value) or ""
                if line == "os":
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    allowed = {"plania/__main__.py", "plania/wsgi.py"}
    assert [r for r in readers if r.split(":")[0] not in allowed] == []


def test_no_module_mentions_sqlite():
    mentions = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "plania").rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".html", ".txt", ".yaml"}
        and "sqlite" in p.read_text(errors="ignore").lower()
    ]
    assert mentions == []


@pytest.mark.django_db
def test_dbinfo_names_the_postgresql_server(capsys):
    call_command("dbinfo")
    out = capsys.readouterr().out
    assert "version: PostgreSQL" in out
    server = settings.DATABASE_SERVER
    kind = "embedded PostgreSQL" if server.embedded else "PostgreSQL"
    assert f"server: {kind}" in out


def test_a_database_url_that_is_not_postgresql_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "plania", "check"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///x.db"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in done.stderr


@pytest.mark.django_db
def test_errors_show_a_page_in_french_never_a_traceback(client, settings):
    """DEBUG is off by default, the demo included: people see PlanIA's pages."""
    from django.test import Client

    assert settings.DEBUG is False
    missing = client.get("/cette-page-n-existe-pas/")
    assert missing.status_code == 404
    assert "Page introuvable" in missing.content.decode()

    def boom(request):
        raise RuntimeError("secret détail interne")

    from django.urls import path

    from plania import urls

    settings.ROOT_URLCONF = type(
        "BoomUrls",
        (),
        {"urlpatterns": [path("boom/", boom)], "handler500": urls.handler500},
    )
    failing = Client(raise_request_exception=False).get("/boom/")
    page = failing.content.decode()
    assert failing.status_code == 500
    assert "Une erreur est survenue" in page
    assert "secret détail interne" not in page and "Traceback" not in page
