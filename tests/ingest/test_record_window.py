"""Partitions are made only for accepted records, inside the accepted window of time."""

from datetime import UTC, datetime

import pytest

from app.partitions import PartitionManager, is_partition, partition_name
from ingest.raw import RawRecord
from ingest.service import IngestService
from tests.factories import post

PARTITIONS = (
    "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent"
    " WHERE p.relname IN ('calls', 'agent_state_changes', 'tickets')"
)


def test_old_records_make_no_partition_and_are_rejected_by_name(client, tenant, pg):
    before = pg.execute(PARTITIONS).fetchone()[0]
    old = [
        {"call_id": f"old-{year}", "queue": q, "offered_at": f"{year}-06-01T09:00:00+08:00"}
        for year in range(1901, 2001)
        for q in (tenant.queue, "no-such-queue")
    ]
    body = post(client, "/v1/calls", old, tenant).json()
    assert pg.execute(PARTITIONS).fetchone()[0] == before
    assert body["accepted"] == 0 and len(body["rejected"]) == len(old)
    for rejection in body["rejected"]:
        assert any("older than the accepted window of 400 days" in e for e in rejection["errors"])


def _months_without_partition(pg, count: int) -> list[str]:
    """Return `count` months inside the window whose calls partition does not exist yet."""
    months = [
        f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]
    ]
    free = [
        m
        for m in months
        if not pg.execute("SELECT to_regclass(%s)", [f"calls_p{m.replace('-', '')}"]).fetchone()[0]
    ]
    if len(free) < count:
        pytest.skip("every month of the window already has its partition")
    return free[:count]


def test_tenancy_rejections_make_no_partition(client, tenant, pg):
    unknown, foreign = _months_without_partition(pg, 2)
    before = pg.execute(PARTITIONS).fetchone()[0]
    records = [
        {"call_id": "nq", "queue": "no-such-queue", "offered_at": f"{unknown}-15T09:00:00Z"},
        {"call_id": "ns", "queue": tenant.other_queue, "offered_at": f"{foreign}-15T09:00:00Z"},
    ]
    body = post(client, "/v1/calls", records, tenant).json()
    assert body["accepted"] == 0 and len(body["rejected"]) == 2
    assert pg.execute(PARTITIONS).fetchone()[0] == before


def test_window_is_a_parameter_of_the_service_call(client, tenant, database, settings, pg):
    vendor_id = pg.execute("SELECT id FROM vendors WHERE code = %s", [tenant.vendor]).fetchone()[0]
    record = {
        "call_id": "y1990",
        "queue": tenant.queue,
        "offered_at": "1990-03-01T09:00:00+08:00",
        "agent": "first-seen",  # its row is written before the partition is made
    }
    service = IngestService(database, PartitionManager(database.engine), settings)
    refused = service.ingest("calls", vendor_id, [RawRecord(0, record)])
    assert refused.accepted == 0
    assert "older than the accepted window of 400 days" in refused.rejected[0]["errors"][0]
    widened = service.ingest("calls", vendor_id, [RawRecord(0, record)], max_age_days=20_000)
    assert widened.accepted == 1
    assert pg.execute("SELECT to_regclass('calls_p199003') IS NOT NULL").fetchone()[0]


@pytest.mark.parametrize("year", [1, 99, 999, 1000, 9999])
def test_partition_names_are_well_formed_for_any_year(year):
    name = partition_name("calls", datetime(year, 12, 1, tzinfo=UTC))
    assert name == f"calls_p{year:04d}12" and is_partition(name)
