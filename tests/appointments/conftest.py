"""Fixtures shared by the appointments tests."""

import pytest
from django.core.cache import cache

from tests.conftest_worker import real_worker, worker_process  # noqa: F401 (fixtures)


@pytest.fixture
def empty_cache():
    """The cache empty before and after the test: rate-limit counters and cached days live
    there, and the pages' tests post from one address. Modules use it with
    `pytestmark = [..., pytest.mark.usefixtures("empty_cache")]`."""
    cache.clear()
    yield
    cache.clear()
