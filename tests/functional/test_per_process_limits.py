"""Production with several workers and no Redis starts only when told that limits count per process; /readyz says so."""

import pytest
from click.testing import CliRunner

from minibank import cli, config, create_app
from minibank.extensions import db as app_db
from minibank.ops import serve as serve_module

from ..support.production import SECRET

PRODUCTION = {"MINIBANK_ENV": "production", "MINIBANK_SECRET_KEY": SECRET}
REDIS = {"MINIBANK_REDIS_URL": "redis://127.0.0.1:6379/0"}
OPT_IN = {"MINIBANK_PER_PROCESS_LIMITS": "true"}


@pytest.mark.parametrize(
    ("environ", "starts"),
    [
        ({"MINIBANK_WORKERS": "3"}, False),
        ({}, False),  # the default: 2 per core + 1
        ({"MINIBANK_WORKERS": "2", "MINIBANK_PER_PROCESS_LIMITS": "false"}, False),
        ({"MINIBANK_WORKERS": "3", **OPT_IN}, True),
        ({**OPT_IN}, True),
        ({"MINIBANK_WORKERS": "1"}, True),
        ({"MINIBANK_WORKERS": "3", **REDIS}, True),
        ({"MINIBANK_WORKERS": "3", "MINIBANK_ENV": "development"}, True),
    ],
)
def test_several_workers_without_redis_need_the_opt_in(tmp_path, environ, starts):
    environ = {**PRODUCTION, **environ}
    if starts:
        config.load(environ, str(tmp_path))
        return
    with pytest.raises(config.ConfigError) as refused:
        config.load(environ, str(tmp_path))
    message = str(refused.value)
    assert "\n" not in message
    assert "MINIBANK_REDIS_URL" in message and "MINIBANK_PER_PROCESS_LIMITS=true" in message


def test_the_opt_in_must_be_a_boolean(tmp_path):
    with pytest.raises(config.ConfigError, match="MINIBANK_PER_PROCESS_LIMITS must be true or false"):
        config.load({**PRODUCTION, "MINIBANK_PER_PROCESS_LIMITS": "maybe"}, str(tmp_path))


@pytest.fixture
def production(monkeypatch, tmp_path, sqlite_url):
    """Production settings in the environment, on a migrated SQLite bank, without Redis."""
    for name, value in {
        **PRODUCTION,
        "MINIBANK_DATABASE_URL": sqlite_url,
        "MINIBANK_INSTANCE_PATH": str(tmp_path / "instance"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MINIBANK_REDIS_URL", raising=False)
    monkeypatch.delenv("MINIBANK_PER_PROCESS_LIMITS", raising=False)
    served = []
    monkeypatch.setattr(serve_module, "serve", lambda app, **where: served.append(app.config["WORKERS"]))
    yield monkeypatch, served
    app_db.dispose()


def test_serve_workers_option_is_checked_too(production):
    monkeypatch, served = production
    monkeypatch.setenv("MINIBANK_WORKERS", "1")  # the settings alone pass
    result = CliRunner().invoke(cli.main, ["serve", "--workers", "4"])
    assert result.exit_code == 1 and served == []
    assert "MINIBANK_PER_PROCESS_LIMITS=true" in result.output
    assert [line for line in result.output.splitlines() if line.strip()] == [result.output.strip()]  # one line


@pytest.mark.parametrize(("extra", "workers"), [({"MINIBANK_WORKERS": "1"}, 1), (OPT_IN, 4)])
def test_serve_starts_with_one_worker_or_the_opt_in(production, extra, workers):
    monkeypatch, served = production
    monkeypatch.setenv("MINIBANK_WORKERS", "1")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli.main, ["serve", "--workers", str(workers)])
    assert (result.exit_code, served) == (0, [workers]), result.output


def test_readyz_reports_per_process_limits_and_stays_ready(production):
    monkeypatch, _ = production
    monkeypatch.setenv("MINIBANK_PER_PROCESS_LIMITS", "true")
    response = create_app().test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "limits": "per-process"}},
    )


def test_readyz_is_silent_about_limits_in_development(client):
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok"}
