"""Apply the `measures:` section: upsert declared measures by code (idempotent)."""

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.core.errors import ConfigError
from app.measures import repository
from app.measures.config import MeasureSpec
from app.models import Measure


def apply_measures(session: Session, entries: Sequence[MeasureSpec], counts: Counter[str]) -> None:
    """Create or update every measure of `entries` by code; a measure not listed is kept (its
    submissions are history). Errors name `measures[i] (code).field`."""
    measures = repository.measures_by_code(session)
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.code in seen:
            raise ConfigError(f"measures[{i}] ({entry.code}).code: appears twice in the file")
        seen.add(entry.code)
        wanted = {
            "name_en": entry.name.en,
            "name_zh": entry.name.zh,
            "unit": entry.unit,
            "higher_is_better": entry.direction == "higher",
            "formula_en": entry.formula.en,
            "formula_zh": entry.formula.zh,
        }
        measure = measures.get(entry.code)
        if measure is None:
            session.add(Measure(code=entry.code, **wanted))
            counts["measures created"] += 1
        elif any(getattr(measure, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(measure, name, value)
            counts["measures updated"] += 1
    session.flush()
