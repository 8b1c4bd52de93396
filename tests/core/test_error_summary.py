"""Issue 11: every page with a form that posts shows the one error summary
(templates/includes/error_summary.html through `{% error_summary %}`) above its fields."""

import re

from django.conf import settings

FIELD_INCLUDES = ("includes/form_fields.html", "_pending_fields")
TEMPLATE_DIRS = [
    settings.BASE_DIR / "templates",
    *sorted(settings.BASE_DIR.glob("*/templates")),
]


def template_files():
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            yield path.relative_to(folder).as_posix(), path.read_text()


def test_every_posting_form_page_has_the_error_summary():
    sources = dict(template_files())

    def has_summary(name):
        text = sources.get(name, "")
        if "{% error_summary" in text:
            return True
        parent = re.search(r'{% extends "([^"]+)" %}', text)
        return bool(parent) and has_summary(parent.group(1))

    missing = [
        name
        for name, text in sources.items()
        if 'method="post"' in text
        and any(include in text for include in FIELD_INCLUDES)
        and not name.startswith(("includes/", "reviews/includes/"))
        and not name.rsplit("/", 1)[-1].startswith("_")  # a part, in a page that has one
        and not has_summary(name)
    ]
    assert missing == []


def test_the_summary_links_each_message_to_its_field(client, db):
    client.cookies["django_language"] = "en"
    response = client.post("/complaints/new/", {"name": "", "phone": "12"})
    page = response.content.decode()
    summary = page[
        page.index('class="error-summary"') : page.index("</ul>", page.index("error-summary"))
    ]
    assert re.search(r'<div class="error-summary" role="alert"[^>]*tabindex="-1"', page)
    assert (
        'href="#id_name"' in summary and "Enter your name as it is on your ID document." in summary
    )
    assert 'href="#id_phone"' in summary
    assert 'href="#id_description"' in summary
    assert "error-summary.js" in page
