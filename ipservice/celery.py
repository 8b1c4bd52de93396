"""The Celery app: configuration from the CELERY_* settings, and the beat schedule.

The schedule lives here, in code, so that it is reviewed and tested (tests/test_celery_beat.py)
like the rest. Times are Asia/Shanghai (CELERY_TIMEZONE). Every job is safe to run twice or
from two beat processes at once: what it sends is keyed in the Notice table.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipservice.settings")

app = Celery("ipservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules not named tasks.py, which autodiscovery would miss.
app.conf.imports = ("reviews.alerts",)

app.conf.beat_schedule = {
    # The reminder the working day before the appointment (Friday: Monday's, or a Sunday 调休's).
    "send-reminders": {
        "task": "appointments.tasks.send_reminders",
        "schedule": crontab(hour=18, minute=0),
    },
    # Notices whose task message was lost (broker down at commit, worker gone for good).
    "send-stale-notices": {
        "task": "appointments.tasks.send_stale_notices",
        "schedule": crontab(minute="*/5"),
    },
    "mark-no-shows": {
        "task": "appointments.tasks.mark_no_shows",
        "schedule": crontab(minute="*/15"),
    },
    # Window staff's morning email of cases near or past their deadline (working days only).
    "send-deadline-digests": {
        "task": "appointments.tasks.send_deadline_digests",
        "schedule": crontab(hour=8, minute=30),
    },
    # 好差评 rectifications due within a working day or overdue (working days only).
    "send-rectification-alerts": {
        "task": "reviews.alerts.send_rectification_alerts",
        "schedule": crontab(hour=9, minute=0),
    },
}
