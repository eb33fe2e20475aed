"""A URL's query reaches libpq as it was written: a space is a space, not a `+`."""

import psycopg
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from app.core.db import libpq_url


def test_query_values_with_spaces_reach_the_server_intact(database_url):
    url = (
        make_url(database_url)
        .update_query_dict({"options": "-c statement_timeout=4321 -c lock_timeout=1234"})
        .render_as_string(hide_password=False)
    )
    conninfo = libpq_url(url)
    assert conninfo_to_dict(conninfo)["options"] == "-c statement_timeout=4321 -c lock_timeout=1234"
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1234ms",)


def test_a_url_without_a_query_is_rendered_as_it_was():
    url = "postgresql+psycopg://user:p%40ss@db.example:6432/callpulse"
    assert libpq_url(url) == "postgresql://user:p%40ss@db.example:6432/callpulse"
