import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import ServiceItem, validate_channels
from tests.catalog.factories import CategoryFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory

pytestmark = pytest.mark.django_db


def test_promised_limit_above_legal_is_refused_by_validation(item):
    item.legal_limit_days, item.promised_limit_days = 7, 8
    with pytest.raises(ValidationError) as excinfo:
        item.full_clean()
    assert "promised_limit_days" in excinfo.value.message_dict


def test_promised_limit_above_legal_is_refused_by_the_database(item):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(legal_limit_days=3, promised_limit_days=7)


@pytest.mark.parametrize(
    ("legal", "promised"), [(7, 3), (7, 7), (None, 3), (7, None), (None, None)]
)
def test_limits_that_are_allowed(item, legal, promised):
    item.legal_limit_days, item.promised_limit_days = legal, promised
    item.full_clean()


@pytest.mark.parametrize("value", [[], "window", ["window", "fax"], ["teleport"]])
def test_channels_validator_refuses(value):
    with pytest.raises(ValidationError):
        validate_channels(value)


def test_channels_validator_accepts_known_channels():
    validate_channels(["window", "online", "mail", "email"])


def test_bad_channel_fails_full_clean(item):
    item.channels = ["window", "pigeon"]
    with pytest.raises(ValidationError) as excinfo:
        item.full_clean()
    assert "channels" in excinfo.value.message_dict


def test_search_finds_a_chinese_keyword():
    category = CategoryFactory(code="use", name="运用服务")
    pledge = ServiceItemFactory(code="pledge", name="知识产权质押登记", category=category)
    ServiceItemFactory(name="专利资助申请", category=category)
    assert list(ServiceItem.objects.search("质押")) == [pledge]
    assert list(ServiceItem.objects.search("  ")) != [pledge]  # blank means everything


def test_search_with_spaces_needs_every_word():
    category = CategoryFactory(code="use", name="运用服务")
    application = ServiceItemFactory(code="patent-app", name="专利申请受理", category=category)
    ServiceItemFactory(name="专利权质押登记", category=category)
    ServiceItemFactory(name="商标注册申请", category=category)
    assert list(ServiceItem.objects.search("专利 申请")) == [application]
    assert list(ServiceItem.objects.search(" 专利\u3000申请 ")) == [application]  # full-width
    assert list(ServiceItem.objects.search("专利 不存在")) == []


def test_offered_in_district_needs_an_active_window_there(item):
    xuhui = DistrictFactory(code="310104", name="徐汇区")
    huangpu = DistrictFactory(code="310101", name="黄浦区")
    other = ServiceItemFactory(category=item.category)
    ServicePointFactory(district=xuhui).items.add(item, other)
    ServicePointFactory(district=xuhui).items.add(item)  # twice: still one row
    ServicePointFactory(district=huangpu, active=False).items.add(other)
    assert list(ServiceItem.objects.offered_in_district("310104")) == [item, other]
    assert list(ServiceItem.objects.offered_in_district("310101")) == []


def test_absolute_url_uses_the_code(item):
    assert item.get_absolute_url() == f"/catalog/{item.code}/"
