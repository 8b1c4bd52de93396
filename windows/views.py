from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from catalog.models import Category, ServiceItem
from ipservice import dates

from . import targets
from .constants import Kind, Level
from .forms import DirectoryFilterForm
from .models import District, ServicePoint, group_by_district


@require_GET
def home(request):
    """The portal's home page: search, the catalog's categories and the windows by district.

    It lives here because windows is the app that stands above the catalog (a window offers
    items); the project package (ipservice) depends on none of its apps."""
    context = {
        "categories": Category.objects.all(),
        "districts": District.objects.all(),
        "featured_items": ServiceItem.objects.published().select_related("category")[:6],
    }
    return render(request, "windows/home.html", context)


def public_points():
    """Active points with what their pages and API show, in a fixed number of queries:
    the points with their district, then their opening periods, then their published items."""
    items = ServiceItem.objects.published().select_related("category")
    return (
        ServicePoint.objects.active()
        .select_related("district")
        .prefetch_related(
            "opening_periods", Prefetch("items", queryset=items, to_attr="published_items")
        )
    )


def get_public_point(pk):
    """The active point, or 404 for an unknown or inactive one."""
    return get_object_or_404(public_points(), pk=pk)


@require_GET
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    points = public_points()
    chosen = {}
    if form.is_bound and form.is_valid():
        chosen = {k: v for k, v in form.cleaned_data.items() if v}
        if "district" in chosen:
            points = points.filter(district=chosen["district"])
        if "item" in chosen:
            points = points.filter(items=chosen["item"])
    districts = [chosen["district"]] if "district" in chosen else District.objects.all()
    context = {
        "form": form,
        "chosen_item": chosen.get("item"),
        "chosen_district": chosen.get("district"),
        **_by_district(points, districts),
    }
    return render(request, "windows/directory.html", context)


def _by_district(points, districts):
    """City-level points first, then one section per district (district level before park)."""
    groups = dict(
        group_by_district(sorted(points, key=lambda p: (p.level != Level.DISTRICT, p.pk)))
    )
    city = groups.pop(None, [])
    return {"city_points": city, "sections": [(d, groups.get(d, [])) for d in districts]}


@require_GET
def detail(request, pk):
    point = get_public_point(pk)
    return render(request, "windows/detail.html", {"point": point})


@require_GET
def network(request):
    points = ServicePoint.objects.active()
    # order_by() clears the model's ordering, which would otherwise split the groups.
    per_kind = dict(points.values_list("kind").annotate(n=Count("pk")).order_by())
    per_level = dict(points.values_list("level").annotate(n=Count("pk")).order_by())
    period = targets.period_for(dates.today())
    context = {
        "per_kind": [(label, per_kind.get(value, 0)) for value, label in Kind.choices],
        "per_level": [(label, per_level.get(value, 0)) for value, label in Level.choices],
        "total": sum(per_kind.values()),
        "progress": targets.measure(period.targets),
        "period": period,
        "period_over": period.is_over(dates.today()),
        "district_count": targets.SHANGHAI_DISTRICTS,
    }
    return render(request, "windows/network.html", context)
