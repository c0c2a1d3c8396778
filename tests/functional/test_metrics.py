"""GET /metrics: Prometheus text for allowed networks or the token; 404 for everyone else."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from minibank import config

from ..support.production import SECRET

TOKEN = "metrics-token-" + "x" * 40


def scrape(client, **kwargs) -> dict:
    """The exposition parsed into {(sample name, labels): value}."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def healthz_count(samples: dict) -> float:
    key = ("minibank_http_requests_total", (("method", "GET"), ("route", "/healthz"), ("status", "200")))
    return samples.get(key, 0.0)


def test_metrics_parse_and_count_requests_by_route(client):
    before = healthz_count(scrape(client))
    for _ in range(3):
        client.get("/healthz")
    samples = scrape(client)
    assert healthz_count(samples) == before + 3
    names = {name for name, _ in samples}
    assert {
        "minibank_http_request_duration_seconds_bucket",
        "minibank_db_retries_total",
        "minibank_login_failures_total",
    } <= names


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.1", "::2", "not-an-address"])
def test_other_networks_get_404(client, address):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 404


@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_allowed_by_default(client, address):
    scrape(client, environ_base={"REMOTE_ADDR": address})


def test_configured_networks_replace_loopback(app, client):
    app.config["METRICS_ALLOW"] = "10.0.0.0/8, 2001:db8::/32"
    assert client.get("/metrics").status_code == 404
    scrape(client, environ_base={"REMOTE_ADDR": "10.20.30.40"})
    scrape(client, environ_base={"REMOTE_ADDR": "2001:db8::7"})


def test_the_bearer_token_opens_metrics_from_anywhere(app, client):
    elsewhere = {"REMOTE_ADDR": "203.0.113.9"}
    app.config["METRICS_TOKEN"] = TOKEN
    scrape(client, environ_base=elsewhere, headers={"Authorization": f"Bearer {TOKEN}"})
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer "):
        assert client.get("/metrics", environ_base=elsewhere, headers={"Authorization": wrong}).status_code == 404


def test_rate_limited_answers_are_counted_by_route(app, client):
    @app.get("/test/limited")
    def limited():
        return {"error": "slow down"}, 429

    before = scrape(client).get(("minibank_rate_limited_total", (("route", "/test/limited"),)), 0.0)
    client.get("/test/limited")
    assert scrape(client)[("minibank_rate_limited_total", (("route", "/test/limited"),))] == before + 1


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"MINIBANK_METRICS_ALLOW": "127.0.0.1/33"}, "MINIBANK_METRICS_ALLOW"),
        ({"MINIBANK_METRICS_ALLOW": "localhost"}, "MINIBANK_METRICS_ALLOW"),
        (
            {"MINIBANK_ENV": "production", "MINIBANK_SECRET_KEY": SECRET, "MINIBANK_METRICS_TOKEN": "short"},
            "MINIBANK_METRICS_TOKEN",
        ),
    ],
)
def test_bad_metrics_settings_stop_start_up(tmp_path, environ, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load(environ, str(tmp_path))
