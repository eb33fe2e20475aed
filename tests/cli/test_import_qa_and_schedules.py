"""`callpulse import` reads QA evaluations, schedules and forecasts through their routes' services,
naming the file line of each rejected record."""

import json

from tests.cli.test_commands import callpulse
from tests.qa.helpers import evaluation, handled_calls
from tests.schedules.helpers import seg, stored


def _import(database_url, path, tenant, kind, *extra):
    return callpulse(
        database_url, "import", str(path), "--kind", kind, "--vendor", tenant.vendor, *extra
    )


def _reported(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  line ")]


def test_qa_evaluations_csv_rejections_name_their_lines(client, database_url, tenant, tmp_path):
    handled_calls(client, tenant, tenant.queue, ["qc1", "qc2"])
    q = tenant.queue
    header = "evaluation_id,call_id,queue,agent,evaluator,evaluated_at,mode,fatal_errors,"
    header += "non_fatal_errors,score,items"
    at = "2026-11-20T15:00:00+08:00"
    path = tmp_path / "qa.csv"
    path.write_text(
        f"{header}\n"  # line 1
        f'cq-ok-1,qc1,{q},a1,qa1,{at},recording,0,1,92,"[{{""item"": ""greeting""}}]"\n'  # 2
        f"cq-unknown,nope,{q},a1,qa1,{at},recording,0,0,80,\n"  # 3: no such call
        f"cq-many,qc2,{q},a1,qa1,{at},live,101,0,80,\n"  # 4: above the bound
        f"cq-ok-2,qc2,{q},a1,qa1,{at},live,1,0,70,\n"  # 5
        f"cq-mode,qc2,{q},a1,qa1,{at},phone,0,0,70,\n"  # 6: not a mode
    )
    result = _import(database_url, path, tenant, "qa-evaluations", "--batch-size", "2")
    assert result.returncode == 1, result.stderr
    assert "2 accepted, 0 duplicates, 3 rejected" in result.stderr
    reported = _reported(result.stderr)
    assert [line.split(" (")[0] for line in reported] == ["line 3", "line 4", "line 6"]
    assert reported[0].startswith("line 3 (cq-unknown): call_id: no call 'nope'")
    assert reported[1].startswith("line 4 (cq-many): fatal_errors")
    assert reported[2].startswith("line 6 (cq-mode): mode")
    # the same file again: the accepted two are duplicates, the refused ones refused again
    again = _import(database_url, path, tenant, "qa-evaluations")
    assert "0 accepted, 2 duplicates, 3 rejected" in again.stderr


def test_qa_evaluations_ndjson_land_where_the_route_puts_them(
    client, database_url, tenant, tmp_path, pg
):
    handled_calls(client, tenant, tenant.queue, ["qn1"])
    path = tmp_path / "qa.ndjson"
    good = evaluation("nq-1", tenant.queue, call_id="qn1", fatal=2, score=60)
    path.write_text(f"{json.dumps(good)}\n{{not json\n")
    result = _import(database_url, path, tenant, "qa-evaluations")
    assert result.returncode == 1, result.stderr
    [reported] = _reported(result.stderr)
    assert reported.startswith("line 2") and "not valid JSON" in reported
    row = pg.execute(
        "SELECT e.fatal_errors, e.score FROM qa_evaluations e JOIN queues q ON q.id = e.queue_id"
        " WHERE q.code = %s AND e.evaluation_id = 'nq-1'",
        [tenant.queue],
    ).fetchone()
    assert row == (2, 60)


def test_schedules_overlapping_in_one_file_are_refused_whatever_the_batch_size(
    database_url, tenant, tmp_path, pg
):
    q = [tenant.queue]
    records = [
        seg("s1", "09:00", "12:00", queues=q),  # line 1
        seg("s2", "09:00", "17:00", queues=q),  # 2
        seg("s1", "11:00", "13:00", queues=q),  # 3: overlaps line 1 (same agent)
        seg("s2", "17:00", "18:00", "nap", queues=q),  # 4: not an activity
        seg("s3", "08:00", "16:00", queues=q),  # 5
    ]
    path = tmp_path / "schedules.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = _import(database_url, path, tenant, "schedules", "--batch-size", "1")
    assert result.returncode == 1, result.stderr
    assert "2 accepted, 0 duplicates, 3 rejected" in result.stderr
    reported = _reported(result.stderr)
    assert [line.split(" (")[0] for line in reported] == ["line 1", "line 3", "line 4"]
    assert "overlaps record 2 of agent 's1'" in reported[0]  # records count from 0
    assert reported[2].startswith("line 4 (s2@2026-11-20T17:00:00+08:00): activity")
    assert stored(pg, tenant.vendor, "s1") == []
    assert stored(pg, tenant.vendor, "s2") == [("09:00", "17:00", "work")]
    assert stored(pg, tenant.vendor, "s3") == [("08:00", "16:00", "work")]


def test_forecasts_csv_land_split_and_rejections_name_their_lines(
    database_url, tenant, tmp_path, pg
):
    q = tenant.queue
    path = tmp_path / "forecasts.csv"
    path.write_text(
        "queue,interval_start,interval_min,offered,aht_s,required_agents,source\n"  # line 1
        f"{q},2026-11-20T09:00:00+08:00,30,20,180,6,nice-iex\n"  # 2: two 15-min rows of 10
        f"{q},2026-11-20T09:07:00+08:00,,5,180,2,nice-iex\n"  # 3: off the grid
        f"nope,2026-11-20T09:00:00+08:00,,5,180,2,nice-iex\n"  # 4: no such queue
        f"{q},2026-11-20T10:00:00+08:00,,-3,180,2,nice-iex\n"  # 5: offered below 0
    )
    result = _import(database_url, path, tenant, "forecasts", "--max-age-days", "3650")
    assert result.returncode == 1, result.stderr
    assert "1 accepted, 0 duplicates, 3 rejected" in result.stderr
    reported = _reported(result.stderr)
    assert [line.split(" (")[0] for line in reported] == ["line 3", "line 4", "line 5"]
    assert "interval_start" in reported[0] and "queue" in reported[1]
    assert "offered" in reported[2]
    rows = pg.execute(
        "SELECT f.offered, f.source FROM forecasts f JOIN queues q ON q.id = f.queue_id"
        " WHERE q.code = %s ORDER BY f.interval_start",
        [q],
    ).fetchall()
    assert rows == [(10.0, "nice-iex"), (10.0, "nice-iex")]


def test_an_unknown_kind_names_every_kind(database_url, tenant, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    result = _import(database_url, path, tenant, "plans")
    assert result.returncode == 2
    assert "--kind 'plans': use one of" in result.stderr
    assert "qa-evaluations, schedules, forecasts" in result.stderr
