"""The thread page and the messages API: escaping, no-JS posting, unread counts, 404 for
anyone outside the dossier's company (staff excepted), queries that do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plania.messaging.models import Message
from plania.messaging.services import message_post
from tests.documents.dossiers import ApplicationFactory, member_of
from tests.documents.files import EXE_BYTES, PDF_BYTES, upload

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def thread_url(dossier):
    return reverse("web:message_thread", kwargs={"reference": dossier.reference})


def api_url(dossier):
    return f"/api/v1/messages/{dossier.reference}"


@pytest.fixture
def foreign_member(db):
    return member_of(ApplicationFactory().company)


def test_a_body_with_script_tags_is_shown_escaped(client, dossier, member, staff):
    message_post(application=dossier, actor=member, body=f"Ligne 1\n{SCRIPT}")
    client.force_login(staff)
    text = client.get(thread_url(dossier)).content.decode()
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x" in text
    assert "Ligne 1<br>&lt;script&gt;" in text


def test_the_api_returns_the_body_as_plain_text(client, dossier, member):
    message_post(application=dossier, actor=member, body=SCRIPT)
    client.force_login(member)
    (message,) = client.get(api_url(dossier)).json()["items"]
    assert message["body"] == SCRIPT  # data, for clients that escape on display
    assert client.get(api_url(dossier))["Content-Type"] == "application/json; charset=utf-8"


def test_a_member_posts_from_the_page_without_javascript(client, dossier, member):
    client.force_login(member)
    response = client.post(
        thread_url(dossier),
        {
            "action": "message",
            "body": "Voici le budget.",
            "files": [upload("budget.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert response["Location"] == f"{thread_url(dossier)}#message-{message.pk}"
    page = client.get(thread_url(dossier)).content.decode()
    assert "Voici le budget." in page and "budget.pdf" in page


def test_a_refused_file_keeps_the_typed_text_and_says_why(client, dossier, member):
    client.force_login(member)
    response = client.post(
        thread_url(dossier),
        {"action": "message", "body": "Texte gardé", "files": [upload("x.pdf", EXE_BYTES)]},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Texte gardé</textarea>" in text
    assert "n&#x27;est pas un PDF" in text
    assert Message.objects.count() == 0


def test_opening_the_thread_shows_then_clears_the_unread_count(client, dossier, member, staff):
    message_post(application=dossier, actor=member, body="Un")
    message_post(application=dossier, actor=member, body="Deux")
    client.force_login(staff)
    inbox = client.get(reverse("web:message_inbox")).content.decode()
    assert '<td class="num" data-testid="unread"><strong>2</strong></td>' in inbox
    assert "2 nouveaux messages" in client.get(thread_url(dossier)).content.decode()
    assert "nouveaux messages" not in client.get(thread_url(dossier)).content.decode()
    response = client.get("/api/v1/messages/unread")
    assert response.json()["items"][0]["unread"] == 0


def test_staff_may_request_missing_items_only_on_a_submitted_dossier(client, dossier, staff):
    client.force_login(staff)
    incomplete = ApplicationFactory(incomplete=True)
    assert 'value="request_missing"' not in client.get(thread_url(incomplete)).content.decode()
    assert 'value="request_missing"' in client.get(thread_url(dossier)).content.decode()


def test_another_company_s_member_gets_404_on_the_thread_page_and_api(
    client, dossier, member, foreign_member
):
    message_post(application=dossier, actor=member, body="Confidentiel")
    client.force_login(foreign_member)
    assert client.get(thread_url(dossier)).status_code == 404
    assert client.post(thread_url(dossier), {"body": "Intrus"}).status_code == 404
    assert client.get(api_url(dossier)).status_code == 404
    assert client.post(api_url(dossier), {"body": "Intrus"}).status_code == 404
    assert client.post(f"{api_url(dossier)}/read").status_code == 404
    assert client.get("/api/v1/messages/unread").json() == {"items": [], "count": 0}
    assert "Confidentiel" not in client.get(reverse("web:message_inbox")).content.decode()
    assert Message.objects.count() == 1


def test_staff_see_every_thread(client, dossier, member, staff):
    message_post(application=dossier, actor=member, body="Bonjour")
    client.force_login(staff)
    assert client.get(thread_url(dossier)).status_code == 200
    assert [m["body"] for m in client.get(api_url(dossier)).json()["items"]] == ["Bonjour"]


def test_the_api_posts_a_message_with_files_and_marks_read(client, dossier, member, staff):
    client.force_login(member)
    response = client.post(
        api_url(dossier),
        {"body": "Voici", "kind": "message", "files": [upload("a.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["side"] == "applicant"
    assert [a["name"] for a in created["attachments"]] == ["a.pdf"]
    client.force_login(staff)
    assert client.get("/api/v1/messages/unread").json()["items"][0]["unread"] == 1
    # Reading through the API does not mark read; POST .../read does.
    client.get(api_url(dossier))
    assert client.post(f"{api_url(dossier)}/read").json() == {"marked": 1}


def test_the_api_explains_a_refusal(client, dossier, member):
    client.force_login(member)
    response = client.post(api_url(dossier), {"body": "   "})
    assert response.status_code == 422
    assert response.json()["code"] == "empty"
    response = client.post(api_url(dossier), {"body": "Réponse", "kind": "answer"})
    assert response.status_code == 409


def test_the_thread_page_s_queries_do_not_grow_with_messages(client, dossier, member, staff):
    def queries() -> int:
        client.force_login(staff)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(thread_url(dossier)).status_code == 200
        return len(captured)

    message_post(application=dossier, actor=member, body="1", files=[upload("1.pdf", PDF_BYTES)])
    few = queries()
    for n in range(2, 8):
        message_post(
            application=dossier,
            actor=member,
            body=str(n),
            files=[upload(f"{n}.pdf", PDF_BYTES + str(n).encode())],
        )
    assert queries() == few
