"""Celery tasks of the reviews app (the annual report's live in report_tasks.py)."""

# The annual report's task lives in its own module; importing it here lets autodiscovery find it.
from .report_tasks import build_annual_report  # noqa: E402, F401
