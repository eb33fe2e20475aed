"""The OpenAPI document is valid, names the bearer scheme, documents every status each
route answers (probed here with good and bad requests), its constraints and examples."""

import json
from collections import defaultdict
from collections.abc import Iterator
from itertools import product

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from app.access.keys import create_key
from app.core.db import Database
from app.kpi.intervals import GRANULARITIES
from app.kpi.service import SPLITS
from app.main import create_app
from app.models.alerts import ALERT_STATES
from ingest.body import parse_body
from ingest.kinds import KINDS

INGEST = [f"/v1/{kind}" for kind in KINDS]
MEDIA = ("application/json", "application/x-ndjson", "text/csv")


@pytest.fixture(scope="module")
def spec(client) -> dict:
    return client.get("/openapi.json").json()


def operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_the_document_validates_and_every_error_uses_the_error_schema(spec):
    validate(spec)
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for _, _, operation in operations(spec):
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
                if status in ("429", "503"):
                    assert "Retry-After" in answer["headers"]


def test_bearer_scheme_on_every_keyed_route(spec):
    scheme = spec["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path, operation in operations(spec):
        if path.startswith("/v1/"):
            assert operation["security"] == [{"apiKey": []}], (method, path)
    assert spec["paths"]["/metrics"]["get"]["security"] == [{"apiKey": []}, {}]
    assert "security" not in spec["paths"]["/health"]["get"]


@pytest.fixture(scope="module")
def keys(database, tenant_module) -> dict[str, str | None]:
    with database.session_scope() as session:
        return {
            "none": None,
            "unknown": "cpk_no-such-key",
            "vendor": tenant_module.key,
            "client": tenant_module.client_key,
            "supervisor": create_key(session, "supervisor"),
            "admin": create_key(session, "admin"),
        }


@pytest.fixture(scope="module")
def tenant_module(database):
    from tests.factories import make_tenant

    return make_tenant(database)


def fill(path: str, tenant) -> list[str]:
    values = {
        "{code}": [tenant.queue, "no-such-queue"],
        "{client}": [tenant.client, "no-such-client"],
        "{alert_id}": ["9999999999", "not-a-number"],
    }
    urls = [path]
    for name, choices in values.items():
        urls = [u.replace(name, c) for u in urls for c in choices] if name in path else urls
    return urls


def queries(operation: dict, tenant) -> list[dict[str, str]]:
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    good = {"queue": tenant.queue, "client": tenant.client, "period": "2026-11"}
    variants: list[dict[str, str]] = [{}, {n: good[n] for n in names if n in good}]
    for name in names:
        for bad in ("bogus", "2026-13-45"):
            variants.append({**variants[1], name: bad})
    return variants


def bodies(tenant) -> list[tuple[bytes, str]]:
    record = {"call_id": "doc-1", "queue": tenant.queue, "offered_at": "2026-11-22T09:30:00Z"}
    return [
        (json.dumps([record]).encode(), "application/json"),
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"call_id\nx\n", "text/csv"),
        (b"hello", "text/plain"),
        (json.dumps([record] * 3).encode(), "application/x-ndjson"),
    ]


def probe(test_client: TestClient, spec: dict, tenant, keys) -> dict[tuple[str, str], set[int]]:
    """Send good and bad requests to every operation; return the statuses each answered."""
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for method, path, operation in operations(spec):
        for url, key in product(fill(path, tenant), keys.values()):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            if method == "POST" and path in INGEST:
                for body, media in bodies(tenant):
                    response = test_client.post(
                        url, content=body, headers={**headers, "Content-Type": media}
                    )
                    seen[(method, path)].add(response.status_code)
                continue
            for params in queries(operation, tenant):
                response = test_client.request(method, url, params=params, headers=headers)
                seen[(method, path)].add(response.status_code)
    return seen


def assert_documented(spec: dict, seen: dict[tuple[str, str], set[int]]) -> None:
    for (method, path), statuses in seen.items():
        documented = set(spec["paths"][path][method.lower()]["responses"])
        undocumented = {str(s) for s in statuses} - documented
        assert not undocumented, f"{method} {path} answered {undocumented}, not documented"
        assert all(s < 500 or s == 503 for s in statuses), (method, path, statuses)


def test_every_status_a_route_answers_is_documented(client, spec, tenant_module, keys):
    seen = probe(client, spec, tenant_module, keys)
    assert_documented(spec, seen)
    answered = set().union(*seen.values())
    assert {200, 400, 401, 403, 404, 415, 422} <= answered


@pytest.mark.parametrize(
    ("limits", "route", "status"),
    [
        ({"max_body_bytes": 150, "max_batch_records": 2}, ("POST", "/v1/calls"), 413),
        ({"rate_limit_per_s": 0.001, "rate_limit_burst": 1}, ("GET", "/v1/queues"), 429),
    ],
)
def test_limits_and_rate_limits_are_documented(
    settings, database, spec, tenant_module, keys, limits, route, status
):
    with TestClient(create_app(settings.model_copy(update=limits), database)) as test_client:
        seen = probe(test_client, spec, tenant_module, keys)
    assert_documented(spec, seen)
    assert status in seen[route]


def test_an_unavailable_database_is_a_documented_503(settings, spec, tenant_module, keys):
    down = Database("postgresql+psycopg://callpulse@127.0.0.1:1/callpulse")
    with TestClient(create_app(settings, down)) as test_client:
        seen = probe(test_client, spec, tenant_module, {"admin": keys["admin"]})
    down.dispose()
    assert_documented(spec, seen)
    assert all(503 in statuses for statuses in seen.values())


def parameter(spec: dict, path: str, name: str, method: str = "get") -> dict:
    return next(p for p in spec["paths"][path][method]["parameters"] if p["name"] == name)


def test_constraints_are_documented_and_enforced(client, spec, tenant_module):
    auth = tenant_module.auth(tenant_module.client_key)
    state = parameter(spec, "/v1/alerts", "state")["schema"]
    assert state["enum"] == list(ALERT_STATES)
    assert client.get("/v1/alerts", params={"state": "closed"}, headers=auth).status_code == 400
    granularity = parameter(spec, "/v1/metrics", "granularity")["schema"]
    assert granularity["enum"] == list(GRANULARITIES)
    by = parameter(spec, "/v1/metrics", "by")["schema"]["anyOf"][0]["enum"]
    assert set(by) == SPLITS - {None}
    metrics = "/v1/metrics"
    for bad in ({"granularity": "minute"}, {"by": "vendor"}):
        params = {"queue": tenant_module.queue, **bad}
        assert client.get(metrics, params=params, headers=auth).status_code == 400
    neither = client.get(metrics, headers=auth)
    assert neither.status_code == 422 and "queue" in neither.json()["error"]
    assert "`queue=` or `client=`" in spec["paths"][metrics]["get"]["description"]
    for suffix in ("", ".csv", ".xlsx", ".pdf"):
        path = f"/v1/sla/{{client}}{suffix}"
        assert parameter(spec, path, "period")["required"] is True
        missing = client.get(f"/v1/sla/{tenant_module.client}{suffix}", headers=auth)
        assert missing.status_code == 400 and "period" in missing.json()["error"]


@pytest.mark.parametrize("path", INGEST)
def test_ingest_examples_in_every_format_are_valid_records(spec, path):
    content = spec["paths"][path]["post"]["requestBody"]["content"]
    schema = KINDS[path.removeprefix("/v1/")].schema
    for media in MEDIA:
        examples = content[media]["examples"]
        assert examples, media
        for example in examples.values():
            value = example["value"]
            body = value.encode() if isinstance(value, str) else json.dumps(value).encode()
            records = parse_body(body, media, 100)
            assert records and all(r.error is None for r in records)
            for record in records:
                schema.model_validate(record.value)
    answer = spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
    assert set(answer["example"]) == {"accepted", "duplicates", "rejected"}


@pytest.mark.parametrize("path", INGEST)
def test_every_ingest_field_is_described(spec, path):
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    record = schema["anyOf"][0]
    record = (
        spec["components"]["schemas"][record["$ref"].rpartition("/")[2]]
        if "$ref" in record
        else record
    )
    undescribed = [
        name for name, field in record["properties"].items() if not field.get("description")
    ]
    assert not undescribed
    answer = spec["components"]["schemas"]["IngestResponse"]["properties"]
    assert all(field.get("description") for field in answer.values())


def test_every_reference_entry_names_a_route_and_parameter(spec):
    from app.api_reference import REFERENCE

    routes = {(method, path) for method, path, _ in operations(spec)}
    keys = [
        *REFERENCE.statuses,
        *REFERENCE.optional_key,
        *REFERENCE.notes,
        *REFERENCE.request_examples,
        *REFERENCE.response_examples,
    ]
    assert set(keys) <= routes
    for method, path, name in REFERENCE.parameters:
        names = {p["name"] for p in spec["paths"][path][method.lower()]["parameters"]}
        assert name in names, (method, path, name)
