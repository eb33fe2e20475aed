"""Cursor paging equals one big page; bad input is 400 naming the parameter."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rejects.helpers import Seeded


def pages(client, seeded: Seeded, key: str, limit: int, **params) -> list[list[int]]:
    """Follow `next_cursor` from the first page; return each page's ids."""
    got, cursor = [], None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/rejected", params=query, headers=seeded.tenant.auth(key))
        assert response.status_code == 200, response.text
        body = response.json()
        got.append([row["id"] for row in body["rejected"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return got
        assert len(got) < 20


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(1, 5), kind=st.sampled_from([None, "calls"]))
def test_pages_joined_equal_one_page(client, seeded, limit, kind):
    key = seeded.tenant.key
    params = {"kind": kind} if kind else {}
    whole = pages(client, seeded, key, 1000, **params)
    assert len(whole) == 1
    paged = pages(client, seeded, key, limit, **params)
    assert [i for page in paged for i in page] == whole[0]
    assert all(len(page) == limit for page in paged[:-1]) and 0 < len(paged[-1]) <= limit


def test_the_last_page_ends_with_a_null_cursor(client, seeded):
    ids = seeded.ids
    first, second = pages(client, seeded, seeded.tenant.key, 2)[:2]
    assert first == [ids["r3"], ids["r2"]] and second == [ids["r6"], ids["r1"]]


def error(client, seeded: Seeded, path: str = "/v1/rejected", **params) -> tuple[int, str]:
    response = client.get(path, params=params, headers=seeded.tenant.auth())
    return response.status_code, response.json()["error"]


def test_bad_input_is_400_naming_the_parameter(client, seeded):
    body = client.get("/v1/rejected", params={"limit": 1}, headers=seeded.tenant.auth()).json()
    cursor = body["next_cursor"]
    cases = {
        "kind": {"kind": "calls-please"},
        "limit": {"limit": 1001},
        "format": {"format": "xml"},
        "cursor": {"cursor": cursor, "kind": "tickets"},  # another query's cursor
        "from": {"from": "yesterday"},
        "to": {"from": "2026-11-21", "to": "2026-11-20"},
        "error": {"error": "x" * 201},
    }
    for name, params in cases.items():
        status, message = error(client, seeded, **params)
        assert (status, message.split(":")[0]) == (400, name), (name, message)
    for bad in ("not-a-cursor!", "eyJ4IjogMX0", cursor[:-3]):
        status, message = error(client, seeded, cursor=bad)
        assert (status, message.split(":")[0]) == (400, "cursor"), message
    assert error(client, seeded, limit=0)[0] == 400
    # dates past the app's range guard, and times without an offset
    assert error(client, seeded, **{"from": "0001-01-01"})[1].startswith("from:")
    assert error(client, seeded, to="2026-11-20T08:00:00")[1].startswith("to:")
    assert error(client, seeded, "/v1/rejected.csv", kind="x")[1].startswith("kind:")
