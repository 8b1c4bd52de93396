from django.shortcuts import render

from .models import District


def directory(request):
    return render(request, "windows/directory.html", {"districts": District.objects.all()})


def network(request):
    return render(request, "windows/directory.html", {"districts": District.objects.all()})
