"""django-axes' admin pages in Chinese (axes has no Chinese catalog): its words are in the
project's catalog (ipservice/axes_labels.py lists them for makemessages) and its access
attempts' status column is labelled (ipservice/admin.py). The records' names ("Attempted Access:
…") are axes' formatted strings: they stay English."""

import re
from html import unescape

import pytest
from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext

from ipservice.admin import LabelledAccessAttemptAdmin
from tests.windows.factories import UserFactory
from windows.services import make_bureau_staff

pytestmark = pytest.mark.django_db

HEADER = re.compile(r'<th scope="col"[^>]*>.*?<div class="text">(.*?)</div>', re.S)
FILTER_TITLE = re.compile(r"<summary>\s*(.*?)\s*</summary>", re.S)


def text(fragment):
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_superuser=True)
    make_bureau_staff(user)
    client.force_login(user)
    return user


def changelist(client, model):
    response = client.get(f"/admin/axes/{model}/")
    assert response.status_code == 200
    return response.content.decode()


def headers(page):
    return [text(h) for h in HEADER.findall(page) if text(h)]


def test_the_access_attempts_in_chinese(client, superuser):
    AccessAttempt.objects.create(
        username="clerk",
        ip_address="10.0.0.1",
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    page = changelist(client, "accessattempt")
    assert "<title>选择 登录尝试 来修改" in page
    assert headers(page) == [
        *["尝试时间", "IP 地址", "浏览器标识", "用户名", "路径", "失败次数", "状态"]
    ]
    filters = [text(t) for t in FILTER_TITLE.findall(page)]
    assert {"以 尝试时间", "以 路径", "以 已锁定"} <= set(filters), filters
    assert "3 次机会剩余" in page  # AXES_FAILURE_LIMIT 5, 2 failures
    assert "清理已过期的登录尝试" in page
    for english in ("Attempt Time", "IP Address", "User Agent", "Failed Logins", "Locked Out"):
        assert english not in page


def test_the_access_logs_and_failures_in_chinese(client, superuser):
    AccessLog.objects.create(username="clerk", ip_address="10.0.0.1", user_agent="Mozilla/5.0")
    AccessFailureLog.objects.create(
        username="clerk", ip_address="10.0.0.1", user_agent="Mozilla/5.0", locked_out=True
    )
    page = changelist(client, "accesslog")
    assert "<title>选择 登录日志 来修改" in page
    assert headers(page) == ["尝试时间", "退出时间", "IP 地址", "用户名", "浏览器标识", "路径"]
    page = changelist(client, "accessfailurelog")
    assert "<title>选择 登录失败记录 来修改" in page
    assert headers(page) == ["尝试时间", "IP 地址", "用户名", "浏览器标识", "路径", "已锁定"]


def test_an_attempts_form_in_chinese(client, superuser):
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.1", user_agent="Mozilla/5.0", failures_since_start=1
    )
    page = client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/").content.decode()
    labels = ["表单数据", "请求信息", "GET 数据", "POST 数据", "HTTP Accept 请求头"]
    for label in [*labels, "登录尝试有效期"]:
        assert label in page


def test_the_project_catalog_wins_and_the_admin_is_axes_own():
    # axes' admin, only its status column labelled; the words come from the project's catalog.
    assert isinstance(admin.site._registry[AccessAttempt], LabelledAccessAttemptAdmin)
    assert issubclass(LabelledAccessAttemptAdmin, AccessAttemptAdmin)
    with translation.override("zh-hans"):
        assert str(AccessAttempt._meta.verbose_name) == "登录尝试"
        assert gettext("Username") == "用户名"
        assert gettext("Yes") == "是"
