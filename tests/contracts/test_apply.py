"""`contracts:` through `callpulse apply`: upsert by code, checks naming the entry and field."""

from typing import Any

import pytest
import yaml

from app.apply.file import load_file
from app.core.errors import ConfigError
from tests.cli.test_commands import callpulse
from tests.contracts.helpers import apply, contract_entry


def stored(pg, code: str) -> dict[str, Any]:
    row = pg.execute(
        "SELECT c.valid_from::text, c.valid_to::text, c.targets, c.billing, v.code,"
        " array(SELECT q.code FROM contract_queues cq JOIN queues q ON q.id = cq.queue_id"
        " WHERE cq.contract_id = c.id ORDER BY q.code)"
        " FROM contracts c JOIN vendors v ON v.id = c.vendor_id WHERE c.code = %s",
        [code],
    ).fetchone()
    names = ("valid_from", "valid_to", "targets", "billing", "vendor", "queues")
    return dict(zip(names, row, strict=True))


def test_apply_creates_then_changes_nothing_then_updates(database, tenant, pg):
    entry = contract_entry(tenant)
    assert apply(database, entry) == {"contracts created": 1, "contract queues added": 1}
    row = stored(pg, entry["code"])
    assert row["queues"] == [tenant.queue] and row["vendor"] == tenant.vendor
    assert row["targets"] == [{"kpi": "service_level", "min": 0.8, "weight": "40", "penalty": "0"}]
    assert row["billing"]["unit_price"] == "4.5" and row["billing"]["model"] == "per_workload"
    assert apply(database, entry) == {}
    entry["targets"]["service_level"]["min"] = 0.85
    entry["queues"] = [tenant.shared_queue]
    assert apply(database, entry) == {
        "contracts updated": 1,
        "contract queues added": 1,
        "contract queues removed": 1,
    }
    row = stored(pg, entry["code"])
    assert row["targets"][0]["min"] == 0.85
    assert row["queues"] == [tenant.shared_queue]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: {"client": "ghost"}, ".client: unknown client 'ghost'; add it under clients"),
        (lambda t: {"vendor": "ghost"}, ".vendor: unknown vendor 'ghost'; add it under vendors"),
        (lambda t: {"queues": [t.queue, "ghost"]}, ".queues: unknown queue(s) ghost"),
        (
            lambda t: {"queues": [t.foreign_queue]},
            ".queues: {t.foreign_queue} belong(s) to another client, not {t.client}",
        ),
        (
            lambda t: {"queues": [t.queue, t.other_queue]},
            ".queues: vendor {t.vendor} does not serve {t.other_queue}"
            " (add it to the queue's vendors)",
        ),
    ],
)
def test_apply_checks_parties_and_queues(database, tenant, change, message):
    entry = contract_entry(tenant, **change(tenant))
    with pytest.raises(ConfigError) as info:
        apply(database, contract_entry(tenant), entry)
    expected = message.format(t=tenant)
    assert info.value.message == f"contracts[1] ({entry['code']}){expected}"


def test_a_contract_cannot_move_between_clients(database, tenant):
    entry = contract_entry(tenant)
    apply(database, entry)
    moved = contract_entry(
        tenant, code=entry["code"], client=tenant.other_client, queues=[tenant.foreign_queue]
    )
    with pytest.raises(ConfigError, match=r"\.client: the contract belongs to another client"):
        apply(database, moved)


def test_a_code_twice_in_one_file_is_an_error(database, tenant):
    entry = contract_entry(tenant)
    with pytest.raises(ConfigError, match=r"contracts\[1\] \(k-\w+\)\.code: appears twice"):
        apply(database, entry, entry)


def test_yaml_errors_name_the_contract_and_field(tenant):
    entry = contract_entry(tenant, code="acme-2026")
    entry["targets"]["asa_s"] = {"max": 20}
    entry["billing"]["model"] = "per_seat"
    text = yaml.safe_dump({"contracts": [entry]})
    with pytest.raises(ConfigError) as info:
        load_file(text, "tenants.yaml")
    assert info.value.message == (
        "tenants.yaml: contracts[0] (acme-2026).targets.asa_s.weight: required;"
        " contracts[0] (acme-2026).billing.seats: required for per_seat billing"
    )


def test_unknown_section_lists_contracts():
    with pytest.raises(ConfigError, match=r"contract: unknown section \(expected clients,.*"):
        load_file("contract: []")
    with pytest.raises(ConfigError, match=r"alert_rules, contracts, feeds, measures\)"):
        load_file("contract: []")


def test_callpulse_apply_with_a_contract_is_idempotent(database_url, tenant, tmp_path, pg):
    entry = contract_entry(tenant)
    path = tmp_path / "contracts.yaml"
    path.write_text(yaml.safe_dump({"contracts": [entry]}))
    first = callpulse(database_url, "apply", str(path))
    assert first.returncode == 0, first.stderr
    assert "1 contracts created" in first.stderr
    again = callpulse(database_url, "apply", str(path))
    assert again.returncode == 0 and "nothing changed" in again.stderr
    assert stored(pg, entry["code"])["valid_to"] == "2026-12-31"
