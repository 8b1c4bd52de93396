from django.shortcuts import render

from .models import ServiceItem


def item_list(request):
    return render(request, "catalog/item_list.html", {"items": ServiceItem.objects.published()})
