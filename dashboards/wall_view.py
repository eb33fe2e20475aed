"""What the wallboard shows, as pure functions of the live state and the board's settings."""

import hashlib
import itertools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from dash import no_update

from dashboards.i18n import word
from dashboards.wall_url import DEFAULT_ROTATE_S, FILTER_PARAMS, WallSettings

TV_GROUP = 4  # tiles a TV shows at once (2 × 2, numbers ≥ 48 px)


def rotation(
    queues: list[Any], now_s: float, group: int = TV_GROUP, every_s: float = DEFAULT_ROTATE_S
) -> list[Any]:
    """Return the group of queues a TV shows now: groups of at most `group`, as even as their
    number allows (5 queues show 3 then 2, not 4 then 1 alone), turning every `every_s`."""
    count = max(1, -(-len(queues) // group))  # as few groups as fit
    size, larger = divmod(len(queues), count)  # the first `larger` groups take one more
    starts = [i * size + min(i, larger) for i in range(count + 1)]
    groups = [queues[a:b] for a, b in itertools.pairwise(starts)]
    return groups[int(now_s // every_s) % len(groups)]


def unknown_filters(settings: WallSettings, options: dict[str, list[str]]) -> list[list[str]]:
    """Name each filter code of the URL that is none of the viewer's (it would empty the board)."""
    kinds = {"client": "client", "vendor": "vendor", "queues": "queue"}
    return [
        [param, code, "url_unknown"]
        for param, attr in FILTER_PARAMS.items()
        for code in getattr(settings, attr)
        if code not in options[kinds[param]]
    ]


def chosen(
    lives: list[dict[str, Any]],
    clients: list[str] | None,
    vendors: list[str] | None,
    queues: list[str] | None,
) -> list[dict[str, Any]]:
    """Keep the queues that pass every filter (an empty filter passes everything)."""
    return [
        live
        for live in lives
        if (not clients or live["client"] in clients)
        and (not vendors or any(feed["vendor"] in vendors for feed in live["feeds"]))
        and (not queues or live["queue"] in queues)
    ]


def freshest_feeds(
    lives: list[dict[str, Any]], vendors: list[str] | None
) -> dict[str, float | None]:
    """Return each vendor feed's age: its most recent record over the queues shown."""
    feeds: dict[str, float | None] = {}
    for live in lives:
        for feed in live["feeds"]:
            if vendors and feed["vendor"] not in vendors:
                continue
            known = [a for a in (feed["age_s"], feeds.get(feed["vendor"])) if a is not None]
            feeds[feed["vendor"]] = min(known) if known else None
    return feeds


def rejected_today(lives: list[dict[str, Any]], vendors: list[str] | None) -> dict[str, int]:
    """Return each vendor feed's records rejected today over the clients shown.

    An entry counts the queue's client's rejections plus the vendor's with no client; the
    latter are the same in every client's entry, so they are counted once per vendor.
    """
    own: dict[tuple[str, str], int] = {}
    no_client: dict[str, int] = {}
    for live in lives:
        for feed in live["feeds"]:
            vendor = feed["vendor"]
            if vendors and vendor not in vendors:
                continue
            apart = feed["rejected_today_no_client"]
            own[live["client"], vendor] = feed["rejected_today"] - apart
            no_client[vendor] = max(no_client.get(vendor, 0), apart)
    totals = dict.fromkeys(no_client, 0)
    for (_, vendor), count in own.items():
        totals[vendor] += count
    return {vendor: totals[vendor] + no_client[vendor] for vendor in totals}


def lost_calls(lives: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the calls that left "waiting" without an answer or end, or None when there are none.

    Past the waiting horizon such a call is lost data, not a caller: most likely its end
    record never arrived, which the feed's owner should hear about.
    """
    by_queue = {live["queue"]: live["lost_calls_today"] for live in lives}
    count = sum(by_queue.values())
    if not count:
        return None
    return {
        "count": count,
        "horizon_s": max(live["waiting_horizon_s"] for live in lives),
        "queues": [queue for queue, lost in by_queue.items() if lost],
    }


def agents_of(lives: list[dict[str, Any]], vendors: list[str] | None) -> list[dict[str, Any]]:
    """Return the shown queues' agents, longest in their state first (one row per agent)."""
    agents = {
        (a["vendor"], a["agent"]): a
        for live in lives
        for a in live["agents"]
        if not vendors or a["vendor"] in vendors
    }
    return sorted(agents.values(), key=lambda a: -a["in_state_s"])


def board_zone(lives: list[dict[str, Any]], tz: str | None) -> str | None:
    """Return the timezone of the board's times: the URL's, else the one its queues share.

    None when the queues' clients are in different timezones: each time then carries its own.
    """
    if tz:
        return tz
    zones = {live["timezone"] for live in lives}
    return zones.pop() if len(zones) == 1 else None


def clock(lives: list[dict[str, Any]], tz: str | None, now: datetime) -> str:
    """Return the time now, labelled with its timezone: one clock per timezone on a mixed board."""
    zone = board_zone(lives, tz)
    zones = [zone] if zone else sorted({live["timezone"] for live in lives}) or ["UTC"]
    return " · ".join(f"{now.astimezone(ZoneInfo(name)):%H:%M:%S} {name}" for name in zones)


def time_of_day(moment: str, zone: str | None, own_zone: str) -> str:
    """Return `HH:MM` of an ISO moment in the board's timezone, or labelled with its own zone."""
    if zone:
        return f"{datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)):%H:%M}"
    return f"{datetime.fromisoformat(moment).astimezone(ZoneInfo(own_zone)):%H:%M} {own_zone}"


def fingerprints(outputs: list[Any], names: list[str]) -> dict[str, str]:
    """Return a short hash of each output's content, by name."""
    return {
        name: hashlib.blake2b(
            orjson.dumps(output, default=_plain, option=orjson.OPT_SORT_KEYS), digest_size=12
        ).hexdigest()
        for name, output in zip(names, outputs, strict=True)
    }


def unchanged_as_no_update(
    outputs: list[Any], prints: dict[str, str], rendered: dict[str, str]
) -> list[Any]:
    """Send only the outputs whose content changed since the browser's last render, then
    their fingerprints (`prints`, in the outputs' order).

    The page polls every second; most seconds most panels are identical, and resending
    them would make the browser diff hundreds of tiles for nothing.
    """
    sent = [
        no_update if rendered.get(name) == prints[name] else output
        for name, output in zip(prints, outputs, strict=True)
    ]
    return [*sent, prints]


def _plain(component: Any) -> Any:
    """Serialise a Dash component for fingerprinting."""
    return component.to_plotly_json()


def schedule_cell(agent: dict[str, Any], lang: str) -> tuple[str, str]:
    """Return the text and CSS class of an agent's schedule cell: the activity planned now,
    marked when the agent is out of adherence (its state is not what the segment plans)."""
    activity, adherence = agent.get("scheduled"), agent.get("adherence")
    if activity is None:
        return "", "schedule"
    text = word(lang, f"activity_{activity}")
    if adherence == "out":
        text = f"⚠ {text} · {word(lang, 'adherence_out')}"
    return text, f"schedule {adherence}"
