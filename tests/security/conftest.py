import pytest

from plania.companies.sirene import head_office_siret, sample_siren
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture
from tests.security.world import build_world


@pytest.fixture
def world(db, private_storage_dir, settings):  # noqa: F811
    # The open-data export refuses to publish without the Region's SIRET (idAttribuant).
    settings.PLANIA_REGION_SIRET = head_office_siret(sample_siren(76, seed=76))
    return build_world()
