"""README's Feeds section: every YAML sample is a `feeds:` file that main accepts as written."""

import re
from pathlib import Path

import pytest

from app.apply.file import load_file
from ingest import adapters
from ingest.feed_config import checked_options

README = Path(__file__).resolve().parents[3] / "README.md"
FENCED_YAML = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)


def feeds_section() -> str:
    """Return the README from `## Feeds` up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Feeds")
    end = text.index("\n## ", start + 1)
    return text[start:end]


SAMPLES = FENCED_YAML.findall(feeds_section())


def test_the_section_has_a_sample_of_every_format():
    declared = {spec.format for sample in SAMPLES for spec in load_file(sample).feeds}
    assert declared == set(adapters.FORMATS)


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"yaml-{i + 1}" for i in range(len(SAMPLES))])
def test_each_yaml_sample_loads_and_its_options_satisfy_the_adapter(sample: str):
    spec = load_file(sample, source="README")
    assert spec.feeds, "a Feeds sample declares feeds"
    for feed in spec.feeds:
        checked_options(feed)  # raises OptionsRejected naming `<block>.<field>`
