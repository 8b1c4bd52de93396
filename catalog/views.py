from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .forms import CatalogFilterForm
from .models import ServiceItem


def get_published_item(code, queryset=None):
    """The published item with this code, or 404 (inactive items are not public)."""
    queryset = queryset if queryset is not None else ServiceItem.objects.all()
    return get_object_or_404(queryset.published(), code=code)


def group_windows_by_district(windows):
    """[(heading, [windows])]: city-level windows first, then one group per district.

    `windows` come ordered by level then district code (ServicePoint's ordering).
    """
    city = [w for w in windows if w.is_city_level]
    groups = [(_("City-level windows"), city)] if city else []
    by_district = {}
    for window in windows:
        if not window.is_city_level:
            by_district.setdefault(window.district, []).append(window)
    ordered = sorted(by_district.items(), key=lambda pair: pair[0].code if pair[0] else "")
    groups.extend(
        (district.display_name if district else _("Other"), ws) for district, ws in ordered
    )
    return groups


@require_GET
def item_list(request):
    form = CatalogFilterForm(request.GET)
    form.is_valid()  # invalid filters are reported on the page and left out
    # Queries: categories, districts (filter choices), items with their category.
    items = list(form.filter(ServiceItem.objects.published().for_cards()))
    context = {"form": form, "items": items, "filtered": bool(request.GET)}
    return render(request, "catalog/item_list.html", context)


def _detail_context(code):
    item = get_published_item(code, ServiceItem.objects.with_details())
    materials = item.materials.all()
    return {
        "item": item,
        "materials": materials,
        "has_examples": any(m.is_example for m in materials),
        "window_groups": group_windows_by_district(item.active_windows),
    }


@require_GET
def item_detail(request, code):
    return render(request, "catalog/item_detail.html", _detail_context(code))


@require_GET
def item_checklist(request, code):
    return render(request, "catalog/item_checklist.html", _detail_context(code))
