import pytest


@pytest.fixture
def english(client, settings):
    """The test client with the language switch set to English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def fast_passwords(settings):
    # The commands create a couple of dozen accounts; the real hasher would take seconds each run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
