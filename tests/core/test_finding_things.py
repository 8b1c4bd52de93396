"""Issue 11, "Finding things": the 办不成事 form and "my booking" are one link away from every
public page, and the catalog item for 办不成事 leads to the form."""

import pytest
from django.urls import reverse

from catalog.constants import COMPLAINT_ITEM_CODE
from tests.catalog.factories import ServiceItemFactory

pytestmark = pytest.mark.django_db

LOOKUP = reverse("appointments:lookup")
COMPLAINT = reverse("reviews:complaint_new")


def links(response):
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/catalog/",
        "/windows/",
        "/windows/network/",
        "/book/",
        "/booking/lookup/",
        "/complaints/new/",
        "/complaints/lookup/",
    ],
)
def test_every_public_page_links_my_booking_and_the_report_form(client, window_a, url):
    response = client.get(url)
    assert response.status_code == 200
    html = links(response)
    assert f'href="{LOOKUP}"' in html
    assert f'href="{COMPLAINT}"' in html


def test_item_and_window_pages_link_them_too(client, window_a, item):
    for url in (item.get_absolute_url(), window_a.get_absolute_url()):
        html = links(client.get(url))
        assert f'href="{LOOKUP}"' in html and f'href="{COMPLAINT}"' in html


def test_the_home_page_offers_both_in_its_content(client, db):
    client.cookies["django_language"] = "en"
    html = links(client.get("/"))
    main = html[html.index('<main id="main"') : html.index("</main>")]
    assert f'href="{LOOKUP}"' in main and f'href="{COMPLAINT}"' in main
    assert "My booking" in main


def test_the_catalog_item_for_cannot_be_done_leads_to_the_form(client, item):
    complaint_item = ServiceItemFactory(code=COMPLAINT_ITEM_CODE, category=item.category)
    html = links(client.get(complaint_item.get_absolute_url()))
    main = html[html.index('<main id="main"') : html.index("</main>")]
    assert f'href="{COMPLAINT}"' in main
    # Another item's page does not offer the report form in its content.
    other = links(client.get(item.get_absolute_url()))
    assert (
        f'href="{COMPLAINT}"' not in other[other.index('<main id="main"') : other.index("</main>")]
    )


def test_the_links_and_the_error_summary_speak_chinese_by_default(client, db):
    html = links(client.get("/"))
    assert "我的预约" in html and "“办不成事”反映" in html
    response = client.post(LOOKUP, {"phone": ""})
    page = links(response)
    assert "提交的信息有误" in page and "请填写 11 位大陆手机号码" in page
