"""What reviews does when appointments announces something (connected in ReviewsConfig.ready)."""

import logging

from kombu.exceptions import OperationalError

from .tasks import invite_rating

logger = logging.getLogger(__name__)


def invite_to_rate(sender, case, **kwargs):
    """好差评: a case's completion was committed; invite the person served to rate it.

    With the broker unreachable the invitation is made here instead: its notice is then queued
    in the database, and the stale-notice sweep sends it (the completion does not fail)."""
    try:
        invite_rating.delay(case.pk)
    except OperationalError as exc:
        logger.warning(
            "case %s: the broker is unreachable, rating invitation queued: %s", case.pk, exc
        )
        invite_rating(case.pk)
