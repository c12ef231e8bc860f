import pytest

from tests.instruction.helpers import IA, STARTUP, CallFactory, expert, filed, officer


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def ia_call(db):
    return CallFactory(scheme_code=IA)


@pytest.fixture
def dossier(call):
    return filed(call=call)


@pytest.fixture
def officer_x(db):
    """An officer of the startup scheme."""
    return officer(STARTUP, email="instructrice.startup@region.example")


@pytest.fixture
def officer_y(db):
    """An officer of the AI R&D scheme only."""
    return officer(IA, email="instructeur.ia@region.example")


@pytest.fixture
def an_expert(db):
    return expert(email="experte@labo.example")
