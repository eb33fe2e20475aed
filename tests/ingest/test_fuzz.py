"""Property: arbitrary Unicode, nesting and datetimes never make any route answer 5xx."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.kinds import KINDS

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
timestamps = st.one_of(
    st.builds(lambda m, tz: m.replace(tzinfo=tz).isoformat(), moments, offsets),
    st.builds(lambda m: m.isoformat(), moments),
    st.builds(lambda d: (datetime.now(UTC) - timedelta(days=d)).isoformat(), st.integers(-30, 800)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
    st.text(st.characters(categories=["Cs", "Cc"]), max_size=5),  # surrogates, NUL, CR
    timestamps,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=12,
)


@st.composite
def records(draw, kind: str) -> dict:
    """A record with some of the kind's fields (and maybe others), each any value."""
    names = list(KINDS[kind].schema.model_fields)
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    record = {name: draw(values) for name in chosen}
    record |= draw(st.dictionaries(st.text(max_size=20), values, max_size=2))
    return record


def _csv(batch: list[dict]) -> str:
    out = io.StringIO()
    fields = list(dict.fromkeys(k for r in batch for k in r)) or ["call_id"]
    writer = csv.DictWriter(out, fields)
    writer.writeheader()
    writer.writerows({k: str(v) for k, v in r.items()} for r in batch)
    return out.getvalue()


@FUZZ
@given(
    kind=st.sampled_from(list(KINDS)),
    data=st.data(),
    fmt=st.sampled_from(["json", "ndjson", "csv", "raw"]),
)
def test_ingest_never_answers_5xx(client, tenant, kind, data, fmt):
    batch = data.draw(st.lists(records(kind), min_size=1, max_size=5))
    if data.draw(st.booleans()):
        field = "queue" if kind != "agent-events" else "queues"
        for record in batch:
            record[field] = tenant.queue if field == "queue" else [tenant.queue]
    if fmt == "json":
        body, content_type = json.dumps(batch).encode(), "application/json"
    elif fmt == "ndjson":
        body = "\n".join(json.dumps(r) for r in batch).encode()
        content_type = "application/x-ndjson"
    elif fmt == "csv":
        body, content_type = _csv(batch).encode(errors="surrogatepass"), "text/csv"
    else:
        body = data.draw(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
        content_type = data.draw(
            st.sampled_from(["application/json", "application/x-ndjson", "text/csv"])
        )
    response = client.post(
        f"/v1/{kind}", content=body, headers={**tenant.auth(), "Content-Type": content_type}
    )
    assert response.status_code < 500, response.text


edges = st.sampled_from(["\x00", "a\x00", "0001-01-01", "9999-12-31", "9999-12", str(2**63)])
texts = (
    st.text(max_size=40)
    | timestamps
    | st.integers(-(2**70), 2**70).map(str)
    | edges
    | st.builds(lambda a, b: a + b, edges, st.text(max_size=5))
)


ROUTES = {  # path template, parameters, parameters a useful request carries
    "/v1/metrics": ("queue client from to granularity by format", {"queue": "{queue}"}),
    "/v1/queues": ("", {}),
    "/v1/queues/{code}/live": ("", {}),
    "/v1/alerts": ("state queue", {}),
    "/v1/sla/{code}": ("period contract", {"period": "2026-11"}),
    "/v1/sla/{code}.csv": ("period contract", {"period": "2026-11"}),
}


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_read_routes_never_answer_5xx(client, tenant, data):
    key = data.draw(st.sampled_from([tenant.client_key, tenant.key]))
    template = data.draw(st.sampled_from(list(ROUTES)))
    names, base = ROUTES[template]
    code = data.draw(st.sampled_from([tenant.queue, tenant.client]) | texts)
    params = {name: value.format(queue=tenant.queue) for name, value in base.items()}
    if names:
        params |= data.draw(st.dictionaries(st.sampled_from(names.split()), texts, max_size=3))
    path = template.format(code=quote(code, safe=""))
    response = client.get(path, params=params, headers=tenant.auth(key))
    assert response.status_code < 500, (path, params, response.text)
    alert = data.draw(texts)
    response = client.post(f"/v1/alerts/{quote(alert, safe='')}/ack", headers=tenant.auth(key))
    assert response.status_code < 500, (alert, response.text)
