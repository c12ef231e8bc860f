import pytest


@pytest.mark.django_db
def test_scheme_list_links_both_shipped_schemes(client):
    html = client.get("/dispositifs/").content.decode()
    assert "/dispositifs/startup-industrie-demain/2025/" in html
    assert "/dispositifs/ia-rd-projets/" in html


@pytest.mark.django_db
def test_startup_scheme_page_shows_rules_and_the_to_be_set_mark(client):
    response = client.get("/dispositifs/startup-industrie-demain/2025/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Start-Up, industrie de demain" in html
    assert "moins de 8 ans" in html
    # Seed values are shown as set; the values the seed does not give carry the mark.
    assert 'data-parameter="aid_cap_eur" class="status-set"' in html
    assert "200\u202f000\u00a0€" in html
    assert 'data-parameter="grant_cap_eur" class="status-set"' in html
    assert 'data-parameter="advance_deferral_periods" class="status-to_be_set_by_region"' in html
    assert html.count("À fixer par la Région") >= 5
    assert "Pas de plafond d'intensité" in html


@pytest.mark.django_db
def test_axis1_scheme_values_are_marked_as_examples(client):
    from plania.schemes.selectors import scheme_versions

    scheme = next(s for s in scheme_versions() if s.id == "ia-rd-projets")
    html = client.get(f"/dispositifs/ia-rd-projets/{scheme.version}/").content.decode()
    assert "Les valeurs marquées « exemple »" in html
    assert "status-set" not in html


@pytest.mark.django_db
def test_scheme_page_in_english_and_unknown_version(client):
    html = client.get("/en/dispositifs/startup-industrie-demain/2025/").content.decode()
    assert "Start-Up, industry of tomorrow" in html
    assert "To be set by the Region" in html
    assert client.get("/dispositifs/startup-industrie-demain/1999/").status_code == 404
