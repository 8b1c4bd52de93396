"""What reviews does when appointments announces something (connected in ReviewsConfig.ready)."""

from .tasks import invite_rating


def invite_to_rate(sender, case, **kwargs):
    """好差评: a case's completion was committed; invite the person served to rate it."""
    invite_rating.delay(case.pk)
