"""Fixtures of the online applications' tests: an item handled online with a required, a
tolerable and an optional material, at two district windows; files stored in a temporary
private root."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.constants import Channel, ItemLevel
from tests.catalog.factories import CategoryFactory, MaterialFactory, ServiceItemFactory

from . import samples
from .storage import private_root  # noqa: F401 (autouse: every test its own root)

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _no_phone_code(settings):
    settings.PHONE_VERIFICATION = False


@pytest.fixture
def item(db):
    item = ServiceItemFactory(
        category=CategoryFactory(),
        level=ItemLevel.DISTRICT,
        channels=[Channel.WINDOW, Channel.ONLINE],
    )
    MaterialFactory(item=item, name="申请表", required=True, tolerable=False, order=1)
    MaterialFactory(item=item, name="身份证明", required=True, tolerable=True, order=2)
    MaterialFactory(item=item, name="其他说明", required=False, tolerable=False, order=3)
    return item


@pytest.fixture
def materials(item):
    return list(item.materials.order_by("order"))


def pdf(name="申请表.pdf"):
    return SimpleUploadedFile(name, samples.pdf_bytes(), content_type="application/pdf")


def jpg(name="id.jpg"):
    return SimpleUploadedFile(name, samples.image_bytes(), content_type="image/jpeg")


def person(**changes):
    return {
        "name": "张三",
        "phone": PHONE,
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "email": "",
        **changes,
    }


def body(item, window, materials, /, **changes):
    """What an applicant posts to POST /api/v1/applications/: the item, the window, the person,
    the result by post, a file for each of the two required materials. A change of None leaves
    that field out."""
    data = {
        "item": item.code,
        "window": str(window.pk),
        "name": "张三",
        "phone": PHONE,
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "delivery": "post",
        "address": "上海市徐汇区漕溪北路1号",
        f"material_{materials[0].pk}": pdf(),
        f"material_{materials[1].pk}": jpg(),
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}
