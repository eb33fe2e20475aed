"""Writers of the same new keys insert them in one order, so they wait for each other
rather than deadlock (PostgreSQL runs a statement's unread CTEs last one first: the table's
insert came before its keys table's, unordered, and four writers of the same new calls
deadlocked until a batch ran out of retries)."""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from ingest.facts import AGENT_STATE_CHANGES, CALLS, TICKETS, FactTable
from ingest.merge_sql import create_stage_sql, merge_sql


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    """Yield every plan node of an EXPLAIN (FORMAT JSON) answer, nested ones included."""
    if isinstance(plan, dict):
        if "Node Type" in plan:
            yield plan
        for value in plan.values():
            yield from _nodes(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _nodes(item)


def _inserts(table: FactTable, plan: Any) -> list[dict[str, Any]]:
    """Return the merge's inserts into the table and its keys table."""
    names = {table.name, table.keys_table}
    return [
        node
        for node in _nodes(plan)
        if node.get("Operation") == "Insert" and node.get("Relation Name") in names
    ]


@pytest.mark.skipif(
    bool(os.environ.get("CALLPULSE_TEST_CITUS_URL")),
    reason="on Citus the merge's CTEs run as subplans, whose EXPLAIN does not show the"
    " inserts' input: the order is checked on plain PostgreSQL",
)
@pytest.mark.parametrize("table", [CALLS, TICKETS, AGENT_STATE_CHANGES], ids=lambda t: t.name)
def test_the_merge_inserts_new_rows_in_key_order(database, pg, table):
    params: dict[str, Any] = {
        "pass_no": 0,
        "subject": table.subject,
        "interval": "15 minutes",
        "locked": True,
    }
    if table.named_by:
        params |= {f"named_{name}": "{}" for name in ("clients", "ids", "sent")}
    with pg.transaction(force_rollback=True):
        pg.execute(create_stage_sql(table))
        (plan,) = pg.execute(
            f"EXPLAIN (VERBOSE, FORMAT JSON) {merge_sql(table)}", params
        ).fetchone()
    inserts = _inserts(table, plan)
    assert len(inserts) == (2 if table.keys_table else 1), [n.get("Relation Name") for n in inserts]
    for insert in inserts:
        sorts = [n for n in _nodes(insert) if n["Node Type"] in ("Sort", "Incremental Sort")]
        assert sorts, f"{insert['Relation Name']}: new rows inserted in no particular order"
        keys = sorts[0]["Sort Key"][: len(table.key)]
        assert [k.rsplit(".", 1)[-1] for k in keys] == list(table.key), keys
