"""docker-compose.yml parses, names its services and its commands name real modules; the proxy
in front is the only published service, sets the forwarded headers, and is the only sender
they are believed from (issue 10); the image leaves secrets and local files out."""

import fnmatch
import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services():
    services = load_compose()["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "db", "redis"}
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        for var in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG"):
            assert var in env, (name, var)
        assert env["DJANGO_DEBUG"] == "0"


def _modules_named(command):
    words = shlex.split(command)
    for i, word in enumerate(words):
        if word == "gunicorn":
            yield words[i + 1].replace(":", ".").rsplit(".", 1)[0], words[i + 1]
        if word == "-A":
            yield words[i + 1], None


def test_commands_name_real_modules():
    services = load_compose()["services"]
    commands = " ; ".join(services[name]["command"] for name in ("web", "worker", "beat"))
    named = list(_modules_named(commands))
    assert ("ipservice", None) in named
    for module, target in named:
        imported = importlib.import_module(module)
        if target:  # gunicorn ipservice.wsgi -> module ipservice.wsgi with `application`
            module_obj = importlib.import_module(target)
            assert callable(module_obj.application)
        else:
            assert hasattr(imported, "celery_app")


def test_dockerfile_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn" in dockerfile and "ipservice.wsgi" in dockerfile


# --- the reverse proxy (issue 10) -----------------------------------------------------------------


def proxy_address(compose):
    return compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]


def test_only_the_proxy_is_published():
    services = load_compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "8000" not in " ".join(services["proxy"]["ports"])


def test_the_proxy_has_a_fixed_address_on_the_stack_network():
    compose = load_compose()
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    address = proxy_address(compose)
    assert subnet.rsplit(".", 1)[0] == address.rsplit(".", 1)[0]


def test_gunicorn_believes_forwarded_headers_from_the_proxy_only():
    compose = load_compose()
    words = shlex.split(shlex.split(compose["services"]["web"]["command"])[-1])  # sh -c "..."
    gunicorn = words[words.index("gunicorn") :]
    allowed = gunicorn[gunicorn.index("--forwarded-allow-ips") + 1]
    assert allowed == proxy_address(compose)


def test_django_believes_forwarded_headers_from_the_proxy_only():
    compose = load_compose()
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["TRUSTED_PROXY_IPS"] == proxy_address(compose)
        assert env["RATELIMIT_IP_META_KEY"] == "HTTP_X_REAL_IP"


def nginx_config():
    return (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_proxy_mounts_the_nginx_config():
    volumes = load_compose()["services"]["proxy"]["volumes"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in volumes


def test_nginx_sets_every_forwarded_header_itself():
    config = nginx_config()
    proxied = config.count("proxy_pass http://portal;")
    assert proxied >= 2
    # Set from what nginx saw, in every proxied location: a client's own value never passes.
    assert config.count("proxy_set_header X-Forwarded-Proto $scheme;") == proxied
    assert config.count("proxy_set_header X-Real-IP $remote_addr;") == proxied
    assert config.count("proxy_set_header X-Forwarded-For $remote_addr;") == proxied
    assert "$proxy_add_x_forwarded_for" not in config
    assert "$http_x_forwarded_proto" not in config
    assert "upstream portal" in config and "server web:8000;" in config


def test_nginx_serves_https_and_redirects_plain_http():
    config = nginx_config()
    assert re.search(r"listen 443 ssl", config)
    assert "return 301 https://$host$request_uri;" in config
    assert "server_tokens off;" in config


def dockerignored(path):
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern[3:]):
            return True
    return False


@pytest.mark.parametrize(
    "path",
    [
        "demo-accounts.txt",
        "db.sqlite3",
        "media/reports/annual-report-2025-1.xlsx",
        ".venv/bin/python",
        ".git/config",
        ".env",
        "deploy/certs/privkey.pem",
        "catalog/__pycache__/models.cpython-311.pyc",
    ],
)
def test_the_image_leaves_secrets_and_local_files_out(path):
    assert dockerignored(path)


@pytest.mark.parametrize("path", ["manage.py", "ipservice/settings.py", "pyproject.toml"])
def test_the_image_keeps_the_code(path):
    assert not dockerignored(path)
