"""The applicants' files of a test under a temporary private root (imported by the conftest
of these tests, and by other tests that make applications, e.g. seed_demo's)."""

import pytest
from django.core.files.storage import storages

from applications.models import Submission


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path, monkeypatch):
    """Each test's files under its own root, outside MEDIA_ROOT and STATIC_ROOT."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "applications": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    # Changing STORAGES makes Django forget the storages it made (the setting_changed signal);
    # the file field took its storage when the model was defined, so it is given the new one.
    storage = storages["applications"]
    assert storage.location == str(root)
    monkeypatch.setattr(Submission._meta.get_field("file"), "storage", storage)
    return root
