"""The error summary at the top of every form page (the GOV.UK pattern): a heading, then one
link per message to the field to change; static/js/error-summary.js moves the focus to it."""

from django import template

register = template.Library()


def field_anchor(bound_field):
    """The id of the element to focus: the input, or the first choice of a group of boxes
    (whose label points nowhere)."""
    return bound_field.id_for_label or f"{bound_field.auto_id}_0"


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    """`{% error_summary form other_form %}`: nothing when every form is valid or unbound."""
    errors = []
    for form in forms:
        if not getattr(form, "is_bound", False) or not form.errors:
            continue
        errors.extend({"text": message, "anchor": ""} for message in form.non_field_errors())
        for bound_field in form:
            for message in bound_field.errors:
                errors.append({"text": message, "anchor": field_anchor(bound_field)})
    return {"errors": errors}
