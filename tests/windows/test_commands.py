import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from catalog.models import Category, Material, ServiceItem
from tests.applications.storage import private_root  # noqa: F401 (seed_demo's demo files)
from tests.windows.factories import ServicePointFactory, UserFactory, registry_snapshot
from windows.constants import BUREAU_GROUP, Kind, Level, Role
from windows.hours import format_hours
from windows.models import District, ServicePoint, StaffMembership
from windows.services import BUREAU_APPS, ensure_bureau_group

pytestmark = pytest.mark.django_db

User = get_user_model()


def seed(tmp_path, *args):
    out = io.StringIO()
    call_command("seed_demo", *args, accounts_file=str(tmp_path / "accounts.txt"), stdout=out)
    return out.getvalue()


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def passwords():
    return dict(User.objects.values_list("username", "password"))


# --- seed_demo -------------------------------------------------------------------------------


def test_seed_twice_gives_the_same_data(tmp_path, fast_passwords):
    first_output = seed(tmp_path)
    counts, hashes, registry = row_counts(), passwords(), registry_snapshot()
    lines = (tmp_path / "accounts.txt").read_text().splitlines()
    second_output = seed(tmp_path)
    assert row_counts() == counts
    assert registry_snapshot() == registry
    assert passwords() == hashes
    assert (tmp_path / "accounts.txt").read_text().splitlines() == lines
    # First run: the bureau and one account per window, each printed with its password.
    assert len(lines) == 1 + ServicePoint.objects.count() == 23
    for line in lines:
        username, password = line.split("\t")
        assert f"{username}\t{password}" in first_output
        assert User.objects.get(username=username).check_password(password)
    assert "bureau\t" not in second_output


def test_seed_loads_the_reference_data(tmp_path, fast_passwords):
    seed(tmp_path)
    assert District.objects.count() == 16
    assert District.objects.get(code="310115").name_en == "Pudong New Area"
    assert Category.objects.count() == 6
    assert ServiceItem.objects.count() == 23
    assert set(Category.objects.values_list("name", flat=True)) == {
        "申请服务",
        "管理服务",
        "信息服务",
        "法律服务",
        "运用服务",
        "保护服务",
    }
    city_names = set(ServicePoint.objects.filter(level=Level.CITY).values_list("name", flat=True))
    assert {
        "国家知识产权局专利局上海代办处窗口",
        "国家知识产权局商标局上海商标受理窗口",
        "上海市知识产权局专利资助窗口",
        "综合业务窗口",
    } <= city_names
    for district in District.objects.all():
        window = ServicePoint.objects.get(
            district=district, level=Level.DISTRICT, kind=Kind.COMPREHENSIVE
        )
        assert window.name == f"{district.name}政务服务中心知识产权公共服务窗口"


def test_time_limits_only_where_the_reference_gives_them(tmp_path, fast_passwords):
    seed(tmp_path)
    limits = {
        code: (legal, promised)
        for code, legal, promised in ServiceItem.objects.values_list(
            "code", "legal_limit_days", "promised_limit_days"
        )
        if legal or promised
    }
    assert limits == {
        "patent-subsidy": (15, 7),
        "ip-pledge": (7, 3),
        "patent-license-recordal": (7, None),
    }


def test_every_item_is_offered_where_the_reference_says(tmp_path, fast_passwords):
    seed(tmp_path)
    for item in ServiceItem.objects.all():
        assert item.windows.filter(active=True).exists(), item.code
    district_windows = ServicePoint.objects.filter(level=Level.DISTRICT, kind=Kind.COMPREHENSIVE)
    moved_down = ServiceItem.objects.get(code="patent-license-recordal")
    assert moved_down.windows.filter(pk__in=district_windows).count() == 16
    assert moved_down.windows.filter(level=Level.CITY).exists()
    assert (
        not ServiceItem.objects.get(code="patent-subsidy")
        .windows.filter(level=Level.DISTRICT)
        .exists()
    )
    for code in ("ip-search-analysis", "ip-risk-alert"):
        kinds = set(ServiceItem.objects.get(code=code).windows.values_list("kind", flat=True))
        assert kinds == {Kind.INFORMATION}


def test_demo_records_are_marked(tmp_path, fast_passwords):
    seed(tmp_path)
    for point in ServicePoint.objects.all():
        assert point.is_demo
        assert "示例" in point.address and "示例" in point.phone
        assert format_hours(point.opening_periods.all()) == "1-5 09:00-12:00,13:30-17:00"
    assert Material.objects.exists()
    assert not Material.objects.filter(is_example=False).exists()
    contract = ServiceItem.objects.get(code="patent-license-recordal")
    assert {"申请书", "身份证明", "委托书", "合同原件"} == set(
        contract.materials.values_list("name", flat=True)
    )
    assert not contract.materials.get(name="委托书").required


def test_demo_staff_accounts(tmp_path, fast_passwords):
    seed(tmp_path)
    xuhui = User.objects.get(username="staff-310104")
    assert not xuhui.is_staff
    assert list(ServicePoint.objects.for_user(xuhui).values_list("code", flat=True)) == [
        "district-310104"
    ]
    assert StaffMembership.objects.get(user=xuhui).role == Role.STAFF
    assert User.objects.get(username="staff-city-patent").memberships.get().window.code == (
        "city-patent"
    )
    bureau = User.objects.get(username="bureau")
    assert bureau.is_staff and bureau.groups.filter(name=BUREAU_GROUP).exists()
    assert bureau.has_perm("windows.change_servicepoint")
    assert bureau.has_perm("catalog.add_serviceitem")


def test_seed_keeps_the_bureaus_corrections(tmp_path, fast_passwords):
    seed(tmp_path)
    window = ServicePoint.objects.get(code="district-310104")
    window.address = "上海市徐汇区某路1号"
    window.counters = 5
    window.save()
    item = ServiceItem.objects.get(code="ip-securitization")
    item.promised_limit_days = 10
    item.save()
    user = User.objects.get(username="staff-310104")
    user.set_password("changed-by-the-person-1")
    user.save()
    seed(tmp_path)
    window.refresh_from_db()
    assert (window.address, window.counters) == ("上海市徐汇区某路1号", 5)
    assert ServiceItem.objects.get(code="ip-securitization").promised_limit_days == 10
    assert User.objects.get(username="staff-310104").check_password("changed-by-the-person-1")


def test_seed_history_makes_past_cases_ratings_and_rectifications_once(tmp_path, fast_passwords):
    from appointments.models import Case
    from reviews.models import Rating, Rectification
    from reviews.stats import compute_stats

    seed(tmp_path, "--history", "300")
    counts = row_counts()
    assert Case.objects.filter(is_demo=True).count() == 300
    assert Rating.objects.filter(is_demo=True).exists()
    bad = Rating.objects.filter(score__lte=2).count()
    assert Rectification.objects.count() == bad
    # Every closed rectification has its reply step (the rule the pages enforce).
    for rect in Rectification.objects.filter(status="closed"):
        assert rect.steps.filter(kind="reply").exists()
    assert not Case.objects.filter(is_demo=False).exists()

    seed(tmp_path, "--history", "300")  # idempotent
    assert row_counts() == counts

    years = {c.created_at.year for c in Case.objects.all()}
    assert any(compute_stats(year)["ratings"] for year in years)


# --- create_staff ----------------------------------------------------------------------------


def create_staff(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_staff", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_create_window_staff(window_a, window_b, fast_passwords):
    output = create_staff(
        "zhang",
        "--password",
        "s3cret-pass-word",
        "--window",
        str(window_a.pk),
        "--window",
        str(window_b.pk),
    )
    user = User.objects.get(username="zhang")
    assert user.check_password("s3cret-pass-word")
    assert not user.is_staff
    assert set(ServicePoint.objects.for_user(user)) == {window_a, window_b}
    assert window_a.name in output


def test_create_bureau_staff(fast_passwords):
    create_staff("wang", "--password", "s3cret-pass-word", "--bureau")
    user = User.objects.get(username="wang")
    assert user.is_staff and user.groups.filter(name=BUREAU_GROUP).exists()
    for perm in ("catalog.change_serviceitem", "windows.add_servicepoint", "windows.view_district"):
        assert user.has_perm(perm), perm


def test_an_existing_user_gets_the_new_password_and_windows(window_a, window_b, fast_passwords):
    create_staff("li", "--password", "first-pass-word-1", "--window", str(window_a.pk))
    create_staff("li", "--password", "second-pass-word-2", "--window", str(window_b.pk))
    user = User.objects.get(username="li")
    assert user.check_password("second-pass-word-2")
    assert list(ServicePoint.objects.for_user(user)) == [window_b]
    create_staff("li", "--password", "third-pass-word-3", "--bureau")
    user = User.objects.get(username="li")
    assert user.is_staff and not user.memberships.exists()
    create_staff("li", "--password", "fourth-pass-word-4", "--window", str(window_a.pk))
    user = User.objects.get(username="li")
    assert not user.is_staff and not user.groups.filter(name=BUREAU_GROUP).exists()


def test_unknown_window_is_a_clear_error(window_a, fast_passwords):
    with pytest.raises(CommandError, match="99999"):
        create_staff("zhao", "--password", "p-a-s-s-w-o-r-d", "--window", "99999")
    assert not User.objects.filter(username="zhao").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["zhao", "--password", "pw"],  # neither --window nor --bureau
        ["zhao", "--password", "pw", "--bureau", "--window", "1"],  # both
        ["zhao", "--bureau"],  # no password
        ["zhao", "--password", "pw", "--window", "one"],  # not an id
    ],
)
def test_bad_arguments_are_refused(args, window_a):
    with pytest.raises(CommandError):
        create_staff(*args)
    assert not User.objects.filter(username="zhao").exists()


@pytest.mark.parametrize("password", ["123", "password", "sun"])
def test_a_weak_password_is_refused(window_a, password, fast_passwords):
    # Issue 10: refused, not accepted with a warning; nothing is created.
    with pytest.raises(CommandError, match="密码"):
        create_staff("sun", "--password", password, "--window", str(window_a.pk))
    assert not User.objects.filter(username="sun").exists()


def test_a_weak_password_leaves_an_existing_account_as_it_was(window_a, window_b, fast_passwords):
    create_staff("sun", "--password", "first-pass-word-1", "--window", str(window_a.pk))
    with pytest.raises(CommandError):
        create_staff("sun", "--password", "123", "--window", str(window_b.pk))
    user = User.objects.get(username="sun")
    assert user.check_password("first-pass-word-1")
    assert list(ServicePoint.objects.for_user(user)) == [window_a]


def test_bureau_group_has_every_permission_of_the_apps():
    group = ensure_bureau_group()
    expected = set(Permission.objects.filter(content_type__app_label__in=BUREAU_APPS))
    assert set(group.permissions.all()) == expected
    assert {"catalog", "windows"} <= {p.content_type.app_label for p in expected}
    ensure_bureau_group()
    assert Group.objects.filter(name=BUREAU_GROUP).count() == 1


def test_a_superuser_given_windows_keeps_admin_access(window_a, fast_passwords):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    create_staff("root", "--password", "pass-word-root-1", "--window", str(window_a.pk))
    assert User.objects.get(username="root").is_staff


def test_demo_windows_have_ids_create_staff_accepts(tmp_path, fast_passwords):
    seed(tmp_path)
    window = ServicePoint.objects.get(code="city-general")
    create_staff("chen", "--password", "pass-word-chen-1", "--window", str(window.pk))
    assert list(ServicePoint.objects.for_user(User.objects.get(username="chen"))) == [window]


def test_factories_build_what_the_commands_expect():
    point = ServicePointFactory()
    assert point.opening_periods.count() == 10
