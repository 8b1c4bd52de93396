"""The steps of the journeys people make on the portal, one small function each, so that a
change to one page (a confirmation added, an error summary) changes one function.

Each step acts as the person does (labels, buttons, links by their accessible names) and returns
what the person was shown, or asserts it. The pages are those of the served portal
(`site` and `visit` in tests/conftest.py), reached by `page.goto(path)` from the context's base URL.
"""

import re
import time

from playwright.sync_api import expect

from appointments.models import SmsOutbox

# What the person receives (the outbox of the SMS backend, written by the worker) -----------


def outbox_mark():
    """The newest SMS so far: `sms_to(..., after=outbox_mark())` waits for a newer one."""
    newest = SmsOutbox.objects.order_by("-pk").first()
    return newest.pk if newest else 0


def sms_to(phone, containing="", after=0, timeout=15.0):
    """The body of the newest SMS to `phone` containing `containing` (a string or a compiled
    pattern), newer than `after`, as the worker writes it to the outbox; waited for, since the
    worker sends it on its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for body in (
            SmsOutbox.objects.filter(phone=phone, pk__gt=after)
            .order_by("-pk")
            .values_list("body", flat=True)
        ):
            if (
                containing.search(body)
                if isinstance(containing, re.Pattern)
                else containing in body
            ):
                return body
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone} with {containing!r} within {timeout}s")


SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


def code_sent_to(phone, after):
    """The verification code of the SMS sent to `phone` after `after` (outbox_mark())."""
    return SIX_DIGITS.search(sms_to(phone, SIX_DIGITS, after=after)).group()


def link_in(body):
    """The path of the portal's link in a message ("http://…/booking/R/?token=T" -> the path
    and query), to be opened on the served portal. The link ends where ASCII does: a signature
    in 【】 or Chinese punctuation may follow it without a space."""
    url = re.search(r"https?://[!-~]+", body).group().rstrip(".,;)")
    return url[url.index("/", url.index("//") + 2) :]


# A valid resident ID (GB 11643 checksum) and a mainland mobile number.
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"
# The booking pages' labels in Chinese, the default language.
CHINESE = {
    "book": "预约办理",
    "choose_window": "选择此窗口",
    "name": "姓名",
    "phone": "手机号码",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "send_code": "获取短信验证码",
    "code": "短信验证码",
    "continue": "下一步",
    "confirm": "确认预约",
}


def fits_the_screen(page, width=360):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def heading(page):
    return page.get_by_role("heading", level=1).inner_text()


def field(page, label):
    """The form field labelled `label` (its label may end with the required mark *)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


# The citizen: booking -----------------------------------------------------------------------


def open_item_and_start_booking(page, item, book_label):
    page.goto(f"/catalog/{item.code}/")
    assert heading(page) == item.name
    page.get_by_role("link", name=book_label).last.click()


def choose_window(page, window, choose_label):
    page.get_by_role("link", name=re.compile(choose_label)).first.click()
    assert window.name in page.content()


def choose_first_day(page):
    page.locator(".day-list a").first.click()


def choose_first_time(page):
    """The first time with places left; returns its text ("09:00–09:30")."""
    slot = page.locator("a.slot").first
    time = slot.locator(".slot-time").inner_text()
    slot.click()
    return time


def fill_details(page, labels, name="张三", phone=PHONE, id_number=ID_NUMBER):
    """The details step; the SMS code asked for by the page's script (which stays on the page)
    and read from the outbox once the worker has sent it."""
    field(page, labels["name"]).fill(name)
    field(page, labels["phone"]).fill(phone)
    field(page, labels["id_type"]).select_option("resident_id")
    field(page, labels["id_number"]).fill(id_number)
    send_code(page, phone, labels["send_code"], labels["code"])
    assert field(page, labels["name"]).input_value() == name  # same page
    page.get_by_role("button", name=labels["continue"]).click()


def send_code(page, phone, send_label, code_label):
    mark = outbox_mark()
    page.get_by_role("button", name=send_label).click()
    masked = f"{phone[:3]}****{phone[-4:]}"
    page.locator("#phone-code-status").filter(has_text=masked).wait_for()
    field(page, code_label).fill(code_sent_to(phone, after=mark))


def confirm_booking(page, confirm_label):
    """The confirm step; returns the booking reference the confirmation page shows."""
    page.get_by_role("button", name=confirm_label).click()
    reference = page.locator(".reference").inner_text().strip()
    assert page.locator("img[src*='qr.png']").count() == 1
    assert page.locator("a[href*='calendar.ics']").count() >= 1
    return reference


# The citizen: their booking's private link ---------------------------------------------------


def open_manage_link(page, link, reference):
    """The link of the SMS: it lands on the booking's address without the token."""
    page.goto(link)
    assert page.url.endswith(f"/booking/{reference}/")
    assert reference in heading(page)


def reschedule_to_another_time(page):
    """Change the time to the first other time of the first day offered; returns its text.
    Tapping a time only asks; the move is made by confirming it."""
    page.get_by_role("link", name="Change the time").click()
    page.locator(".day-list a").first.click()
    slot = page.locator("a.slot").first
    new_time = slot.locator(".slot-time").inner_text()
    slot.click()
    page.wait_for_load_state()
    assert heading(page) == "Change the time"
    page.get_by_role("button", name="Confirm the new time").click()
    page.wait_for_load_state()
    return new_time


def cancel_booking(page):
    page.get_by_role("link", name="Cancel the booking").click()
    assert heading(page) == "Cancel the booking?"
    page.get_by_role("button", name="Yes, cancel the booking").click()
    page.wait_for_load_state()


def look_up_booking(page, reference, phone):
    page.goto("/booking/lookup/")
    assert heading(page) == "Find your booking"
    page.get_by_label(re.compile("reference", re.I)).first.fill(reference)
    page.get_by_label(re.compile("Mobile number", re.I)).first.fill(phone)
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_load_state()


# The citizen: rating and complaints ---------------------------------------------------------


def rate(page, score, comment):
    assert heading(page) == "Rate our service"
    page.check(f'input[name="score"][value="{score}"]')
    page.fill('textarea[name="comment"]', comment)
    page.get_by_role("button", name="Submit rating").click()
    page.wait_for_load_state()


def report_a_matter(page, name, phone, matter, description):
    """The 办不成事 form; returns the reference of the received page."""
    page.goto("/complaints/new/")
    assert heading(page) == "Report a matter that could not be done"
    field(page, "Name").fill(name)
    field(page, "Mobile number").fill(phone)
    field(page, "The matter you could not get done").fill(matter)
    field(page, "What went wrong").fill(description)
    send_code(page, phone, "Send the code by SMS", "SMS code")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_load_state()
    assert heading(page) == "Your report has been received"
    return page.locator(".reference").inner_text().strip()


def look_up_report(page, reference, phone):
    page.goto("/complaints/lookup/")
    field(page, "Reference").fill(reference)
    page.get_by_label(re.compile("Mobile number")).fill(phone)
    page.get_by_role("button", name="Look up", exact=True).click()
    page.wait_for_load_state()


# Staff ----------------------------------------------------------------------------------------


def log_in(page, user, password, next_path=""):
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def check_in_by_reference(page, reference):
    """The check-in form of the workbench; a booking of another day opens its case page,
    where the clerk checks the person in."""
    page.get_by_label(re.compile("reference", re.I)).first.fill(reference)
    page.get_by_role("button", name="Find and check in").click()
    page.wait_for_load_state()
    check_in = page.get_by_role("button", name="Check in", exact=True)
    if check_in.count():
        check_in.click()
        page.wait_for_load_state()


def case_action(page, name):
    """One action of the case page (Accept, Complete): its box ticked first, as the page asks."""
    form = page.locator("form").filter(has=page.get_by_role("button", name=name, exact=True))
    form.locator("input[type=checkbox][name$=confirm]").check()
    form.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def expect_status(page, text):
    expect(page.locator("h1 .badge").first).to_contain_text(text)
