"""Citizen booking pages; included into the `appointments` namespace by appointments/urls.py."""

from django.urls import path

from . import booking, manage

urlpatterns = [
    path("book/", booking.book, name="book"),
    path("book/confirm/", booking.confirm, name="confirm"),
    path("booking/lookup/", manage.lookup, name="lookup"),
    path("booking/<slug:reference>/", manage.manage, name="manage"),
    path("booking/<slug:reference>/done/", manage.done, name="done"),
    path("booking/<slug:reference>/cancel/", manage.cancel, name="cancel"),
    path("booking/<slug:reference>/reschedule/", manage.reschedule, name="reschedule"),
    path("booking/<slug:reference>/calendar.ics", manage.calendar_file, name="ics"),
    path("booking/<slug:reference>/qr.png", manage.qr_code, name="qr"),
]
