"""Staff accounts (issue 10): lockout after failed logins, expiring API tokens, session age."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # UserFactory's
TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
CASES = "/api/v1/cases/"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def ask_token(api, username, password, address="10.0.0.1"):
    body = {"username": username, "password": password}
    return api.post(TOKEN_URL, body, format="json", REMOTE_ADDR=address)


def page_login(client, url, username, password, address="10.0.0.1"):
    body = {"username": username, "password": password}
    return client.post(url, body, REMOTE_ADDR=address)


# --- lockout ----------------------------------------------------------------------------------


def test_the_token_endpoint_locks_an_account_after_five_failures(api, bureau):
    for _ in range(4):
        assert ask_token(api, "bureau", "wrong").status_code == 400
    response = ask_token(api, "bureau", "wrong")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and "锁定" in body["message"] and body["errors"] == {}
    # The right password no longer helps while the lock lasts...
    assert ask_token(api, "bureau", PASSWORD).status_code == 429
    # ...and works again once the cool-off (30 minutes) has passed.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert ask_token(api, "bureau", PASSWORD).status_code == 200


def test_the_lock_is_per_user_name_and_address(api, bureau, staff_a):
    for _ in range(5):
        ask_token(api, "bureau", "wrong", address="10.0.0.1")
    assert ask_token(api, "bureau", PASSWORD, address="10.0.0.1").status_code == 429
    assert ask_token(api, "bureau", PASSWORD, address="10.0.0.2").status_code == 200
    assert ask_token(api, staff_a.username, PASSWORD, address="10.0.0.1").status_code == 200


def test_behind_the_proxy_the_configured_header_is_the_address(api, bureau, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    for _ in range(5):
        api.post(
            TOKEN_URL,
            {"username": "bureau", "password": "wrong"},
            format="json",
            REMOTE_ADDR="172.18.0.2",
            HTTP_X_REAL_IP="203.0.113.7",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_the_login_page_locks_out_with_a_chinese_page(client, bureau):
    for _ in range(4):
        assert page_login(client, LOGIN_URL, "bureau", "wrong").status_code == 200
    response = page_login(client, LOGIN_URL, "bureau", "wrong")
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    response = page_login(client, LOGIN_URL, "bureau", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_counts_too(client, bureau):
    for _ in range(5):
        page_login(client, ADMIN_LOGIN_URL, "bureau", "wrong")
    assert page_login(client, ADMIN_LOGIN_URL, "bureau", PASSWORD).status_code == 429
    assert page_login(client, LOGIN_URL, "bureau", PASSWORD).status_code == 429


def test_the_lock_is_visible_and_liftable_in_the_admin(api, bureau):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    for _ in range(5):
        ask_token(api, "bureau", "wrong")
    attempt = AccessAttempt.objects.get(username="bureau")
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "bureau" in listing.content.decode()
    response = browser.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert ask_token(api, "bureau", PASSWORD).status_code == 200


def test_a_success_resets_the_count(client, bureau):
    for _ in range(4):
        page_login(client, LOGIN_URL, "bureau", "wrong")
    assert page_login(client, LOGIN_URL, "bureau", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        page_login(client, LOGIN_URL, "bureau", "wrong")
    assert page_login(client, LOGIN_URL, "bureau", PASSWORD).status_code == 302


# --- tokens -----------------------------------------------------------------------------------


def token_for(user):
    return ask_token(APIClient(), user.username, PASSWORD).json()["token"]


def cases_with(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get(CASES)


def test_a_token_stops_working_when_the_password_changes(bureau):
    token = token_for(bureau)
    assert cases_with(token).status_code == 200
    bureau.set_password("another-pass-word-456")
    bureau.save()
    response = cases_with(token)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "token_expired"
    assert not Token.objects.filter(key=token).exists()


def test_a_token_stops_working_when_the_account_is_deactivated(bureau):
    token = token_for(bureau)
    bureau.is_active = False
    bureau.save()
    assert cases_with(token).status_code in (401, 403)


def test_a_token_expires_after_the_idle_time(bureau, settings):
    settings.API_TOKEN_IDLE_MINUTES = 60
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(bureau)
        clock.shift(dt.timedelta(minutes=50))
        assert cases_with(token).status_code == 200  # in use: the idle time starts again
        clock.shift(dt.timedelta(minutes=50))
        assert cases_with(token).status_code == 200
        clock.shift(dt.timedelta(minutes=61))
        assert cases_with(token).status_code in (401, 403)
        # Asking again gives a new token that works.
        fresh = token_for(bureau)
        assert fresh != token and cases_with(fresh).status_code == 200


def test_a_token_made_in_the_admin_counts_from_its_creation(bureau, settings):
    settings.API_TOKEN_IDLE_MINUTES = 60
    with time_machine.travel(T0, tick=False) as clock:
        token = Token.objects.create(user=bureau)
        assert cases_with(token.key).status_code == 200
        clock.shift(dt.timedelta(minutes=61))
        assert cases_with(token.key).status_code in (401, 403)


def test_asking_again_within_the_idle_time_gives_the_same_token(bureau):
    assert token_for(bureau) == token_for(bureau)


# --- sessions ---------------------------------------------------------------------------------


def test_a_staff_session_ends_after_a_working_day(client, staff_a, settings):
    assert settings.SESSION_COOKIE_AGE <= 10 * 3600
    with time_machine.travel(T0, tick=False) as clock:
        assert page_login(client, LOGIN_URL, staff_a.username, PASSWORD).status_code == 302
        assert client.get("/staff/").status_code == 200
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get("/staff/")
        assert response.status_code == 302 and LOGIN_URL in response["Location"]


# --- demo accounts file -------------------------------------------------------------------------


def test_seed_demo_writes_the_accounts_file_for_its_owner_only(tmp_path, settings):
    import io
    import os
    import stat

    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accounts = tmp_path / "demo-accounts.txt"
    accounts.write_text("")
    os.chmod(accounts, 0o644)  # left readable by an older run
    call_command("seed_demo", accounts_file=str(accounts), stdout=io.StringIO())
    assert "bureau\t" in accounts.read_text()
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600


def test_seed_demo_creates_the_accounts_file_private(tmp_path):
    import io
    import stat

    from django.core.management import call_command

    accounts = tmp_path / "new-accounts.txt"
    call_command("seed_demo", accounts_file=str(accounts), stdout=io.StringIO())
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600


# --- forwarded headers --------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_IPS = ["172.28.0.10"]
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True


def test_x_forwarded_proto_from_the_proxy_is_believed(client, behind_proxy, https_only):
    response = client.get("/catalog/", REMOTE_ADDR="172.28.0.10", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_x_forwarded_proto_from_anyone_else_is_ignored(client, behind_proxy, https_only):
    response = client.get("/catalog/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https")
    # Not believed to be HTTPS: redirected to it.
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_x_real_ip_from_anyone_else_does_not_choose_the_locked_address(api, bureau, behind_proxy):
    for _ in range(5):
        api.post(
            TOKEN_URL,
            {"username": "bureau", "password": "wrong"},
            format="json",
            REMOTE_ADDR="172.28.0.10",
            HTTP_X_REAL_IP="203.0.113.7",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # A client reaching gunicorn directly cannot pick a fresh address with the header.
    spoofed = api.post(
        TOKEN_URL,
        {"username": "bureau", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_REAL_IP="192.0.2.1",
    )
    assert spoofed.status_code == 429


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env", [{"AXES_LOCKOUT_PARAMETERS": "username+password"}, {"AXES_FAILURE_LIMIT": "0"}]
)
def test_a_lockout_setting_that_makes_no_sense_is_refused(env):
    from tests.core.test_settings import run_manage

    result = run_manage("check", **env)
    assert result.returncode != 0
    assert next(iter(env)) in result.stderr


# --- a change of windows or role ends the tokens -------------------------------------------------


def test_a_token_stops_working_when_the_windows_change(staff_a, window_b):
    from windows.services import make_window_staff

    token = token_for(staff_a)
    assert cases_with(token).status_code == 200
    make_window_staff(staff_a, [window_b])
    assert cases_with(token).status_code in (401, 403)
    assert cases_with(token_for(staff_a)).status_code == 200


def test_a_token_stops_working_when_the_role_changes(staff_a):
    from windows.services import make_bureau_staff, make_window_staff

    token = token_for(staff_a)
    make_bureau_staff(staff_a)  # promoted: joins the bureau group, leaves the windows
    assert cases_with(token).status_code in (401, 403)
    bureau_token = token_for(staff_a)
    make_window_staff(staff_a, [])  # and back: leaves the bureau group
    assert cases_with(bureau_token).status_code in (401, 403)


def test_leaving_the_bureau_group_from_the_group_side_ends_the_token(bureau):
    from django.contrib.auth.models import Group

    from windows.constants import BUREAU_GROUP

    token = token_for(bureau)
    Group.objects.get(name=BUREAU_GROUP).user_set.clear()
    assert cases_with(token).status_code in (401, 403)


def test_a_colleague_s_change_leaves_a_token_alone(staff_a, staff_b, window_a):
    from windows.services import make_window_staff

    token = token_for(staff_a)
    make_window_staff(staff_b, [window_a])
    assert cases_with(token).status_code == 200
