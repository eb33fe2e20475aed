"""Each stored word is spelled once: the database, the ORM, the schemas and the readers agree."""

import re

import pytest
from pydantic import ValidationError

from app.contracts.config import ContractSpec
from app.core.vocabulary import (
    AGENT_STATES,
    DEFAULT_SL_FORMULA,
    LOGGED_IN_STATES,
    SL_FORMULA_NAMES,
    SL_FORMULAS,
    TICKET_CHANNELS,
    spoken_list,
)
from app.kpi.definitions import CALL_COMPONENTS, service_level
from app.kpi.names import KPI_NAMES
from app.kpi.sources import TICKET_TARGETS
from app.tenancy.config import QueueSpec
from dashboards.i18n import PAGE_WORDS
from ingest.schemas import AgentEventRecord, TicketRecord


def check_values(pg, table: str, name: str) -> tuple[str, ...]:
    """Return the words a migrated check constraint accepts, in its order."""
    row = pg.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND conname = %s",
        [table, f"ck_{table}_{name}"],
    ).fetchone()
    assert row is not None, f"no check constraint ck_{table}_{name}"
    return tuple(re.findall(r"'([^']*)'", row[0]))


@pytest.mark.parametrize(
    ("table", "name", "words"),
    [
        ("agent_state_changes", "state", AGENT_STATES),
        ("tickets", "channel", TICKET_CHANNELS),
        ("queues", "sl_formula", SL_FORMULA_NAMES),
    ],
)
def test_database_checks_accept_exactly_the_vocabulary(database, pg, table, name, words):
    assert check_values(pg, table, name) == words


@pytest.mark.parametrize(
    ("schema", "field", "words"),
    [
        (AgentEventRecord, "state", AGENT_STATES),
        (TicketRecord, "channel", TICKET_CHANNELS),
        (QueueSpec, "sl_formula", SL_FORMULA_NAMES),
    ],
)
def test_schema_enums_are_the_vocabulary(schema, field, words):
    assert schema.model_json_schema()["properties"][field]["enum"] == list(words)


def test_ingest_descriptions_list_the_vocabulary():
    fields = AgentEventRecord.model_fields["state"], TicketRecord.model_fields["channel"]
    assert [f.description for f in fields] == [
        "The state entered: logged_out, available, talking, acw or not_ready.",
        "The channel: email, chat, web, social or sms.",
    ]


def test_queue_ticket_targets_take_each_channel_and_no_other():
    targets = {channel: {"first_response_s": 60} for channel in TICKET_CHANNELS}
    spec = QueueSpec(code="q", client="c", ticket_targets=targets)
    assert tuple(spec.ticket_targets) == TICKET_CHANNELS
    with pytest.raises(ValidationError, match="fax"):
        QueueSpec(code="q", client="c", ticket_targets={"fax": {"first_response_s": 60}})


def test_contract_targets_take_each_channel_and_name_them_on_error():
    base = {"code": "k", "client": "c", "vendor": "v", "queues": ["q"]}
    base |= {"valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    base["billing"] = {"model": "per_workload", "unit_price": 1, "currency": "CNY"}
    target = {"min": 0.9, "weight": 1}
    ContractSpec.model_validate(
        base | {"targets": {f"ticket_frt_sla.{c}": target for c in TICKET_CHANNELS}}
    )
    with pytest.raises(ValidationError) as info:
        ContractSpec.model_validate(base | {"targets": {"ticket_frt_sla.fax": target}})
    assert f"use one of {', '.join(TICKET_CHANNELS)}" in str(info.value)


def test_every_channel_has_default_ticket_targets_and_names():
    assert tuple(TICKET_TARGETS) == TICKET_CHANNELS
    for lang, names in KPI_NAMES.items():
        missing = [c for c in TICKET_CHANNELS if f"channel_{c}" not in names]
        assert not missing, f"{lang}: no name for channels {missing}"


def test_every_logged_in_state_has_a_word_on_the_pages():
    for lang, words in PAGE_WORDS.items():
        missing = [s for s in LOGGED_IN_STATES if s not in words]
        assert not missing, f"{lang}: no word for states {missing}"


def test_every_sl_formula_is_implemented_and_the_default_is_one():
    components = dict.fromkeys(CALL_COMPONENTS, 1.0) | {"answered": 4.0, "abandoned": 1.0}
    assert DEFAULT_SL_FORMULA in SL_FORMULAS
    for name in SL_FORMULA_NAMES:
        assert service_level(components, name) is not None, name
    assert QueueSpec(code="q", client="c").sl_formula == DEFAULT_SL_FORMULA


def test_spoken_list_joins_with_or():
    assert spoken_list(("a", "b", "c")) == "a, b or c"
