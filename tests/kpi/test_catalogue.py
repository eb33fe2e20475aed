"""The catalogue of KPI sources against the schema: stats columns, fact columns, KPI groups."""

import re

import pytest

from app.kpi.definitions import (
    AGENT_KPIS,
    ALERT_KPIS,
    CALL_KPIS,
    CALLBACK_KPIS,
    FORECAST_KPIS,
    KPIS,
    QA_DAY_KPIS,
    QA_KPIS,
    SCHEDULE_KPIS,
    TICKET_KPIS,
)
from app.kpi.sources import CALLS, SOURCES, Component, Source
from app.models import Base
from ingest import facts

INGEST_TABLES = {
    t.name: set(t.columns) for t in (facts.CALLS, facts.TICKETS, facts.AGENT_STATE_CHANGES)
}


def orm_columns() -> dict[str, set[str]]:
    """Return every ORM table's column names."""
    return {name: {c.name for c in table.columns} for name, table in Base.metadata.tables.items()}


def db_columns(pg) -> dict[str, set[str]]:
    """Return every table's column names in the migrated test database."""
    found: dict[str, set[str]] = {}
    for table, column in pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
    ):
        found.setdefault(table, set()).add(column)
    return found


def missing_stats_columns(source: Source, tables: dict[str, set[str]], where: str) -> list[str]:
    """Name each component without a column of its name in the source's stats tables."""
    return [
        f"{source.name}.{name}: no column {table}.{name} in {where}"
        for table in (source.interval_table, source.day_table)
        if table
        for name in source.components
        if name not in tables.get(table, set())
    ]


def missing_fact_columns(source: Source, tables: dict[str, set[str]], where: str) -> list[str]:
    """Name each fact column a component reads that the fact table lacks."""
    return [
        f"{source.name}.{name}: reads {source.fact_table}.{column}, missing in {where}"
        for name, columns in source.reads().items()
        for column in columns
        if column not in tables.get(source.fact_table, set())
    ]


def undeclared_reads(source: Source) -> list[str]:
    """Name each `<alias>.column` a component's SQL uses without declaring that it reads it."""
    shared = set(re.findall(rf"\b{source.alias}\.(\w+)", source.rows_sql))
    problems = [
        f"{source.name} rows_sql reads {source.alias}.{c} undeclared"
        for c in sorted(shared - set(source.row_reads))
    ]
    for name, component in source.components.items():
        used = set(re.findall(rf"\b{source.alias}\.(\w+)", component.sql))
        problems += [
            f"{source.name}.{name} reads {source.alias}.{c} undeclared"
            for c in sorted(used - set(source.reads()[name]))
        ]
    return problems


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES)
def test_every_component_has_its_stats_columns_in_the_orm_and_the_database(source, database, pg):
    assert missing_stats_columns(source, orm_columns(), "the ORM (app/models/stats.py)") == []
    assert missing_stats_columns(source, db_columns(pg), "the migrated database") == []


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES)
def test_every_fact_column_read_exists_in_ingest_and_the_orm(source, database, pg):
    assert undeclared_reads(source) == []
    assert missing_fact_columns(source, orm_columns(), "the ORM (app/models)") == []
    assert missing_fact_columns(source, db_columns(pg), "the migrated database") == []
    # alerts, QA and schedules are summed from their own tables at read time (alerts written
    # by the evaluator, QA and schedules by their own services), not kept by FactTable upserts
    if source.interval_table:
        assert missing_fact_columns(source, INGEST_TABLES, "ingest FactTable") == []


def test_a_component_without_its_column_is_named_with_the_column():
    wider = Source(
        **{
            **CALLS.__dict__,
            "components": {**CALLS.components, "parked": Component("count(c.parked_s)")},
        }
    )
    assert missing_stats_columns(wider, orm_columns(), "the ORM") == [
        "calls.parked: no column call_interval_stats.parked in the ORM",
        "calls.parked: no column call_day_stats.parked in the ORM",
    ]
    assert undeclared_reads(wider) == ["calls.parked reads c.parked_s undeclared"]
    reading = Source(
        **{
            **wider.__dict__,
            "components": {"parked": Component("count(c.parked_s)", ("parked_s",))},
        }
    )
    assert missing_fact_columns(reading, INGEST_TABLES, "ingest FactTable") == [
        "calls.parked: reads calls.parked_s, missing in ingest FactTable"
    ]


def test_kpi_groups_are_the_sources_kpis_each_once():
    groups = {"calls": CALL_KPIS, "agents": AGENT_KPIS, "alerts": ALERT_KPIS}
    groups["tickets"] = TICKET_KPIS
    groups |= {"qa": QA_KPIS, "qa_days": QA_DAY_KPIS, "schedules": SCHEDULE_KPIS}
    groups["forecasts"] = FORECAST_KPIS
    groups["callbacks"] = CALLBACK_KPIS
    assert set(groups) == set(SOURCES)
    assert sorted(k for g in groups.values() for k in g) == sorted(KPIS)
    for source, names in groups.items():
        assert all(KPIS[name].source == source for name in names), source
    assert "avg_hold_s" in CALL_KPIS and "hold_rate" in CALL_KPIS
