import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
STRONG = "Ocre-Garonne-Canal-2025"
URL = re.compile(r"https?://\S+")


def links_in(message: mail.EmailMessage) -> list[str]:
    """The paths of the absolute links in a mail's body."""
    return [urlsplit(url).path for url in URL.findall(message.body)]


@pytest.fixture
def user(db):
    return UserFactory(email="camille.martin@example.org", email_verified_at=timezone.now())


@pytest.fixture
def unverified_user(db):
    return UserFactory(email="alex.durand@example.org")
