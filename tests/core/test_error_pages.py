"""The portal's own error pages (issue 11), with DEBUG=False as in production (pytest-django
runs with it): the CSRF failure page, 403, 404 and 500 extend the portal's look (viewport,
header), are in Chinese by default and in English on request, and say what to do next; the
500 page is rendered without the request's context, so that a broken database or session
cannot break it too. The favicon is on every page, the admin's included, and at /favicon.ico."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client, RequestFactory

from ipservice import views

pytestmark = pytest.mark.django_db

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
ICON = f'<link rel="icon" href="{staticfiles_storage.url("favicon.svg")}"'


def english(client):
    client.cookies["django_language"] = "en"
    return client


def portal_page(response, status):
    html = response.content.decode()
    assert response.status_code == status
    assert VIEWPORT in html and ICON in html
    assert 'class="site-header"' in html
    assert "DEBUG" not in html
    return html


def test_a_refused_form_is_the_portals_page_saying_reload_and_send_again():
    client = Client(enforce_csrf_checks=True)
    data = {"reference": "BK2612010001", "phone": "13812345678"}
    html = portal_page(client.post("/booking/lookup/", data), 403)
    assert '<html lang="zh-Hans"' in html
    assert "表单未能提交" in html and "刷新" in html and "再次提交" in html
    assert "CSRF" not in html

    html = portal_page(english(client).post("/booking/lookup/", data), 403)
    assert '<html lang="en"' in html
    assert "The form could not be sent" in html and "reload it" in html
    assert "send it again" in html


def test_a_page_for_the_bureau_refuses_a_clerk_with_what_to_do(client, staff_a):
    client.force_login(staff_a)
    html = portal_page(client.get("/bureau/reports/"), 403)
    assert "请联系您的负责人或市知识产权局" in html
    html = portal_page(english(client).get("/bureau/reports/"), 403)
    assert "Not allowed" in html and "ask your supervisor or the bureau" in html


def test_an_unknown_address_says_how_to_find_the_booking_again(client):
    html = portal_page(client.get("/no-such-page/"), 404)
    assert "页面不存在" in html and 'href="/booking/lookup/"' in html
    html = portal_page(english(client).get("/booking/NOPE/"), 404)
    assert "Page not found" in html and "have its link sent once more" in html


@pytest.fixture
def failing(settings):
    settings.ROOT_URLCONF = "tests.core.error_urls"
    return Client(raise_request_exception=False)


def test_a_failure_is_the_portals_500_page_in_the_persons_language(failing, staff_a):
    failing.force_login(staff_a)
    response = failing.get("/fails/")
    html = response.content.decode()
    assert response.status_code == 500
    assert VIEWPORT in html and ICON in html and 'class="site-header"' in html
    assert '<html lang="zh-Hans"' in html and "服务暂时不可用" in html
    assert "请稍等几分钟" in html and "12330" in html and "12345" in html
    # Rendered without the request's context: nothing of the user's session reached it.
    assert staff_a.username not in html and "csrfmiddlewaretoken" not in html
    html = english(failing).get("/fails/").content.decode()
    assert '<html lang="en"' in html and "The service is temporarily unavailable" in html
    assert failing.get("/api/v1/fails/").json()["code"] == "server_error"


def test_the_500_page_reads_nothing_from_the_database(django_assert_num_queries):
    request = RequestFactory().get("/somewhere/")
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500 and "服务暂时不可用" in response.content.decode()


def test_the_favicon_is_at_favicon_ico_and_on_the_admins_pages(client, bureau):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == staticfiles_storage.url("favicon.svg")
    assert ICON in client.get("/admin/login/").content.decode()
    bureau.is_superuser = True
    bureau.save()
    client.force_login(bureau)
    for path in ("/admin/", "/admin/catalog/serviceitem/", "/admin/catalog/serviceitem/add/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content.decode().count('rel="icon"') == 1, path
