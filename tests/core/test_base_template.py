"""The base template every page uses: skip link, language switch, 适老化 modes, hotlines."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_chinese_by_default_with_skip_link_and_hotlines(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "跳到主要内容" in html
    assert "12345" in html and settings.PORTAL_HOTLINE in html
    assert 'value="en"' in html  # the switch offers English


def test_language_switch_to_english_persists(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Skip to main content" in html
    assert 'value="zh-hans"' in html


@pytest.mark.parametrize("mode", ["large", "contrast"])
def test_a11y_mode_switches_on_stays_on_and_off(client, mode):
    response = client.post(reverse("toggle-a11y"), {"mode": mode, "next": "/catalog/"})
    assert response.status_code == 302
    assert response["Location"] == "/catalog/"
    html = client.get("/").content.decode()
    assert f"a11y-{mode}" in html
    assert 'aria-pressed="true"' in html
    client.post(reverse("toggle-a11y"), {"mode": mode})
    assert f"a11y-{mode}" not in client.get("/").content.decode()


def test_a11y_toggle_ignores_unknown_mode_and_foreign_redirect(client):
    response = client.post(
        reverse("toggle-a11y"), {"mode": "evil", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert client.cookies["a11y"].value == ""


def test_a11y_toggle_refuses_get(client):
    assert client.get(reverse("toggle-a11y")).status_code == 405


def test_unknown_page_is_404_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_asset_is_local(client):
    html = client.get("/").content.decode()
    assert "//cdn" not in html and "https://" not in html


def test_login_page_has_labelled_fields(client):
    html = client.get(reverse("login")).content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_chinese_even_for_a_browser_asking_for_english(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans"' in html
