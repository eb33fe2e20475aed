"""Fixtures of the rejected-records tests: the feed fixtures, and rejections seeded by time."""

from tests.ingest.feeds.fixtures import make_feed, test_formats
from tests.rejects.helpers import seeded

__all__ = ["make_feed", "seeded", "test_formats"]
