"""What every SMS and email says: one registry of purposes, their templates and the bureau's
overrides.

Each text is a file under templates/messages/, one per language, purpose and channel:

    templates/messages/zh_Hans/booked.sms.txt
    templates/messages/en/booked.email.txt

An email file holds the subject on its first line, then a blank line, then the body. The files
are the defaults; the bureau may override a text in the admin (MessageTemplate), and an active
override for the purpose, channel and language wins over the file. Deactivating or deleting it
brings the file back. A text is rendered in the active language: the request's for what a person
has just done, the portal's default (Chinese) in tasks.

Files and overrides are written in a small part of the Django template language: {{ placeholder }}
with the filters of ALLOWED_FILTERS, {% if %}, {% for %} and {% comment %}. Only the placeholders
declared for the purpose in PURPOSES may be used, and they are the only values a template is given
(plain strings, numbers and lists of them), so a text cannot reach anything else; no tag loads a
library, includes or extends a template. Texts are plain: nothing is HTML-escaped.

Every SMS begins with the portal's signature in 【】 (settings.SMS_SIGNATURE), added here to
the file's or the bureau's text, which leave it out. The signature is Chinese, so every SMS is
sent in UCS-2: one segment holds SMS_SEGMENT (70) characters, a longer message is split into
parts of SMS_PART (67). Each purpose has a budget of segments (Purpose.sms_segments): one for a
message without a link, two for one with a link (a private link alone is some 85 characters);
tests/appointments/test_sms_texts.py renders every text with realistic values against it.
A text is written in the person's language: the booking's, the report's or the application's
`language`.
"""

import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType, VariableNode
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .constants import NoticeChannel
from .models import MessageTemplate

SMS, EMAIL = NoticeChannel.SMS, NoticeChannel.EMAIL
FOLDER = settings.BASE_DIR / "templates" / "messages"
# Characters of one UCS-2 SMS, and of each part of a longer one (the rest carries the joining).
SMS_SEGMENT, SMS_PART = 70, 67


@dataclass(frozen=True)
class Placeholder:
    help: str
    sample: object


@dataclass(frozen=True)
class Purpose:
    """A kind of message: what it is for, the channels it goes by and the placeholders its
    texts may use (each with a sample value for the admin's preview). A placeholder whose
    sample is a list of dicts is looped over; its items offer the dicts' keys.
    `sms_segments`: how many SMS segments its SMS may take, signature and links counted."""

    name: str
    label: str
    channels: tuple
    placeholders: dict = field(default_factory=dict)
    sms_segments: int = 1


BOOKING_FACTS = {
    "reference": Placeholder(_("booking reference"), "YY26A7K3Q2"),
    "item": Placeholder(_("service item"), "专利实施许可合同备案"),
    "window": Placeholder(_("window"), "徐汇区知识产权公共服务窗口"),
    "address": Placeholder(_("window address"), "上海市徐汇区漕溪北路1号"),
    "window_phone": Placeholder(_("window telephone"), "021-64870000"),
    "time": Placeholder(_("appointment time"), "2026-09-30 14:00–14:30"),
    "when": Placeholder(_("appointment day and time, short (for an SMS)"), "9月30日 14:00"),
    "url": Placeholder(
        _("link to see, change or cancel the booking"),
        "https://ip.example.gov.cn/booking/YY26A7K3Q2/?token=9f3a0c6e5b7d4e21a8c3f0b19d2e7a64",
    ),
    "portal": Placeholder(_("portal address"), "https://ip.example.gov.cn/"),
}

PENDING_FACTS = {
    "reference": Placeholder(_("case reference"), "YY26A7K3Q2"),
    "item": BOOKING_FACTS["item"],
    "window": BOOKING_FACTS["window"],
    "address": BOOKING_FACTS["address"],
    "window_phone": BOOKING_FACTS["window_phone"],
    "materials": Placeholder(_("the missing materials"), "授权委托书、身份证明复印件"),
    "due": Placeholder(_("date to bring them by"), "2026-10-09"),
}

RECTIFICATION_FACTS = {
    "id": Placeholder(_("rectification number"), 42),
    "window": Placeholder(_("window"), "徐汇区知识产权公共服务窗口"),
    "reference": Placeholder(_("case reference"), "YY26A7K3Q2"),
    "score": Placeholder(_("score given"), 1),
    "opened": Placeholder(_("date of the rating"), "2026-09-24"),
    "due": Placeholder(_("rectify-by date"), "2026-10-22"),
    "status": Placeholder(_("stage"), "回访"),
    "late": Placeholder(_("working days overdue"), 3),
    "url": Placeholder(_("link to the rectification"), "https://ip.example.gov.cn/rect/42/"),
}

_PURPOSES = [
    Purpose("booked", _("Booking confirmed"), (SMS, EMAIL), BOOKING_FACTS, sms_segments=2),
    Purpose("rescheduled", _("Booking moved"), (SMS, EMAIL), BOOKING_FACTS, sms_segments=2),
    Purpose("cancelled", _("Booking cancelled"), (SMS, EMAIL), BOOKING_FACTS),
    Purpose("remind", _("Appointment reminder"), (SMS, EMAIL), BOOKING_FACTS, sms_segments=2),
    Purpose(
        "booking_link",
        _("Link to manage a booking (looked up)"),
        (SMS,),
        {
            "reference": BOOKING_FACTS["reference"],
            "link": BOOKING_FACTS["url"],
        },
        sms_segments=2,
    ),
    Purpose(
        "booking_links",
        _("Links to manage the bookings of a phone and ID number (looked up)"),
        (SMS,),
        {
            "bookings": Placeholder(
                _("the active bookings (each: reference, time, link)"),
                [
                    {
                        "reference": "YY26A7K3Q2",
                        "time": "2026-09-30 14:00",
                        "link": "https://ip.example.gov.cn/booking/YY26A7K3Q2/?token=9f3a…",
                    }
                ],
            ),
        },
        # Two for one booking; each further one (up to MAX_ACTIVE_BOOKINGS_PER_PHONE) adds a link.
        sms_segments=2,
    ),
    Purpose(
        "pending_accepted",
        _("Accepted with materials missing (容缺受理): what to bring, by when"),
        (SMS,),
        PENDING_FACTS,
    ),
    Purpose(
        "materials_remind",
        _("Reminder: missing materials due the next working day"),
        (SMS,),
        PENDING_FACTS,
    ),
    Purpose(
        "phone_code",
        _("Verification code for a mobile number"),
        (SMS,),
        {
            "code": Placeholder(_("the 6-digit code"), "493817"),
            "minutes": Placeholder(_("minutes the code is valid"), 5),
        },
    ),
    Purpose(
        "deadline_digest",
        _("Cases near or past their deadline (to window staff)"),
        (EMAIL,),
        {
            "window": Placeholder(_("window"), "徐汇区知识产权公共服务窗口"),
            "date": Placeholder(_("date"), "2026-10-09"),
            "count": Placeholder(_("number of cases"), 2),
            "cases": Placeholder(
                _("the cases (each: label, due, reference, name, item, url)"),
                [
                    {
                        "label": "已超期",
                        "due": "2026-10-08",
                        "reference": "YY26A7K3Q2",
                        "name": "张*",
                        "item": "专利实施许可合同备案",
                        "url": "https://ip.example.gov.cn/staff/cases/7/",
                    },
                    {
                        "label": "临近期限",
                        "due": "2026-10-10",
                        "reference": "WI26B8M4R5",
                        "name": "李**",
                        "item": "商标注册申请",
                        "url": "https://ip.example.gov.cn/staff/cases/9/",
                    },
                ],
            ),
        },
    ),
    Purpose(
        "rectification_due_soon",
        _("Rectification due soon (to supervisors and the bureau)"),
        (EMAIL,),
        RECTIFICATION_FACTS,
    ),
    Purpose(
        "rectification_overdue",
        _("Rectification overdue (to supervisors and the bureau)"),
        (EMAIL,),
        RECTIFICATION_FACTS,
    ),
    Purpose(
        "complaint_received",
        _("Report received (办不成事)"),
        (SMS,),
        {
            "reference": Placeholder(_("report reference"), "TS26C9N5S6"),
            "due": Placeholder(_("reply-by date"), "2026-10-16"),
            "link": Placeholder(
                _("link to look it up"), "https://ip.example.gov.cn/complaints/lookup/"
            ),
        },
        sms_segments=2,
    ),
    Purpose(
        "complaint_closed",
        _("Report handled"),
        (SMS,),
        {
            "reference": Placeholder(_("report reference"), "TS26C9N5S6"),
            "reply": Placeholder(_("the bureau's reply"), "已协调窗口当日办结。"),
        },
        # The reply is the bureau's own words (up to 200 characters): two segments for a short one.
        sms_segments=2,
    ),
    Purpose(
        "review_invite",
        _("Invitation to rate the service"),
        (SMS,),
        {
            "item": BOOKING_FACTS["item"],
            "window": BOOKING_FACTS["window"],
            "reference": BOOKING_FACTS["reference"],
            "link": Placeholder(
                _("the person's private link to rate"),
                "https://ip.example.gov.cn/rate/YY26A7K3Q2/?token=9f3a0c6e5b7d4e21a8c3f0b19d2e7a64",
            ),
        },
        sms_segments=2,
    ),
]
_PURPOSES.append(
    Purpose(
        "queue_near",
        _("Queue ticket: the turn is near (hall)"),
        (SMS,),
        {
            "number": Placeholder(_("ticket number"), "A012"),
            "window": BOOKING_FACTS["window"],
            "ahead": Placeholder(_("people ahead"), 3),
            "url": Placeholder(
                _("link to the ticket's status"), "https://ip.example.gov.cn/tickets/42/?token=…"
            ),
        },
        sms_segments=2,
    )
)


# Online applications (the applications app): one set of facts for each of their messages,
# by SMS and, when the applicant gave an address, the same notice by email.
APPLICATION_FACTS = {
    "reference": Placeholder(_("application reference"), "WB260921K7QD"),
    "item": BOOKING_FACTS["item"],
    "window": BOOKING_FACTS["window"],
    "link": Placeholder(
        _("the applicant's private status link"),
        "https://ip.example.gov.cn/apply/status/WB260921K7QD/?token=9f3a…",
    ),
    "reasons": Placeholder(
        _("the materials to correct (each: material, reason)"),
        [{"material": "身份证明", "reason": "复印件不清晰"}],
    ),
    "case_reference": Placeholder(_("case reference once accepted"), "WS260922M4PQ"),
    "reason": Placeholder(_("reason for rejection"), "不属于本窗口受理范围"),
    "courier": Placeholder(_("courier"), "中国邮政EMS"),
    "tracking": Placeholder(_("tracking number"), "1234567890123"),
}
_PURPOSES += [
    Purpose(
        "application_received",
        _("Online application received"),
        (SMS, EMAIL),
        APPLICATION_FACTS,
        sms_segments=2,
    ),
    Purpose(
        "application_returned",
        _("Online application: corrections asked"),
        (SMS, EMAIL),
        APPLICATION_FACTS,
        sms_segments=2,
    ),
    Purpose(
        "application_accepted",
        _("Online application accepted"),
        (SMS, EMAIL),
        APPLICATION_FACTS,
        sms_segments=2,
    ),
    Purpose(
        "application_rejected",
        _("Online application rejected"),
        (SMS, EMAIL),
        APPLICATION_FACTS,
        sms_segments=2,
    ),
    # The courier and tracking number, without the link: one segment.
    Purpose(
        "application_sent",
        _("Online application: result posted"),
        (SMS, EMAIL),
        APPLICATION_FACTS,
    ),
]
PURPOSES = {purpose.name: purpose for purpose in _PURPOSES}

# The tags a text may use; everything else (load, include, extends, url, debug, …) is refused.
ALLOWED_TAGS = {"if", "elif", "else", "endif", "for", "empty", "endfor", "comment", "endcomment"}
# Filters that only shape a value; ljust, center and the like could blow a text up to any size.
ALLOWED_FILTERS = {
    "capfirst",
    "cut",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "pluralize",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "yesno",
}
FORLOOP_ATTRIBUTES = {"counter", "counter0", "revcounter", "revcounter0", "first", "last"}

OVERRIDES_KEY = "appointments:texts:overrides"

# Its own engine: no template libraries, no loaders; texts render with autoescape off (_render).
ENGINE = Engine(autoescape=False, loaders=[], libraries={})


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def render(purpose, channel, facts, *, language=None):
    """The subject and body of `purpose` by `channel`, from the bureau's active override or
    else the file, in `language` (default: the active one). `facts` holds every placeholder
    of the purpose; nothing else reaches the template."""
    language = supported_language(language)
    subject, body = source(purpose, channel, language)
    return render_source(purpose, channel, subject, body, facts, language=language)


def render_source(purpose, channel, subject, body, facts, *, language):
    context = {name: facts[name] for name in PURPOSES[purpose].placeholders}
    with translation.override(language):
        subject = " ".join(_render(subject, context).split())
        text = _render(body, context).strip()
    return Message(subject=subject, body=sign(text) if channel == SMS else text)


def sign(text):
    """An SMS as it is sent: the portal's signature in 【】, then the text."""
    return f"【{settings.SMS_SIGNATURE}】{text}"


def sms_segments(text):
    """How many SMS segments `text` takes (UCS-2: the signature is Chinese)."""
    return 1 if len(text) <= SMS_SEGMENT else math.ceil(len(text) / SMS_PART)


def _render(text, context):
    return _compiled(text).render(Context(context, autoescape=False)) if text else ""


@lru_cache(maxsize=256)
def _compiled(text):
    """A text compiled once per process, as Django's cached template loader keeps templates."""
    return ENGINE.from_string(text)


def preview(purpose, channel, subject, body, *, language):
    """The text rendered with the purpose's sample values, as it is sent."""
    samples = {name: p.sample for name, p in PURPOSES[purpose].placeholders.items()}
    return render_source(purpose, channel, subject, body, samples, language=language)


def supported_language(language=None):
    try:
        return translation.get_supported_language_variant(language or translation.get_language())
    except LookupError:
        return settings.LANGUAGE_CODE


def source(purpose, channel, language):
    """(subject, body) templates of the text: the bureau's active override, else the file."""
    override = active_overrides().get(f"{purpose}:{channel}:{language}")
    if override is not None:
        return tuple(override)
    return file_source(purpose, channel, language)


def active_overrides():
    """{"purpose:channel:language": (subject, body)} of the bureau's active texts: a handful of
    rows, kept in the cache so that a booking's confirmation asks the database nothing for its
    text; saving or deleting a text forgets it when the transaction commits."""
    overrides = django_cache.get(OVERRIDES_KEY)
    if overrides is None:
        rows = MessageTemplate.objects.filter(active=True).values_list(
            "purpose", "channel", "language", "subject", "body"
        )
        overrides = {f"{p}:{c}:{lang}": (subj, body) for p, c, lang, subj, body in rows}
        # Five minutes at most, should a transaction that changed a text roll back after
        # reading it here.
        django_cache.set(OVERRIDES_KEY, overrides, timeout=300)
    return overrides


def _overrides_changed(**_signal):
    # Forgotten at once (this transaction reads its own change) and again on commit (another
    # process may have kept the old texts in between).
    django_cache.delete(OVERRIDES_KEY)
    transaction.on_commit(lambda: django_cache.delete(OVERRIDES_KEY), robust=True)


post_save.connect(_overrides_changed, sender=MessageTemplate, dispatch_uid="texts-saved")
post_delete.connect(_overrides_changed, sender=MessageTemplate, dispatch_uid="texts-deleted")


@cache
def file_source(purpose, channel, language):
    """(subject, body) templates of the file; an SMS has no subject."""
    path = FOLDER / translation.to_locale(language) / f"{purpose}.{channel}.txt"
    text = path.read_text(encoding="utf-8")
    if channel == SMS:
        return "", text
    subject, _blank, body = text.partition("\n\n")
    return subject, body


# Checking a text the bureau writes -----------------------------------------------------------


def check(purpose, text):
    """Raise ValidationError unless `text` is a template that `purpose` can render: allowed
    tags only, valid syntax, declared placeholders only."""
    _check_tokens(text)
    try:
        template = ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            gettext("The template is not valid: %(error)s"), params={"error": exc}, code="syntax"
        ) from exc
    unknown = sorted(_unknown_names(template.nodelist, PURPOSES[purpose].placeholders, {}))
    if unknown:
        raise ValidationError(
            gettext("Unknown placeholders: %(names)s. Use only the placeholders listed."),
            params={"names": "、".join(unknown)},
            code="unknown_placeholder",
        )


def _check_tokens(text):
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.TEXT and any(m in token.contents for m in ("{{", "{%")):
            raise ValidationError(
                gettext("The template is not valid: %(error)s"),
                params={"error": gettext("a {{ or {% is not closed")},
                code="syntax",
            )
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            _check_filters(token.contents)
        if token.token_type != TokenType.BLOCK:
            continue
        tag = token.contents.split()[0] if token.contents.split() else ""
        if tag in {"load", "include", "extends"}:
            raise ValidationError(
                gettext("A text may not use {%% %(tag)s %%}: it cannot load or include others."),
                params={"tag": tag},
                code="forbidden_tag",
            )
        if tag not in ALLOWED_TAGS:
            raise ValidationError(
                gettext(
                    "A text may not use {%% %(tag)s %%}; only if, for and comment are allowed."
                ),
                params={"tag": tag},
                code="forbidden_tag",
            )


def _check_filters(contents):
    for name in re.findall(r"\|\s*(\w+)", contents):
        if name not in ALLOWED_FILTERS:
            raise ValidationError(
                gettext("A text may not use the filter %(name)s; these may be used: %(allowed)s."),
                params={"name": name, "allowed": ", ".join(sorted(ALLOWED_FILTERS))},
                code="forbidden_filter",
            )


def _unknown_names(nodelist, placeholders, loop_items):
    """Names in `nodelist` that are neither placeholders nor the items of an enclosing loop
    (`loop_items`: loop variable -> the keys its items offer)."""
    unknown = set()
    for node in nodelist:
        if isinstance(node, VariableNode):
            unknown |= _expression_unknowns(node.filter_expression, placeholders, loop_items)
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                for expression in _condition_expressions(condition):
                    unknown |= _expression_unknowns(expression, placeholders, loop_items)
                unknown |= _unknown_names(branch, placeholders, loop_items)
        elif isinstance(node, ForNode):
            unknown |= _expression_unknowns(node.sequence, placeholders, loop_items)
            inner = {**loop_items, "forloop": FORLOOP_ATTRIBUTES}
            keys = _item_keys(node.sequence, placeholders)
            inner.update(dict.fromkeys(node.loopvars, keys))
            unknown |= _unknown_names(node.nodelist_loop, placeholders, inner)
            unknown |= _unknown_names(node.nodelist_empty, placeholders, loop_items)
    return unknown  # text and {% comment %} use no names


def _condition_expressions(condition):
    if condition is None:  # {% else %}
        return
    if isinstance(condition, TemplateLiteral):
        yield condition.value
        return
    for part in (condition.first, condition.second):
        if part is not None:
            yield from _condition_expressions(part)


def _expression_unknowns(expression, placeholders, loop_items):
    variables = [expression.var]
    for _func, args in expression.filters:
        variables += [value for is_variable, value in args if is_variable]
    unknown = set()
    for variable in variables:
        lookups = getattr(variable, "lookups", None)  # None for a literal
        if lookups and not _known(lookups, placeholders, loop_items):
            unknown.add(".".join(lookups))
    return unknown


def _known(lookups, placeholders, loop_items):
    root, rest = lookups[0], lookups[1:]
    if root in loop_items:
        return len(rest) <= 1 and all(name in loop_items[root] for name in rest)
    return root in placeholders and not rest


def _item_keys(sequence, placeholders):
    lookups = getattr(sequence.var, "lookups", None) or ("",)
    placeholder = placeholders.get(lookups[0])
    sample = placeholder.sample if placeholder else None
    if isinstance(sample, list) and sample and isinstance(sample[0], dict):
        return set(sample[0])
    return set()
