import pytest

from catalog.constants import Channel, IPType, MaterialForm
from tests.catalog.factories import CategoryFactory, MaterialFactory, ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory
from windows.constants import Kind, Level


@pytest.fixture
def use_category(db):
    return CategoryFactory(code="use", name="运用服务", name_en="Utilization services", order=3)


@pytest.fixture
def pledge(db, use_category):
    """知识产权质押登记 as the reference catalog gives it: 7 working days cut to 3."""
    item = ServiceItemFactory(
        code="ip-pledge",
        name="知识产权质押登记",
        name_en="IP pledge registration",
        category=use_category,
        ip_type=IPType.GENERAL,
        legal_limit_days=7,
        promised_limit_days=3,
        channels=[Channel.WINDOW, Channel.ONLINE],
        fee="不收费",
        consult_phone="021-11112222",
        green_channel=True,
        guide="办理知识产权质押登记的指南。",
    )
    MaterialFactory(item=item, name="质押登记申请表", name_en="Application form", order=1)
    MaterialFactory(
        item=item,
        name="主合同复印件",
        name_en="Copy of the main contract",
        form=MaterialForm.COPY,
        copies=2,
        tolerable=True,
        note="加盖公章",
        order=2,
    )
    MaterialFactory(
        item=item,
        name="委托书",
        name_en="Power of attorney",
        required=False,
        is_example=True,
        order=3,
    )
    return item


@pytest.fixture
def pledge_windows(db, pledge):
    """A city window, a Xuhui window, a Huangpu window and an inactive one, all offering it."""
    xuhui = DistrictFactory(code="310104", name="徐汇区", name_en="Xuhui")
    huangpu = DistrictFactory(code="310101", name="黄浦区", name_en="Huangpu")
    city = ServicePointFactory(
        name="市知识产权局受理窗口",
        name_en="City acceptance window",
        level=Level.CITY,
        kind=Kind.ACCEPTANCE,
        district=huangpu,
        address="上海市黄浦区城市路1号",
    )
    in_xuhui = ServicePointFactory(
        name="徐汇区知识产权窗口", district=xuhui, address="上海市徐汇区漕溪北路1号"
    )
    in_huangpu = ServicePointFactory(
        name="黄浦区知识产权窗口", district=huangpu, address="上海市黄浦区人民路2号"
    )
    closed = ServicePointFactory(name="已撤销窗口", district=xuhui, active=False)
    for window in (city, in_xuhui, in_huangpu, closed):
        window.items.add(pledge)
    return {"city": city, "xuhui": in_xuhui, "huangpu": in_huangpu, "closed": closed}


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
