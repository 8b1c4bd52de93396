"""Citizen booking pages; included into the `appointments` namespace by appointments/urls.py."""

from django.urls import path

from . import booking

urlpatterns = [
    path("book/", booking.book, name="book"),
    path("book/confirm/", booking.confirm, name="confirm"),
    path("booking/lookup/", booking.lookup, name="lookup"),
    path("booking/<slug:reference>/", booking.manage, name="manage"),
    path("booking/<slug:reference>/done/", booking.done, name="done"),
    path("booking/<slug:reference>/cancel/", booking.cancel, name="cancel"),
    path("booking/<slug:reference>/reschedule/", booking.reschedule, name="reschedule"),
    path("booking/<slug:reference>/calendar.ics", booking.calendar_file, name="ics"),
    path("booking/<slug:reference>/qr.png", booking.qr_code, name="qr"),
]
