"""The portal served as in production, for the tests that talk to it over HTTP (issue 11).

docker-compose.yml's web service, started here: gunicorn with the repo's gunicorn.conf.py,
`DJANGO_DEBUG=0` (so secure cookies, HSTS, the manifest static storage, the production error
pages), the static files collected and served by WhiteNoise, PostgreSQL (the test database) and
Redis. It answers at http://localhost:<port>: Chromium treats localhost as a secure context, so
the Secure cookies of `DJANGO_DEBUG=0` work there as behind HTTPS.

Used by the browser journeys (`site` in tests/conftest.py: one server and one Celery worker for
the whole session), the access-log test (tests/core/test_access_log.py) and the Redis outage
test (tests/core/test_outage.py). The static files are collected once per session
(`collected_static` in tests/conftest.py).
"""

import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest_worker import _database_url

ROOT = Path(__file__).resolve().parents[1]
HOST = "localhost"
# The screens of the browser journeys: a phone, a desk.
PHONE_SCREEN = {"width": 360, "height": 740}
DESK_SCREEN = {"width": 1280, "height": 900}
# The password the test factories give staff accounts (tests/windows/factories.py).
PASSWORD = "pass-word-123"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def compose_gunicorn_args():
    """The web service's gunicorn arguments, from docker-compose.yml (`sh -c "… && gunicorn …"`)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    words = shlex.split(shlex.split(compose["services"]["web"]["command"])[-1])
    return words[words.index("gunicorn") + 1 :]


def replaced(args, option, value):
    index = args.index(option)
    return [*args[: index + 1], value, *args[index + 2 :]]


def with_server_password(user, password=PASSWORD):
    """The server checks passwords with the project's hashers (PBKDF2), while the tests' own
    process uses a fast one that the server does not know: give `user` a PBKDF2 hash of
    `password`, with few iterations (the server upgrades it at the first login)."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


def server_redis_url():
    """The Redis database of the served portal (cache and broker): its own, so that the tests'
    in-process workers (tests/conftest_worker.py) never take its tasks, nor it theirs. The tests'
    database number + 8, or TEST_SERVER_REDIS_URL."""
    if os.environ.get("TEST_SERVER_REDIS_URL"):
        return os.environ["TEST_SERVER_REDIS_URL"]
    parts = urlsplit(settings.REDIS_URL)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 8) % 16}"))


def production_env(static_root, **overrides):
    """The environment of docker-compose.yml's services, on this test run's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(
        DATABASE_URL=_database_url(),
        # No connection left open between requests: the test database is flushed after each
        # test and dropped at the end of the session.
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=server_redis_url() if settings.REDIS_URL else "",
        DJANGO_DEBUG="0",
        # Private links' tokens are derived from the secret key: the same as the tests'.
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_ALLOWED_HOSTS=HOST,
        # Plain HTTP on localhost, a secure context for the browser; behind the proxy of
        # docker-compose.yml the redirect to HTTPS is on.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def collect_static(static_root):
    """`manage.py collectstatic` as the Dockerfile runs it (manifest and compressed files)."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=production_env(static_root),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        raise AssertionError("collectstatic failed:\n" + result.stdout + result.stderr)
    return static_root


class Gunicorn:
    """gunicorn started with docker-compose.yml's arguments (the repo's gunicorn.conf.py), one
    worker, on a free port of localhost; its output (error log, Django's log) in `log_path`,
    its access log in `access_log`. `env` adds to or overrides production_env()."""

    def __init__(self, directory, static_root, workers=1, **env):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.access_log = Path(directory) / "access.log"
        self.log_path = Path(directory) / "gunicorn.log"
        args = compose_gunicorn_args()
        args = replaced(args, "--bind", f"127.0.0.1:{self.port}")
        args = replaced(args, "--workers", str(workers))
        args = replaced(args, "--access-logfile", str(self.access_log))
        args = [*args, "--timeout", "60"]
        environment = production_env(
            static_root,
            # gunicorn ≥ 25 opens a control socket there: this server's own, not a shared one.
            XDG_RUNTIME_DIR=str(directory),
            **env,
        )
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [sys.executable, "-m", "gunicorn", *args],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_up()

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_up(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("gunicorn stopped:\n" + self.output())
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer:\n" + self.output())

    def get(self, path, **headers):
        """One GET by http.client (no cookie jar, no redirects followed); `.body` is read."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers={"Host": f"{HOST}:{self.port}", **headers})
            response = conn.getresponse()
            response.body = response.read()
            return response
        finally:
            conn.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
