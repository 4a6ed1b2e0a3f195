"""docker-compose.yml is accepted by the real Compose v2 CLI and has the production shape.

Needs only the docker client with the compose plugin (no engine): `docker compose config` parses,
interpolates and validates the file locally. `bash devtools/install_compose.sh` installs the plugin.
Without it these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# Dummy values for the variables the file requires (`${VAR:?...}`); never real secrets.
REQUIRED_ENV = {"POSTGRES_PASSWORD": "dummy-postgres-password", "TT_SECRET_KEY": "dummy-secret-key"}
LONG_RUNNING = {"elasticsearch", "redis", "postgres", "web", "worker", "scheduler"}
PERSISTENT = {"elasticsearch", "postgres", "redis"}


def _compose_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in REQUIRED_ENV}
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    """Runs `docker compose -f docker-compose.yml ARGS...`; skips (fails under CI) without compose."""
    why = None
    if shutil.which("docker") is None:
        why = "the docker client is not installed"
    else:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode != 0:
            why = "`docker compose` is not available (run: bash devtools/install_compose.sh)"
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; it is required when CI=true")
        pytest.skip(why)

    # An empty env file, so a developer's local .env cannot change what is tested.
    env_file = tmp_path_factory.mktemp("compose") / "empty.env"
    env_file.write_text("")

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "compose", "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env=_compose_env(**REQUIRED_ENV) if env is None else env,
        )

    return run


@pytest.fixture(scope="module")
def config(compose) -> dict:
    result = compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_is_valid(compose):
    result = compose("config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_secrets_are_required_not_defaulted(compose):
    result = compose("config", "--quiet", env=_compose_env())
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "TT_SECRET_KEY" in result.stderr, result.stderr


def test_expected_services(config):
    assert set(config["services"]) == LONG_RUNNING | {"init"}


def test_long_running_services_have_healthchecks_and_restart(config):
    for name in sorted(LONG_RUNNING):
        service = config["services"][name]
        healthcheck = service.get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name}: healthcheck disabled"
        assert healthcheck.get("test"), f"{name}: no healthcheck"
        assert service.get("restart") == "unless-stopped", f"{name}: restart={service.get('restart')!r}"


def test_init_is_one_shot_and_gates_the_app(config):
    services = config["services"]
    assert services["init"].get("restart") in (None, "no")
    assert "db init" in " ".join(services["init"]["command"])
    assert "index init" in " ".join(services["init"]["command"])
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["init"]["condition"] == "service_completed_successfully"
        for backing in ("redis", "postgres", "elasticsearch"):
            assert depends[backing]["condition"] == "service_healthy", (name, backing)


def test_web_runs_gunicorn(config):
    web = config["services"]["web"]
    command = web["command"]
    assert command[0] == "gunicorn"
    assert "web:create_app()" in command
    assert "flask" not in command
    assert any(int(port["target"]) == 8000 for port in web.get("ports", []))


def test_app_services_share_one_image_and_environment(config):
    services = config["services"]
    app = [services[name] for name in ("init", "web", "worker", "scheduler")]
    assert len({service["image"] for service in app}) == 1
    for service in app:
        env = service["environment"]
        assert env["TT_ENV"] == "production"
        assert env["TT_SEARCH_BACKEND"] == "elasticsearch"
        assert json.loads(env["TT_SEARCH_ES_HOSTS"]) == ["http://elasticsearch:9200"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["TT_CELERY__broker_url"].startswith("redis://")
        assert env["TT_SECRET_KEY"] == REQUIRED_ENV["TT_SECRET_KEY"]


def test_persistent_services_use_named_volumes(config):
    declared = set(config.get("volumes") or {})
    for name in sorted(PERSISTENT | {"scheduler"}):
        named = [
            mount["source"]
            for mount in config["services"][name].get("volumes", [])
            if mount.get("type") == "volume" and mount.get("source") in declared
        ]
        assert named, f"{name}: no named volume"


def test_elasticsearch_is_version_8_like_the_test_node(config):
    image = config["services"]["elasticsearch"]["image"]
    version = image.rsplit(":", 1)[1]
    assert version.split(".")[0] == "8", image
    pom = ROOT / "esnode" / "pom.xml"
    if pom.exists():
        match = re.search(r"<elasticsearch\.version>([^<]+)</elasticsearch\.version>", pom.read_text())
        if match:
            assert version.split(".")[:2] == match.group(1).split(".")[:2], (image, match.group(1))
