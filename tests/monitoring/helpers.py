"""Scrape `/metrics` and read samples by name and labels."""

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Return every sample of a Prometheus text exposition, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Return one sample's value (0 when it is absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(client, key: str) -> tuple[str, Samples]:
    """GET /metrics with an admin key; return the text and its samples."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text, parse(response.text)
