"""The wallboard's settings as query parameters, so a reload or a copied link shows the same board.

`/wall/?tv=1&lang=zh&client=acme&vendor=va&queues=a,b&rotate=20&tz=Asia/Shanghai`: mode,
language, filters (comma-separated codes), rotation seconds and the timezone of the times
shown; `calls=acme-cards:abandoned` holds the list of calls behind one tile's figure open (a
TV can keep today's abandoned calls on screen). Parameters the board does not own (such as a
share `token`) are left as they are.
"""

import re
import urllib.parse
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("en", "zh")
ROTATE_S = (5, 3600)  # a group shown for less than 5 s cannot be read; over an hour never turns
DEFAULT_ROTATE_S = 15
FILTER_PARAMS = {"client": "clients", "vendor": "vendors", "queues": "queues"}
CALL_LISTS = ("waiting", "abandoned", "sl_missed")  # the tile figures that open their calls
QUEUE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # as `app.core.spec.Code`


@dataclass(frozen=True)
class WallSettings:
    """What a board shows and how; `problems` names the parameters that were ignored."""

    tv: bool = False
    lang: str = "en"
    clients: list[str] = field(default_factory=list)
    vendors: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    rotate_s: int = DEFAULT_ROTATE_S
    tz: str | None = None
    problems: list[list[str]] = field(default_factory=list)  # [parameter, value, hint word]
    calls: str | None = None  # the open list of calls: `<queue>:<waiting|abandoned|sl_missed>`

    def data(self) -> dict[str, Any]:
        """Return the settings as a `dcc.Store` holds them."""
        return asdict(self)

    @classmethod
    def of(cls, data: Any) -> "WallSettings":
        """Return the settings a `dcc.Store` holds (the defaults before the URL is read).

        The browser sends the store back with every refresh: what is not a setting is dropped.
        """
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (AttributeError, TypeError):
            return cls()

    def but(self, **changes: Any) -> "WallSettings":
        """Return these settings with `changes` applied (and nothing left to complain about)."""
        return replace(self, problems=[], **changes)


def from_search(search: str | None) -> WallSettings:
    """Read the settings from a query string; a value that cannot be used is named, not kept."""
    query = urllib.parse.parse_qs((search or "").lstrip("?"))

    def last(name: str) -> str | None:
        return query[name][-1].strip() if query.get(name) else None

    problems: list[list[str]] = []
    tv = last("tv")
    if tv is not None and tv.lower() not in ("0", "1", "true", "false"):
        problems.append(["tv", tv, "url_tv"])
    lang = (last("lang") or "en").lower()
    if lang not in LANGUAGES:
        problems.append(["lang", lang, "url_lang"])
    rotate = last("rotate")
    if rotate is not None and not _in_rotate_range(rotate):
        problems.append(["rotate", rotate, "url_rotate"])
    tz = last("tz") or None
    if tz is not None and not _is_timezone(tz):
        problems.append(["tz", tz, "url_tz"])
    calls = last("calls") or None
    if calls is not None and call_list(calls) is None:
        problems.append(["calls", calls, "url_calls"])
    return WallSettings(
        tv=(tv or "").lower() in ("1", "true"),
        lang=lang if lang in LANGUAGES else "en",
        **{attr: _codes(query.get(param)) for param, attr in FILTER_PARAMS.items()},
        rotate_s=int(rotate)
        if rotate is not None and _in_rotate_range(rotate)
        else DEFAULT_ROTATE_S,
        tz=tz if tz is not None and _is_timezone(tz) else None,
        problems=problems,
        calls=calls if calls is not None and call_list(calls) is not None else None,
    )


def to_search(settings: WallSettings, search: str | None) -> str:
    """Write the settings into a query string, keeping every parameter the board does not own.

    Defaults other than the language are left out, so a plain link stays plain.
    """
    ours = {"tv", "lang", "rotate", "tz", "calls", *FILTER_PARAMS}
    kept = [
        (name, value)
        for name, value in urllib.parse.parse_qsl(
            (search or "").lstrip("?"), keep_blank_values=True
        )
        if name not in ours
    ]
    wanted: list[tuple[str, str]] = [
        ("tv", "1" if settings.tv else ""),
        ("lang", settings.lang),
        *((param, ",".join(getattr(settings, attr))) for param, attr in FILTER_PARAMS.items()),
        ("rotate", "" if settings.rotate_s == DEFAULT_ROTATE_S else str(settings.rotate_s)),
        ("tz", settings.tz or ""),
        ("calls", settings.calls or ""),
    ]
    pairs = kept + [(name, value) for name, value in wanted if value]
    text = "&".join(f"{_quote(name)}={_quote(value)}" for name, value in pairs)
    return f"?{text}" if text else ""


def tv_link(public_url: str, token: str, lang: str) -> str:
    """Return a share link that opens the board in TV mode in `lang`, as `share create` prints."""
    return f"{public_url.rstrip('/')}/wall" + to_search(
        WallSettings(tv=True, lang=lang), f"token={token}"
    )


def call_list(value: str | None) -> tuple[str, str] | None:
    """Read `<queue>:<list>` as (queue code, list), or None when it names no list of calls."""
    queue, _, kind = (value or "").rpartition(":")
    return (queue, kind) if kind in CALL_LISTS and QUEUE_CODE.match(queue) else None


def _codes(values: list[str] | None) -> list[str]:
    """Return the codes of a filter parameter: comma-separated, repeatable, in order, once."""
    codes = (code.strip() for value in values or [] for code in value.split(","))
    return list(dict.fromkeys(code for code in codes if code))


def _in_rotate_range(text: str) -> bool:
    return text.isdigit() and ROTATE_S[0] <= int(text) <= ROTATE_S[1]


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe=",/:")


def after(
    trigger: str | None,
    search: str | None,
    current: dict[str, Any] | None,
    *filters: Any,
    opened: Any = None,
) -> tuple[WallSettings, str | None]:
    """Return the settings after `trigger` changed, and the URL's new query (None: keep it).

    The URL is the board's memory: read it when the page loads (or goes back in history),
    write it whenever a control changes a setting. `filters`: the clients, vendors and
    queues chosen in the filter controls; `opened`: the list of calls a tile's figure asked
    for (`{"queue": …, "list": …}`), on `calls-open`.
    """
    if trigger in (None, "url"):
        return from_search(search), None
    settings = WallSettings.of(current)
    if trigger == "calls-open":
        wanted = f"{(opened or {}).get('queue')}:{(opened or {}).get('list')}"
        settings = settings.but(calls=wanted if call_list(wanted) else None)
    elif trigger == "calls-close":
        settings = settings.but(calls=None)
    elif trigger == "lang-toggle":
        settings = settings.but(lang="zh" if settings.lang == "en" else "en")
    elif trigger == "tv-toggle":
        settings = settings.but(tv=not settings.tv)
    else:
        settings = settings.but(
            **{
                attr: list(codes or [])
                for attr, codes in zip(FILTER_PARAMS.values(), filters, strict=True)
            }
        )
    return settings, to_search(settings, search)
