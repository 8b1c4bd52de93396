"""The rules of an online application (网上办), from submission to the result (issue 14).

Pages (views.py) and the API (api/) call these functions only. Every change runs in one
transaction with the application's row locked, writes one ApplicationEvent (the timeline) and
queues its notice to the applicant in that transaction (appointments.outbox): by SMS, and by
email too when the applicant gave an address, written in the language they applied in
(Application.language, as a booking's) whoever acts. A wrong state raises WrongState (409 in
the API).

Acceptance makes the window's case (appointments.cases: channel online, the legal and promised
limits counted from acceptance; the applicant's email and language); completing the application
completes that case, so the rating invitation follows as for a case at the window
(appointments.signals.case_completed), in the applicant's language.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from appointments import cases, notices, texts, workdays
from appointments.constants import Channel as CaseChannel
from appointments.constants import Status as CaseStatus
from appointments.exceptions import TransitionNotAllowed
from appointments.references import make_reference
from ipservice import dates

from .constants import Action, Delivery, LimitUnit, Review, Status
from .exceptions import WrongState
from .models import Application, ApplicationEvent, PrereviewLimit, Submission

TOKEN_SALT = "applications.status-link"
PREFIX = "WB"  # 网办

# action -> (statuses it may start from, status it leads to)
TRANSITIONS = {
    Action.RETURN: ((Status.PREREVIEW,), Status.CORRECTION),
    Action.RESUBMIT: ((Status.CORRECTION,), Status.PREREVIEW),
    Action.ACCEPT: ((Status.PREREVIEW,), Status.ACCEPTED),
    Action.ACCEPT_PENDING: ((Status.PREREVIEW,), Status.ACCEPTED),
    Action.REJECT: ((Status.PREREVIEW,), Status.REJECTED),
    Action.SHIP: ((Status.ACCEPTED,), Status.SENT),
    Action.COMPLETE: ((Status.ACCEPTED, Status.SENT), Status.DONE),
}
# The actions of the clerk of the handling window (pages and POST /applications/{id}/{action}/).
STAFF_ACTIONS = (
    Action.RETURN,
    Action.ACCEPT,
    Action.ACCEPT_PENDING,
    Action.REJECT,
    Action.SHIP,
    Action.COMPLETE,
)


def allowed_actions(application):
    actions = [a for a in STAFF_ACTIONS if application.status in TRANSITIONS[a][0]]
    if application.delivery == Delivery.POST and application.status == Status.ACCEPTED:
        actions.remove(Action.COMPLETE)  # by post: sent first, then delivered
    if application.delivery == Delivery.WINDOW and Action.SHIP in actions:
        actions.remove(Action.SHIP)
    return actions


# --- the private status link ----------------------------------------------------------------


def token(application):
    """The secret of the status link. Not stored: derived from the reference and SECRET_KEY,
    as a booking's (appointments.services.booking_token)."""
    return salted_hmac(TOKEN_SALT, application.reference).hexdigest()[:32]


def check_token(application, given):
    return isinstance(given, str) and constant_time_compare(token(application), given)


def get_for_token(reference, given):
    """The application if `given` is its token; the same 404 whether it exists or not."""
    application = (
        Application.objects.select_related("item", "window", "case")
        .filter(reference=str(reference)[:20])
        .first()
    )
    if application is None or not check_token(application, given):
        raise Http404("no such application")
    return application


def status_path(application):
    return reverse("applications:status", args=[application.reference])


def status_url(application):
    query = urlencode({"token": token(application)})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{status_path(application)}?{query}"


# --- access for staff -----------------------------------------------------------------------


def get_for_user(user, pk, *, handle=False):
    """The application if `user` may see it (its window's staff, the bureau), else 404, so
    that a stranger never learns it exists. With `handle`, the user must work at its window:
    the bureau reads every application but does not act on them (403)."""
    application = None
    if isinstance(pk, int) and 0 < pk < 2**63:
        application = (
            Application.objects.for_user(user)
            .select_related("item", "window", "case")
            .filter(pk=pk)
            .first()
        )
    if application is None:
        raise Http404("no such application")
    if handle and not cases.can_handle(user, application.window_id):
        raise PermissionDenied(_("Only staff of the handling window can act on it."))
    return application


# --- pre-review limits ------------------------------------------------------------------------


def prereview_due(item, start):
    """When the pre-review of an application of `item` started at `start` is due: the item's
    PrereviewLimit (working hours, workdays.add_working_hours; or working days: the end of the N-th
    working day after the day of submission), else APPLICATION_PREREVIEW_HOURS working hours."""
    limit = PrereviewLimit.objects.filter(item=item).first()
    if limit is None:
        return workdays.add_working_hours(start, settings.APPLICATION_PREREVIEW_HOURS)
    if limit.unit == LimitUnit.HOURS:
        return workdays.add_working_hours(start, limit.amount)
    due_day = workdays.add_working_days(dates.local_day(start), limit.amount)
    return dates.day_bounds(due_day)[1]


def prereview_state(application, now=None):
    """ "overdue", "near_due" (within APPLICATION_NEAR_DUE_HOURS) or "ok" while waiting for the
    clerk; None otherwise. The same words as cases' deadlines (appointments.deadlines)."""
    if application.status != Status.PREREVIEW:
        return None
    now = now or timezone.now()
    if application.prereview_due < now:
        return "overdue"
    if application.prereview_due < now + dt.timedelta(hours=settings.APPLICATION_NEAR_DUE_HOURS):
        return "near_due"
    return "ok"


# --- the timeline -----------------------------------------------------------------------------


def record_event(application, action, *, from_status="", actor=None, note=""):
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=application.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _move(application, action, *, actor=None, note="", **changes):
    """Apply `action` under a row lock (two clerks cannot both act); WrongState otherwise."""
    sources, target = TRANSITIONS[action]
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in sources or action not in (*allowed_actions(locked), Action.RESUBMIT):
        raise WrongState()
    from_status, now = locked.status, timezone.now()
    if from_status == Status.PREREVIEW:
        waited = (now - locked.prereview_started).total_seconds()
        locked.prereview_seconds += max(int(waited), 0)
    locked.status = target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    record_event(locked, action, from_status=from_status, actor=actor, note=note)
    return locked


# --- submitting -------------------------------------------------------------------------------


def submit(*, item, window, person, files, notes="", delivery=Delivery.WINDOW, address=""):
    """A new application; `person` holds name, phone, id_type, id_number, email; `files` maps
    Material rows to files.CleanFile. Returns it with its token's link queued by SMS (and by
    email when `person` has an address)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return _record(item, window, person, files, notes, delivery, address)
        except IntegrityError:
            continue  # a reference drawn at the same moment elsewhere: draw another
    raise IntegrityError("Could not draw a free application reference.")


def _record(item, window, person, files, notes, delivery, address):
    now = timezone.now()
    application = Application.objects.create(
        reference=make_reference(PREFIX),
        item=item,
        window=window,
        notes=notes,
        delivery=delivery,
        address=address if delivery == Delivery.POST else "",
        prereview_started=now,
        prereview_due=prereview_due(item, now),
        # The applicant's notices (and their case's) are written in the language of the page
        # or the API request they applied in, as a booking's (appointments.services.book).
        language=texts.supported_language(),
        **person,
    )
    store_files(application, files)
    record_event(application, Action.SUBMIT)
    _notify(application, "application_received")
    return application


def store_files(application, files):
    """One Submission per material, each file under a random name in the private storage."""
    for material, clean in files.items():
        Submission.objects.create(
            application=application,
            material=material,
            file=clean.as_django_file(),
            original_name=clean.name,
            content_type=clean.content_type,
            size=clean.size,
        )


def current_submissions(application):
    return application.submissions.filter(superseded_at=None).select_related("material")


def asked_materials(application):
    """The materials the clerk asked to correct in the last return (empty otherwise)."""
    if application.status != Status.CORRECTION:
        return []
    event = application.events.filter(action=Action.RETURN).order_by("-at", "-id").first()
    asked = event_reasons(event)
    materials = application.item.materials.filter(pk__in=asked)
    return [(m, asked[m.pk]) for m in materials]


def event_reasons(event):
    """{material id: reason} kept in a RETURN event (its `note`: one "id\treason" a line)."""
    reasons = {}
    for line in (event.note if event else "").splitlines():
        material_id, _tab, reason = line.partition("\t")
        if material_id.isdigit():
            reasons[int(material_id)] = reason
    return reasons


# --- pre-review -----------------------------------------------------------------------------


def clean_reasons(application, reasons):
    """{Material: reason} from {material id: reason}; ValidationError on `materials`."""
    if not isinstance(reasons, dict) or not reasons:
        raise ValidationError(
            {"materials": _("Name at least one material to correct, each with a reason.")}
        )
    by_id = {m.pk: m for m in application.item.materials.all()}
    chosen = {}
    for key, reason in reasons.items():
        material = by_id.get(int(key)) if str(key).isdigit() and len(str(key)) < 19 else None
        if material is None:
            raise ValidationError({"materials": _("Choose materials of this item's list.")})
        if not isinstance(reason, str) or not reason.strip():
            message = _("Say what to correct in %(material)s.") % {"material": material.name}
            raise ValidationError({"materials": message})
        # One line per material in the RETURN event (event_reasons): no line breaks inside.
        chosen[material] = " ".join(reason.split())[:500]
    return chosen


@transaction.atomic
def return_for_correction(application, actor, reasons):
    """补正, all at once (一次性告知): every material to correct with its reason; the others are
    fine. The applicant is told by SMS with the status link."""
    chosen = clean_reasons(application, reasons)
    note = "\n".join(f"{m.pk}\t{reason}" for m, reason in chosen.items())
    application = _move(
        application,
        Action.RETURN,
        actor=actor,
        note=note,
        corrections=application.corrections + 1,
        handled_by=actor,
    )
    for submission in current_submissions(application):
        asked = chosen.get(submission.material)
        submission.review = Review.CORRECT if asked else Review.FINE
        submission.reason = asked or ""
        submission.save(update_fields=["review", "reason"])
    _notify(application, "application_returned", reasons=chosen)
    return application


def clean_corrections(application, files):
    """The replacements must be exactly the materials asked for; ValidationError otherwise."""
    asked = {m for m, _reason in asked_materials(application)}
    errors = {}
    for material in asked - set(files):
        errors[f"material_{material.pk}"] = _("Upload the corrected %(material)s.") % {
            "material": material.name
        }
    for material in set(files) - asked:
        errors[f"material_{material.pk}"] = _("%(material)s was not asked to be corrected.") % {
            "material": material.name
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resubmit(application, files):
    """The applicant's replacements: the earlier files are kept, superseded; pre-review starts
    again with a new limit."""
    if application.status != Status.CORRECTION:
        raise WrongState()
    clean_corrections(application, files)
    now = timezone.now()
    application = _move(
        application,
        Action.RESUBMIT,
        prereview_started=now,
        prereview_due=prereview_due(application.item, now),
    )
    current_submissions(application).filter(material__in=list(files)).update(superseded_at=now)
    store_files(application, files)
    return application


def promised_materials(application):
    """The materials promised under 告知承诺 and not given yet: what the applicant may upload
    after acceptance (their case is pending until the clerk confirms them on the case)."""
    case = application.case
    if application.status != Status.ACCEPTED or case is None or case.status != CaseStatus.PENDING:
        return []
    given = application.events.filter(action=Action.PROMISED).values_list("note", flat=True)
    given_ids = {int(pk) for note in given for pk in note.split(",") if pk.isdigit()}
    return [m for m in case.missing_materials.all() if m.pk not in given_ids]


@transaction.atomic
def give_promised(application, files):
    """The applicant uploads materials promised under 告知承诺; the clerk then confirms them on
    the case (appointments.cases.accept: "the missing materials came")."""
    promised = set(promised_materials(application))
    if not promised:
        raise WrongState()
    unknown = set(files) - promised
    if not files or unknown:
        raise ValidationError(
            {"non_field_errors": _("Upload only the materials you promised to give.")}
        )
    locked = Application.objects.select_for_update().get(pk=application.pk)
    current_submissions(locked).filter(material__in=list(files)).update(
        superseded_at=timezone.now()
    )
    store_files(locked, files)
    note = ",".join(str(m.pk) for m in files)
    record_event(locked, Action.PROMISED, from_status=locked.status, note=note)
    return locked


def _open_case(application, actor):
    return cases.create_walk_in(
        window=application.window,
        item=application.item,
        channel=CaseChannel.ONLINE,
        actor=actor,
        **application.person(),
    )


def _mark_all_fine(application):
    current_submissions(application).update(review=Review.FINE, reason="")


@transaction.atomic
def accept(application, actor):
    """受理: the case is made (channel online) and accepted; its limits start today."""
    application = _move(application, Action.ACCEPT, actor=actor, decided_at=timezone.now())
    case = cases.accept(_open_case(application, actor), actor)
    application.case, application.handled_by = case, actor
    application.save(update_fields=["case", "handled_by"])
    _mark_all_fine(application)
    _notify(application, "application_accepted")
    return application


def missing_tolerable(application):
    """Tolerable materials of the item with no current file: what 告知承诺 may leave out."""
    given = current_submissions(application).values("material_id")
    return list(application.item.materials.filter(tolerable=True).exclude(pk__in=given))


@transaction.atomic
def accept_pending(application, actor, materials=None, materials_due=None):
    """告知承诺/容缺受理: accepted with tolerable materials missing (by default those not
    uploaded), on the applicant's commitment to give them by `materials_due`."""
    if application.status != Status.PREREVIEW:
        raise WrongState()
    if not materials:
        materials = missing_tolerable(application)
    chosen = cases.clean_pending(application.item, materials, materials_due)
    names = "、".join(m.name for m in chosen)
    note = _("Missing: %(materials)s; to be given by %(date)s") % {
        "materials": names,
        "date": materials_due.isoformat(),
    }
    application = _move(
        application,
        Action.ACCEPT_PENDING,
        actor=actor,
        note=note,
        decided_at=timezone.now(),
        commitment_due=materials_due,
    )
    case = cases.accept_pending(_open_case(application, actor), actor, chosen, materials_due)
    application.case, application.handled_by = case, actor
    application.save(update_fields=["case", "handled_by"])
    _mark_all_fine(application)
    _notify(application, "application_accepted")
    return application


@transaction.atomic
def reject(application, actor, reason):
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    application = _move(
        application,
        Action.REJECT,
        actor=actor,
        note=reason,
        reject_reason=reason[:2000],
        decided_at=timezone.now(),
        closed_at=timezone.now(),
        handled_by=actor,
    )
    _notify(application, "application_rejected")
    return application


# --- the result -------------------------------------------------------------------------------


@transaction.atomic
def ship(application, actor, courier, tracking):
    """快递发证: the result is posted; the applicant gets the courier and tracking number."""
    errors = {}
    courier = courier.strip() if isinstance(courier, str) else ""
    tracking = tracking.strip() if isinstance(tracking, str) else ""
    if not courier or len(courier) > 40:
        errors["courier"] = _("Give the courier (at most 40 characters).")
    if not tracking or len(tracking) > 40:
        errors["tracking"] = _("Give the tracking number (at most 40 characters).")
    if errors:
        raise ValidationError(errors)
    application = _move(
        application,
        Action.SHIP,
        actor=actor,
        note=f"{courier} {tracking}",
        courier=courier,
        tracking=tracking,
        shipped_at=timezone.now(),
    )
    _notify(application, "application_sent")
    return application


@transaction.atomic
def complete(application, actor):
    """Picked up at the window, or delivered by post: the case completes (and the invitation
    to rate it follows, appointments.signals.case_completed)."""
    application = _move(application, Action.COMPLETE, actor=actor, closed_at=timezone.now())
    try:
        cases.complete(application.case, actor)
    except TransitionNotAllowed as exc:
        raise WrongState(
            _("The case waits for the promised materials: accept them on the case first.")
        ) from exc
    return application


# --- notices ----------------------------------------------------------------------------------


def _notify(application, purpose, reasons=None):
    """The notice to the applicant, in the language they applied in (not the clerk's page's,
    nor the portal's in a task): the names of the item, window and materials included."""
    with notices.in_language_of(application):
        _queue_notice(application, purpose, reasons)


def _queue_notice(application, purpose, reasons):
    facts = {
        "reference": application.reference,
        "item": application.item.display_name,
        "window": application.window.display_name,
        "link": status_url(application),
        "reasons": [{"material": m.display_name, "reason": r} for m, r in (reasons or {}).items()],
        "case_reference": application.case.reference if application.case_id else "",
        "reason": application.reject_reason,
        "courier": application.courier,
        "tracking": application.tracking,
    }
    key = f"{purpose}:{application.reference}:{application.events.count()}"
    notices.queue_to_person(application, purpose, key, facts)
