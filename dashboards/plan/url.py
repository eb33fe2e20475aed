"""The plan page's settings as query parameters, so a bookmark or a wall TV holds its view.

`/plan/?queue=acme-cards&date=2026-12-01&lang=zh`: the queue, the local day (none: tomorrow
in the client's timezone, so a TV's link always shows the next day) and the language. A value
that cannot be used is named on the page and not kept; parameters the page does not own are
left as they are.
"""

import urllib.parse
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.forecasting.plan import tomorrow
from dashboards.wall_url import LANGUAGES, QUEUE_CODE

OWN = ("queue", "date", "lang")
DAY_STEPS = {"prev-day": -1, "next-day": 1}


@dataclass(frozen=True)
class PlanSettings:
    """What the page shows; `problems` names the parameters that were ignored."""

    queue: str | None = None
    date: str | None = None  # YYYY-MM-DD, the client's local day; None: tomorrow
    lang: str = "en"
    problems: list[list[str]] = field(default_factory=list)  # [parameter, value, hint word]

    def data(self) -> dict[str, Any]:
        """Return the settings as a `dcc.Store` holds them."""
        return asdict(self)

    @classmethod
    def of(cls, data: Any) -> "PlanSettings":
        """Return the settings a `dcc.Store` holds (the defaults when it holds none)."""
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (AttributeError, TypeError):
            return cls()

    def but(self, **changes: Any) -> "PlanSettings":
        """Return these settings with `changes` applied (and nothing left to complain about)."""
        return replace(self, problems=[], **changes)


def from_search(search: str | None) -> PlanSettings:
    """Read the settings from a query string; a value that cannot be used is named, not kept."""
    query = urllib.parse.parse_qs((search or "").lstrip("?"))

    def last(name: str) -> str | None:
        return query[name][-1].strip() or None if query.get(name) else None

    problems: list[list[str]] = []
    queue, day, lang = last("queue"), last("date"), (last("lang") or "en").lower()
    if queue is not None and not QUEUE_CODE.match(queue):
        problems.append(["queue", queue, "url_unknown"])
        queue = None
    if day is not None and _day(day) is None:
        problems.append(["date", day, "url_date"])
        day = None
    if lang not in LANGUAGES:
        problems.append(["lang", lang, "url_lang"])
        lang = "en"
    return PlanSettings(queue, day, lang, problems)


def to_search(settings: PlanSettings, search: str | None) -> str:
    """Write the settings into a query string, keeping every parameter the page does not own."""
    kept = [
        (name, value)
        for name, value in urllib.parse.parse_qsl(
            (search or "").lstrip("?"), keep_blank_values=True
        )
        if name not in OWN
    ]
    wanted = [("queue", settings.queue), ("date", settings.date), ("lang", settings.lang)]
    pairs = kept + [(name, value) for name, value in wanted if value]
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def resolve(
    settings: PlanSettings, queues: list[dict[str, Any]], now: datetime
) -> tuple[PlanSettings, str | None]:
    """Return the settings with a queue the viewer may see, and the local day to show.

    A queue not among `queues` is never shown: it is named as ignored and the first one is
    shown instead. No date: tomorrow in the shown queue's client timezone.
    """
    codes = [q["code"] for q in queues]
    problems = list(settings.problems)
    queue = settings.queue
    if queue is not None and queue not in codes:
        problems.append(["queue", queue, "url_unknown"])
        queue = None
    queue = queue or next(iter(codes), None)
    shown = replace(settings, queue=queue, problems=problems)
    if settings.date or queue is None:
        return shown, settings.date
    zone = next(q["timezone"] for q in queues if q["code"] == queue)
    return shown, tomorrow(ZoneInfo(zone), now).isoformat()


def after(
    trigger: str | None, settings: PlanSettings, chosen_queue: Any, shown_day: Any
) -> tuple[PlanSettings, str | None]:
    """Return the settings after a control changed, and the day the date picker shows then.

    `chosen_queue` and `shown_day`: the queue picker's and the date picker's values; a step
    (`prev-day`, `next-day`) moves the shown day by one.
    """
    if trigger == "lang-toggle":
        return settings.but(lang="zh" if settings.lang == "en" else "en"), shown_day
    if trigger == "queue-picker":
        return settings.but(queue=chosen_queue or settings.queue), shown_day
    day = _day(str(shown_day or "")[:10])
    if day is None:
        return settings, shown_day
    day += timedelta(days=DAY_STEPS.get(str(trigger), 0))
    return settings.but(date=day.isoformat()), day.isoformat()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
