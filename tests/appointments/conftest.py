"""Fixtures shared by the appointments tests (the empty cache is tests/conftest.py's)."""

from tests.conftest_worker import real_worker, worker_process  # noqa: F401 (fixtures)
