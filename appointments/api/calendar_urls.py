from django.urls import path

from .calendar_views import DueDateView, YearDaysView

urlpatterns = [
    path("calendar/due-date/", DueDateView.as_view(), name="calendar-due-date"),
    path("calendar/days/", YearDaysView.as_view(), name="calendar-days"),
]
