"""`feeds:` in the tenancy YAML: idempotent upserts, and errors naming the entry and field."""

import secrets
from collections import Counter

import pytest
from sqlalchemy import select

from app.apply.file import load_file
from app.apply.service import apply_tenancy
from app.core.errors import ConfigError
from app.models import Feed
from tests.factories import Tenant


def _apply(database, text: str) -> Counter[str]:
    with database.session_scope() as session:
        return apply_tenancy(session, load_file(text)).counts


def _stored(database, name: str) -> Feed:
    with database.session_scope() as session:
        feed = session.scalars(select(Feed).where(Feed.name == name)).one()
        session.expunge(feed)
        return feed


def _feed_yaml(tenant: Tenant, name: str, extra: str = "") -> str:
    return (
        f"feeds:\n  - {{name: {name}, vendor: {tenant.vendor}, format: test-lines,"
        f" timezone: Asia/Shanghai, queues: {{Q: {tenant.queue}, 5001: {tenant.shared_queue}}}"
        f"{extra}}}\n"
    )


def test_apply_creates_then_changes_nothing_then_updates(database, tenant, test_formats):
    name = f"floor-{secrets.token_hex(3)}"
    text = _feed_yaml(tenant, name, ", test_lines: {separator: ';'}, max_age_days: 30")
    assert _apply(database, text) == Counter({"feeds created": 1})
    feed = _stored(database, name)
    assert (feed.format, feed.timezone, feed.max_age_days) == ("test-lines", "Asia/Shanghai", 30)
    assert feed.queues == {"Q": tenant.queue, "5001": tenant.shared_queue}  # numbers as text
    assert feed.options == {"separator": ";"}
    assert _apply(database, text) == Counter()
    assert _apply(database, text.replace("Asia/Shanghai", "UTC")) == Counter({"feeds updated": 1})
    assert _stored(database, name).timezone == "UTC"
    assert _stored(database, name).updated_at > feed.updated_at


def test_options_only_given_keys_are_stored(database, tenant, test_formats):
    name = f"floor-{secrets.token_hex(3)}"
    _apply(database, _feed_yaml(tenant, name))
    assert _stored(database, name).options == {}  # the adapter's defaults apply at use


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (", timezone: Mars/Olympus", ".timezone: unknown timezone 'Mars/Olympus'"),
        (", csv: {delimiter: ','}", ".csv: unknown key"),
        (", options: {separator: ','}", ": options: unknown key"),
        (", max_age_days: 0", ".max_age_days: Input should be greater than 0"),
    ],
)
def test_file_errors_name_entry_and_field(tenant, test_formats, extra, expected):
    text = _feed_yaml(tenant, "floor", extra).replace("timezone: Asia/Shanghai, ", "", 1)
    with pytest.raises(ConfigError) as caught:
        load_file(text)
    assert f"feeds[0] (floor){expected}" in caught.value.message


def test_unknown_format_names_the_formats(tenant, test_formats):
    with pytest.raises(ConfigError) as caught:
        load_file(_feed_yaml(tenant, "floor").replace("test-lines", "avaya-cms"))
    message = caught.value.message
    assert "feeds[0] (floor).format: unknown format 'avaya-cms'" in message
    assert "asterisk-queue-log" in message and "test-lines" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("vendor: v", "vendor: nobody-"), ".vendor: unknown vendor 'nobody-"),
        (("Q: q", "Q: o"), ".queues: vendor {vendor} does not serve Q → o"),
        (("Q: q", "Q: nowhere-"), ".queues: vendor {vendor} does not serve Q → nowhere-"),
        (("queues:", "test_lines: {separator: ';;'}, queues:"), ".test_lines.separator: String"),
        (("queues:", "test_lines: {sep: x}, queues:"), ".test_lines.sep: unknown key"),
    ],
)
def test_apply_errors_name_entry_and_field(database, tenant, test_formats, change, expected):
    name = f"floor-{secrets.token_hex(3)}"
    text = _feed_yaml(tenant, name).replace(*change)
    with pytest.raises(ConfigError) as caught:
        _apply(database, text)
    assert caught.value.message.startswith(
        f"feeds[0] ({name}){expected.format(vendor=tenant.vendor)}"
    ), caught.value.message
    with database.session_scope() as session:
        assert session.scalars(select(Feed).where(Feed.name == name)).first() is None


def test_a_feed_cannot_move_to_another_vendor(database, tenant, test_formats):
    name = f"floor-{secrets.token_hex(3)}"
    _apply(database, _feed_yaml(tenant, name).replace(f"5001: {tenant.shared_queue}", ""))
    moved = f"feeds:\n  - {{name: {name}, vendor: {tenant.other_vendor}, format: test-lines}}\n"
    with pytest.raises(ConfigError, match=r"\.vendor: the feed belongs to another vendor"):
        _apply(database, moved)


def test_a_name_twice_in_one_file_is_an_error(database, tenant, test_formats):
    name = f"floor-{secrets.token_hex(3)}"
    entry = _feed_yaml(tenant, name).removeprefix("feeds:\n")
    with pytest.raises(ConfigError, match=rf"feeds\[1\] \({name}\)\.name: appears twice"):
        _apply(database, "feeds:\n" + entry + entry)
