"""The interval grid: the SQL origin is the Python origin, so both floor a moment alike."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.grid import GRID_ORIGIN, GRID_ORIGIN_SQL
from app.kpi.intervals import grid_floor


def test_the_sql_origin_is_the_python_origin(pg):
    assert pg.execute(f"SELECT {GRID_ORIGIN_SQL}").fetchone()[0] == GRID_ORIGIN


@pytest.mark.parametrize("minutes", [1, 7, 15, 30, 60])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(1999, 12, 31, 23, 53, 10, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 7, 30, 250_000, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_grid_floor_is_sql_date_bin(pg, moment, minutes):
    sql = f"SELECT date_bin(%s, %s, {GRID_ORIGIN_SQL})"
    expected = pg.execute(sql, [timedelta(minutes=minutes), moment]).fetchone()[0]
    assert grid_floor(moment, minutes) == expected
