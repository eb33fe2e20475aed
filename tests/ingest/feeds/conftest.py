"""Fixtures of the feed tests (defined in `fixtures`, which tests/cli imports too)."""

from tests.ingest.feeds.fixtures import make_feed, test_formats

__all__ = ["make_feed", "test_formats"]
