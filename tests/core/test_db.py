"""ipservice.db: the booking's single-row INSERTs write what Model.save() would write."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.forms.models import model_to_dict

from appointments.constants import Action, Channel, Status
from appointments.models import Case, CaseEvent, Notice
from ipservice.db import insert, insert_unless_taken
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def new_case(reference):
    return Case(
        reference=reference,
        window=ServicePointFactory(),
        item=ServiceItemFactory(),
        channel=Channel.BOOKING,
        status=Status.BOOKED,
        name="张三",
        phone="13900000001",
        id_type="resident_id",
        id_number="310104199001011234",
    )


def row(instance):
    """Every column of the row as read back from the database, timestamps aside."""
    fresh = type(instance).objects.get(pk=instance.pk)
    data = model_to_dict(fresh, exclude=["created_at", "updated_at", "at", "missing_materials"])
    return data


def test_insert_writes_the_row_save_would_write():
    by_insert = insert(new_case("DB0000000001"))
    by_save = new_case("DB0000000002")
    by_save.save(force_insert=True)
    assert by_insert.pk and not by_insert._state.adding
    mine, theirs = row(by_insert), row(by_save)
    for data in (mine, theirs):
        data.pop("id"), data.pop("reference"), data.pop("window"), data.pop("item")
    assert mine == theirs
    fresh = Case.objects.get(pk=by_insert.pk)
    assert fresh.created_at and fresh.updated_at  # auto_now_add / auto_now applied
    assert (fresh.email, fresh.reject_reason, fresh.is_demo) == ("", "", False)  # defaults


def test_a_duplicate_unique_value_fails_as_with_save():
    insert(new_case("DB0000000003"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(new_case("DB0000000003"))


@pytest.mark.postgres
def test_insert_unless_taken_inserts_once():
    first = Notice(key="db:test", channel="sms", recipient="13900000001", template="t", body="b")
    second = Notice(key="db:test", channel="sms", recipient="13900000002", template="t", body="c")
    assert insert_unless_taken(first, "key") is True
    assert insert_unless_taken(second, "key") is False
    assert second.pk is None
    assert Notice.objects.get(key="db:test").recipient == "13900000001"


def test_a_model_with_receivers_is_saved_by_the_orm_so_none_is_skipped():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.action, created))

    post_save.connect(receiver, sender=CaseEvent, dispatch_uid="test-db-receiver")
    try:
        event = insert(CaseEvent(case=CaseFactory(), action=Action.CREATE, to_status="booked"))
    finally:
        post_save.disconnect(sender=CaseEvent, dispatch_uid="test-db-receiver")
    assert heard == [(Action.CREATE, True)]
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_insert_unless_taken_with_receivers_goes_through_the_orm():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append(instance.key)

    post_save.connect(receiver, sender=Notice, dispatch_uid="test-db-notice-receiver")
    try:
        fields = {"channel": "sms", "recipient": "13900000001", "template": "t", "body": "b"}
        assert insert_unless_taken(Notice(key="db:orm", **fields), "key") is True
        assert insert_unless_taken(Notice(key="db:orm", **fields), "key") is False
    finally:
        post_save.disconnect(sender=Notice, dispatch_uid="test-db-notice-receiver")
    assert heard == ["db:orm"]
    assert Notice.objects.filter(key="db:orm").count() == 1


def test_an_instance_with_its_primary_key_set_is_saved_by_the_orm():
    case = new_case("DB0000000009")
    case.pk = 987654
    insert(case)
    assert Case.objects.get(pk=987654).reference == "DB0000000009"
