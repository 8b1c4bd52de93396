"""Fixtures shared by the appointments tests."""

from tests.conftest_worker import real_worker  # noqa: F401 (a fixture)
