"""The Celery app: configuration from the CELERY_* settings, the beat schedule, and the sweep a
worker runs when it starts.

The schedule lives here, in code, so that it is reviewed and tested (tests/test_celery_beat.py)
like the rest. Times are Asia/Shanghai (CELERY_TIMEZONE). Every job is safe to run twice or
from two beat processes at once: what it sends is keyed in the Notice table.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

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
    # 容缺受理: the person's missing materials are due the next working day.
    "send-material-reminders": {
        "task": "appointments.tasks.send_material_reminders",
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
    # Online applications: files deleted APPLICATION_RETENTION_DAYS after closing (issue 14).
    "purge-application-files": {
        "task": "applications.tasks.purge_expired_files",
        "schedule": crontab(hour=3, minute=30),
    },
    # 好差评 rectifications due within a working day or overdue (working days only).
    "send-rectification-alerts": {
        "task": "reviews.alerts.send_rectification_alerts",
        "schedule": crontab(hour=9, minute=0),
    },
}


@worker_ready.connect
def send_what_a_dead_worker_left(sender, **kwargs):
    """A worker that starts (after a SIGKILL, a crash, a deploy) sends every queued notice at
    once, whether or not beat runs: a worker alone recovers without waiting for the broker's
    visibility timeout (CELERY_VISIBILITY_TIMEOUT), the last resort when no worker restarts."""
    sender.app.send_task("appointments.tasks.send_stale_notices", kwargs={"older_than": 0})
