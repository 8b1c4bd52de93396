"""The beat schedule (ipservice/celery.py): every entry names a task a worker has, with arguments
the task accepts (STYLE habit 6), at the times the product promises, in Shanghai time; and the
settings that make tasks survive a worker's death."""

import inspect

import pytest
from celery.schedules import crontab
from django.conf import settings

from ipservice.celery import app

SCHEDULE = app.conf.beat_schedule


@pytest.fixture(scope="module", autouse=True)
def worker_modules():
    # What a worker imports at start: every app's tasks.py and the `imports` setting.
    app.loader.import_default_modules()


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_every_scheduled_task_exists_and_accepts_its_arguments(name):
    entry = SCHEDULE[name]
    task = app.tasks[entry["task"]]
    args, kwargs = entry.get("args", ()), entry.get("kwargs", {})
    signature = task.s(*args, **kwargs)
    assert signature.task == entry["task"]
    inspect.signature(task.run).bind(*args, **kwargs)
    assert isinstance(entry["schedule"], crontab)


def at(entry):
    schedule = SCHEDULE[entry]["schedule"]
    return sorted(schedule.hour), sorted(schedule.minute)


def test_the_schedule_keeps_the_products_promises():
    assert app.conf.timezone == "Asia/Shanghai"
    assert at("send-reminders") == ([18], [0])  # the evening before the working day
    assert at("send-material-reminders") == ([18], [0])
    assert at("send-deadline-digests") == ([8], [30])  # before the windows open
    assert at("send-rectification-alerts") == ([9], [0])
    assert sorted(SCHEDULE["send-stale-notices"]["schedule"].minute) == list(range(0, 60, 5))


def test_tasks_survive_a_dead_worker_and_never_wait_past_the_visibility_timeout():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_time_limit < visibility
    assert settings.NOTICE_RETRY_MAX_DELAY < visibility / 2


def test_every_setting_read_when_a_message_is_sent_is_written_out():
    """Each booking sends one message. A setting Celery reads then and we leave unset is looked
    for under several names through the Django settings (~10 µs each) before its default."""
    from celery.utils.collections import ConfigurationView

    read, original = [], ConfigurationView.__getitem__

    def recording(view, key):
        read.append(key)
        return original(view, key)

    send_notice = app.tasks["appointments.tasks.send_notice"]
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # send, do not run
    try:
        with app.connection_for_write("memory://localhost") as connection:
            send_notice.apply_async(args=[0], connection=connection)  # sets itself up once
            ConfigurationView.__getitem__ = recording
            send_notice.apply_async(args=[0], connection=connection)  # what each booking does
    finally:
        ConfigurationView.__getitem__ = original
        app.conf.task_always_eager = eager
    assert "task_default_queue" in read  # the recording saw the lookups
    unset = {key for key in read if not hasattr(settings, f"CELERY_{key.upper()}")}
    assert not unset, f"write these out in ipservice/settings.py: {sorted(unset)}"
