"""A test-only webhook format, `test-hook`: one form-encoded call event, answered 204."""

from datetime import datetime
from urllib.parse import parse_qsl

from ingest.adapters.base import FeedConfig, Item, NoOptions


class HookAdapter:
    """The `test-hook` format: `call_id=…&queue=…&event=…&at=…`."""

    name = "test-hook"
    Options = NoOptions
    media_types = ("application/x-www-form-urlencoded",)
    status_code = 204

    def parse(self, body: bytes, content_type: str | None, feed: FeedConfig) -> list[Item]:
        """Read one event; the body is element 1."""
        fields = dict(parse_qsl(body.decode()))
        at = feed.moment(datetime.fromisoformat(fields["at"]), "at")
        value = {**fields, "queue": feed.queue(fields["queue"]), "at": at}
        return [Item("call-events", 1, body.decode(), value)]


ADAPTER = HookAdapter()
