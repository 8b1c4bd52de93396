"""The project's catalogs agree with each other, and the labels people read are the right words.

Django merges every app's catalog and the project's (LOCALE_PATHS) into one: when two catalogs
translate one msgid (in one context) differently, only one wins and the other app shows the
wrong word. Labels that mean different things carry a `pgettext` context instead.
"""

from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from appointments.constants import Status
from reviews.constants import ComplaintStatus
from reviews.models import Complaint, Rating
from windows.hours import weekly_table

BASE_DIR = Path(settings.BASE_DIR)


def project_catalogs():
    """Every .po of the project: each app's locale/ and the project's LOCALE_PATHS."""
    found = set(BASE_DIR.glob("*/locale/*/LC_MESSAGES/*.po"))
    for path in settings.LOCALE_PATHS:
        found.update(Path(path).glob("*/LC_MESSAGES/*.po"))
    return sorted(found)


def translations(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
    return entry.msgstr


def live_entries(catalog):
    """The entries compiled into the .mo: translated, not fuzzy, not obsolete."""
    return [e for e in catalog if e.translated() and not e.obsolete]


def test_the_project_has_catalogs_of_every_app_and_the_project():
    names = {p.relative_to(BASE_DIR).parts[0] for p in project_catalogs()}
    assert {"appointments", "catalog", "reviews", "windows", "locale"} <= names


def test_no_msgid_is_translated_two_ways():
    seen = defaultdict(lambda: defaultdict(list))
    for path in project_catalogs():
        language = path.parent.parent.name
        for entry in live_entries(polib.pofile(str(path))):
            key = (language, entry.msgctxt, entry.msgid)
            seen[key][translations(entry)].append(str(path.relative_to(BASE_DIR)))
    conflicts = {key: dict(versions) for key, versions in seen.items() if len(versions) > 1}
    assert not conflicts, (
        "One msgid, two translations (give the label a pgettext context, or use one word): "
        f"{conflicts}"
    )


def shown(entry):
    """What Django shows for `entry` in the active language, whichever catalog wins."""
    if entry.msgid_plural:
        if entry.msgctxt:
            return (npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1),)
        return (ngettext(entry.msgid, entry.msgid_plural, 1),)
    return pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else gettext(entry.msgid)


def test_no_other_catalog_shadows_the_projects(chinese):
    """Django merges the project's catalogs with its own and the libraries': an app's word is
    lost when an app listed before it (django.contrib.auth: "active" 有效) translates the same
    msgid. The project's catalog (LOCALE_PATHS) wins over all: it settles such words."""
    shadowed = {}
    for path in project_catalogs():
        if path.parent.parent.name != "zh_Hans":
            continue
        for entry in live_entries(polib.pofile(str(path))):
            if shown(entry) != translations(entry):
                shadowed[(entry.msgctxt, entry.msgid)] = (translations(entry), shown(entry))
    assert not shadowed, shadowed


@pytest.mark.parametrize("path", project_catalogs(), ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_every_catalog_is_compiled(path):
    """The .mo beside each .po holds what the .po says (run compilemessages after an edit)."""
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run manage.py compilemessages"
    compiled = {(e.msgctxt, e.msgid): translations(e) for e in polib.mofile(str(mo_path))}
    written = {(e.msgctxt, e.msgid): translations(e) for e in live_entries(polib.pofile(str(path)))}
    stale = {k: v for k, v in written.items() if compiled.get(k) != v}
    assert not stale, f"{mo_path} is older than its .po: {sorted(stale)[:10]}"


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield


def test_a_complaint_received_is_not_a_time(chinese):
    assert ComplaintStatus.RECEIVED.label == "已受理"
    assert pgettext("case", "Received") == "收件时间"


def test_a_closed_rectification_is_not_a_day_off(chinese):
    assert pgettext("rectification", "Closed") == "已办结"
    assert {hours for _day, hours in weekly_table([])} == {"休息"}


def test_the_cases_date_filter_is_a_date_and_the_opening_hours_a_weekday(chinese):
    assert gettext("Day") == "日期"
    assert pgettext("weekday", "Day") == "星期"


def test_a_ratings_channel_and_a_cases_channel(chinese):
    assert str(Rating._meta.get_field("channel").verbose_name) == "评价渠道"
    assert pgettext("rating", "Channel") == "评价渠道"
    assert gettext("Channel") == "办理渠道"


def test_a_status_is_a_status_and_a_target_has_a_result(chinese):
    assert gettext("Status") == "状态"
    assert pgettext("target", "Status") == "完成情况"


def test_counts_and_states_differ(chinese):
    assert Status.COMPLETED.label == "已办结"
    assert pgettext("count", "Completed") == "办结数"
    assert gettext("Cases") == "办件"
    assert pgettext("count", "Cases") == "办件数"
    assert str(Complaint._meta.get_field("name").verbose_name) == "姓名"
    assert gettext("name") == "名称"


# django-import-export's messages, corrected by the project's catalog -----------------------


# Errors only a programmer meets (a misconfigured resource): never shown to the bureau.
PROGRAMMERS_ONLY = {
    "Form is not validated, call `is_valid` first",
    "use_natural_foreign_keys and key_is_id cannot both be True",
}


def library_catalog():
    import import_export

    path = Path(import_export.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"
    return polib.pofile(str(path))


def test_the_project_catalog_is_searched_before_the_librarys():
    assert Path(settings.LOCALE_PATHS[0]) == BASE_DIR / "locale"


def test_import_export_speaks_proper_chinese(chinese):
    assert gettext("Some rows failed to validate") == "部分行未通过校验，没有导入任何数据"
    assert gettext("Non field specific") == "整行错误"
    assert gettext("Skipped") == "跳过"
    assert "{}" in gettext("Import finished: {} new, {} updated, {} deleted and {} skipped {}.")
    for entry in library_catalog():
        if entry.obsolete or entry.msgid_plural or "%" in entry.msgid and "%(" not in entry.msgid:
            continue  # formatted before translation by the library: never looked up
        if entry.msgid in PROGRAMMERS_ONLY:
            continue
        shown = gettext(entry.msgid)
        assert "验数据证" not in shown
        assert shown != entry.msgid, f"untranslated: {entry.msgid}"


# The words on the pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cases_list_filters_by_date_and_the_window_page_lists_weekdays(client):
    from django.urls import reverse

    from tests.windows.factories import ServicePointFactory, StaffMembershipFactory

    window = ServicePointFactory()
    client.force_login(StaffMembershipFactory(window=window).user)
    page = client.get(reverse("appointments:case_list")).content.decode()
    assert '<label for="id_date">日期' in page and "星期" not in page
    page = client.get(window.get_absolute_url()).content.decode()
    assert '<th scope="col">星期</th>' in page
