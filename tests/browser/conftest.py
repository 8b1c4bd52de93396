"""The browser journeys of this directory run against the portal served as in production
(`site`, `visit` in tests/conftest.py); their steps are in journeys.py."""

import pytest


@pytest.fixture
def page(visit):
    """A Chinese phone browser on the served portal (replaces tests/conftest.py's `page`,
    which drives Django's in-process live server)."""
    return visit()
