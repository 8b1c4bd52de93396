import factory

from catalog.constants import Channel, IPType, ItemLevel, MaterialForm
from catalog.models import Category, Material, ServiceItem


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = "apply"
    name = "申请服务"
    name_en = "Application services"
    order = 1


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"TEST-{n:03d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    name_en = factory.Sequence(lambda n: f"Test item {n}")
    category = factory.SubFactory(CategoryFactory)
    ip_type = IPType.PATENT
    level = ItemLevel.CITY
    legal_limit_days = 15
    promised_limit_days = 7
    channels = factory.LazyFunction(lambda: [Channel.WINDOW, Channel.ONLINE])
    guide = "办理指南（测试）"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    item = factory.SubFactory(ServiceItemFactory)
    name = factory.Sequence(lambda n: f"材料{n}")
    form = MaterialForm.ORIGINAL
    copies = 1
    required = True
    tolerable = False
    note = ""
    order = factory.Sequence(lambda n: n)
    is_example = False


def make_items(count, category, start=0, materials_per_item=2):
    """Many items (and their materials) in bulk: a few queries whatever the count."""
    items = ServiceItem.objects.bulk_create(
        ServiceItemFactory.build(
            code=f"BULK-{n:04d}", name=f"批量事项{n}", name_en=f"Bulk item {n}", category=category
        )
        for n in range(start, start + count)
    )
    Material.objects.bulk_create(
        MaterialFactory.build(item=item, name=f"材料{m}", order=m)
        for item in items
        for m in range(materials_per_item)
    )
    return items
