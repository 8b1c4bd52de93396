"""docker-compose.yml parses, names the five services and its commands name real modules."""

import importlib
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services():
    services = load_compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
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
