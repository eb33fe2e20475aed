"""Query and path parameters the database cannot hold answer 400 naming them, never 500."""

import pytest

CASES = [
    ("GET", "/v1/metrics?queue=%00", "queue: contains a NUL character"),
    ("GET", "/v1/metrics?client=a%00b", "client: contains a NUL character"),
    ("GET", "/v1/metrics?queue={queue}&from=0001-01-01", "from: 0001-01-01 is out of range"),
    ("GET", "/v1/metrics?queue={queue}&to=9999-12-31T23:59:59-05:00", "to: 9999-12-31T23:59"),
    ("GET", "/v1/queues/%00/live", "code: contains a NUL character"),
    ("GET", "/v1/alerts?queue=%00", "queue: contains a NUL character"),
    ("POST", "/v1/alerts/9223372036854775808/ack", "alert_id: 9223372036854775808 is out of"),
    ("POST", "/v1/alerts/-9223372036854775809/resolve", "alert_id: -9223372036854775809 is out"),
    ("POST", "/v1/alerts/9223372036854775808%0D/ack", "alert_id: 9223372036854775808\r is out"),
    ("POST", "/v1/alerts/9_223_372_036_854_775_808/ack", "alert_id: 9_223_372_036_854_775_808 is"),
    ("GET", "/v1/sla/%00?period=2026-11", "client: contains a NUL character"),
    ("GET", "/v1/sla/{client}.csv?period=0001-01", "period: 0001-01 is out of range"),
]


@pytest.mark.parametrize(("method", "url", "message"), CASES, ids=[c[1] for c in CASES])
def test_parameter_out_of_range_is_a_400_naming_it(client, tenant, method, url, message):
    url = url.format(queue=tenant.queue, client=tenant.client)
    response = client.request(method, url, headers=tenant.auth(tenant.client_key))
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(message)


def test_numeric_codes_and_ordinary_dates_still_pass(client, tenant):
    response = client.get(
        "/v1/metrics",
        params={"queue": tenant.queue, "from": "2026-11-20", "to": "2026-11-21T00:00:00+08:00"},
        headers=tenant.auth(tenant.client_key),
    )
    assert response.status_code == 200, response.text
    unknown = client.get("/v1/queues/12345678901234567890123/live", headers=tenant.auth())
    assert unknown.status_code in (403, 404), unknown.text
