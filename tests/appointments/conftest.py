"""Fixtures shared by the appointments tests."""

from tests.conftest_worker import real_worker, worker_process  # noqa: F401 (fixtures)
