"""The statistics dashboard page: who may open it, what it shows, in both languages."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, UserFactory

from .stats_factories import more_of_the_same
from .stats_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def url():
    return reverse("reviews:dashboard")


def _section(html, section_id):
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_with_no_window_is_refused(client, url):
    client.force_login(UserFactory(username="nobody"))

    assert client.get(url).status_code == 403


def test_bureau_sees_every_breakdown_in_chinese_by_default(client, bureau, known, url):
    client.force_login(bureau)

    response = client.get(url, {"year": 2025})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans"' in html
    for section in ("month", "district", "window", "item", "staff"):
        part = _section(html, section)
        assert "<svg" in part and 'role="img"' in part
        assert '<th scope="col"' in part and '<th scope="row"' in part
    months = _section(html, "month")
    assert "一月" in months and "十二月" in months
    assert "徐汇区" in _section(html, "district")
    assert known.staff_a.get_username() in _section(html, "staff")
    # Headline: 7 cases, 好评率 66.7%.
    assert "66.7%" in html
    assert response.context["stats"]["cases_total"] == 7


def test_english_when_chosen(client, bureau, known, url):
    client.force_login(bureau)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(url, {"year": 2025}).content.decode()

    assert '<html lang="en"' in html
    assert "January" in _section(html, "month")
    assert "By district" in html
    assert "Good rating rate (5 and 4)" in html


def test_every_field_has_a_label(client, bureau, known, url):
    client.force_login(bureau)

    html = client.get(url).content.decode()

    for name in ("year", "district", "window", "item", "metric"):
        field_id = f"id_{name}"
        assert f'for="{field_id}"' in html
        assert f'id="{field_id}"' in html


def test_the_current_year_is_shown_without_parameters(client, bureau, known, url):
    client.force_login(bureau)

    response = client.get(url)

    assert response.context["year"] == 2026


def test_filters_and_chart_metric(client, bureau, known, url):
    client.force_login(bureau)

    response = client.get(
        url, {"year": 2025, "district": "310104", "item": known.item.code, "metric": "good_rate"}
    )

    assert response.status_code == 200
    assert response.context["stats"]["cases_total"] == 5  # c1, c2, c3, c7 at A and c8 at B
    ids = [s["id"] for s in response.context["sections"]]
    assert ids == ["month", "window", "staff"]  # district and item are pinned by the filters
    assert "100.0%" in _section(response.content.decode(), "window")


def test_window_staff_see_their_own_window(client, known, url):
    client.force_login(known.staff_a)

    response = client.get(url, {"year": 2025})

    assert response.status_code == 200
    assert response.context["stats"]["cases_total"] == 4
    ids = [s["id"] for s in response.context["sections"]]
    assert ids == ["month", "item"]  # no district, no per-person figures, a single window
    html = response.content.decode()
    assert 'name="district"' not in html
    assert known.window_b.name not in html


def test_complaints_are_shown_to_the_bureau_only(client, bureau, known, url):
    """As in the API (None for window staff): no complaint count, column or chart choice."""
    client.force_login(known.staff_a)
    own = client.get(url, {"year": 2025})
    client.force_login(bureau)
    bureaus = client.get(url, {"year": 2025, "window": known.window_a.pk})

    assert own.context["stats"]["complaints"] is None
    assert "办不成事反映" not in own.content.decode()
    assert "complaints" not in dict(own.context["form"].fields["metric"].choices)
    assert bureaus.context["stats"]["complaints"] == 1
    headline = {tile["label"]: tile["text"] for tile in bureaus.context["headline"]}
    assert headline["办不成事反映"] == "1"
    assert "办不成事反映" in _section(bureaus.content.decode(), "month")


def test_another_windows_figures_are_not_found(client, known, url):
    client.force_login(known.staff_a)

    assert client.get(url, {"year": 2025, "window": known.window_b.pk}).status_code == 404


@pytest.mark.parametrize("year", ["abc", "1999", "2050", ""])
def test_a_bad_year_is_explained_on_the_page(client, bureau, url, year):
    client.force_login(bureau)

    response = client.get(url, {"year": year})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "stats" not in response.context


def test_an_unknown_item_is_explained_on_the_page(client, bureau, url):
    client.force_login(bureau)

    response = client.get(url, {"year": 2025, "item": "NO-SUCH"})

    assert response.status_code == 200
    assert "NO-SUCH" in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_rows(client, bureau, known, url, item):
    client.force_login(bureau)
    client.get(url, {"year": 2025})  # warm the calendar cache

    with CaptureQueriesContext(connection) as before:
        client.get(url, {"year": 2025})
    other = ServicePointFactory(district=known.window_a.district)
    more_of_the_same(other, ServiceItemFactory(category=item.category), 25)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url, {"year": 2025})

    assert response.context["stats"]["cases_total"] == 7 + 25
    assert len(after) == len(before)
