"""Fixtures of the feed-quality tests: the feed fixtures of tests/ingest/feeds."""

from tests.ingest.feeds.fixtures import make_feed, test_formats

__all__ = ["make_feed", "test_formats"]
