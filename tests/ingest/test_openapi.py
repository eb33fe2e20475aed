"""The OpenAPI document at /docs describes the four ingest routes and their body formats."""


def test_openapi_documents_every_ingest_route(client):
    spec = client.get("/openapi.json").json()
    for kind in ("calls", "call-events", "agent-events", "tickets"):
        operation = spec["paths"][f"/v1/{kind}"]["post"]
        content = operation["requestBody"]["content"]
        assert set(content) == {"application/json", "application/x-ndjson", "text/csv"}
        assert "upsert" in operation["description"]
        assert "200" in operation["responses"]
    assert client.get("/docs").status_code == 200
