from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .constants import COMPLAINT_ITEM_CODE
from .forms import CatalogFilterForm
from .models import ServiceItem


@require_GET
def item_list(request):
    form = CatalogFilterForm(request.GET)
    form.is_valid()  # invalid filters are reported on the page and left out
    # Queries: categories, districts (filter choices), items with their category.
    items = list(form.filter(ServiceItem.objects.published().for_cards()))
    context = {"form": form, "items": items, "filtered": bool(request.GET)}
    return render(request, "catalog/item_list.html", context)


def _detail_context(code):
    # Inactive items are not public: 404.
    item = get_object_or_404(ServiceItem.objects.published().with_materials(), code=code)
    materials = item.materials.all()
    # Queries: the item with its category, its materials, the active windows with their district.
    windows = item.windows.active().select_related("district")
    return {
        "item": item,
        "materials": materials,
        "has_examples": any(m.is_example for m in materials),
        "window_groups": windows.by_district(),
        "reports_online": item.code == COMPLAINT_ITEM_CODE,
    }


@require_GET
def item_detail(request, code):
    return render(request, "catalog/item_detail.html", _detail_context(code))


@require_GET
def item_checklist(request, code):
    return render(request, "catalog/item_checklist.html", _detail_context(code))
