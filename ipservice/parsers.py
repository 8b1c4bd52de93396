"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). Kept apart from
ipservice.api: DRF imports it while building APIView, whose module ipservice.api imports."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# Deeper than any body this API takes; Python's own limit (about 1,000) would be a 500.
MAX_JSON_DEPTH = 32


def _check_depth(data):
    """Walks the parsed body without recursion; deeper than MAX_JSON_DEPTH is a 400. (A NUL
    character in a string is left to the fields: each says so in its own error.)"""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                _("The request body is nested too deeply."), code="too_deep"
            )
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


class JSONParser(parsers.JSONParser):
    """DRF's parser, plus: nesting too deep (for Python, or for any body this API takes) is a
    400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(
                _("The request body is nested too deeply."), code="too_deep"
            ) from exc
        _check_depth(data)
        return data
