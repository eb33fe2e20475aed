"""The four record shapes vendors push (DESIGN §5), with messages that name the field."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.core.vocabulary import (
    AGENT_STATES,
    BLOCKED_EXITS,
    COMPLAINT,
    EXIT_REASONS,
    OVERFLOW_EXITS,
    SCHEDULE_ACTIVITIES,
    TICKET_CHANNELS,
    spoken_list,
)
from ingest.checks import excerpt, sent, since_epoch

DAY_S = 86_400


_TIMESTAMP_TYPES = (str, datetime)  # a tuple: `str | datetime` is built anew at each call


def _text_timestamp(value: Any) -> Any:
    if value is None or isinstance(value, _TIMESTAMP_TYPES):
        return value
    raise ValueError("must be an RFC 3339 timestamp string, e.g. 2026-11-22T09:30:00+08:00")


def _on_utc_calendar(value: datetime) -> datetime:
    """Refuse moments that leave the calendar when converted to UTC (e.g. year 1 at +01:00).

    An offset is under a day, so only the first and the last year can leave it.
    """
    if value.year not in (1, 9999):
        return value
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{sent(value)} is out of range (years 1 to 9999 in UTC)") from None
    return value


def _csat_scale(value: int | None) -> int | None:
    if value is not None and value not in CSAT_SCALES:
        raise ValueError("use 5 (scores 1–5) or 100 (scores 0–100)")
    return value


VERSION_LIMIT = Decimal(10) ** 18  # versions are stored as numeric(24,6)
VERSION_PLACES = Decimal("0.000001")
_VERSION_KINDS = "must be a number or an RFC 3339 timestamp, e.g. 2026-11-22T09:30:00.5+08:00"


def _version_number(value: Any) -> Decimal:
    """Return a version as a number: a number itself, a timestamp its epoch seconds.

    Feed adapters hand timestamps over as aware `datetime`s; vendors send RFC 3339 text.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{_VERSION_KINDS}; got {excerpt(repr(value))}") from None
    if not isinstance(value, datetime):
        raise ValueError(_VERSION_KINDS)
    if value.tzinfo is None:
        raise ValueError("a timestamp version needs a UTC offset, e.g. 2026-11-22T09:30:00+08:00")
    since = since_epoch(value)  # exact to the microsecond
    return Decimal(since.days * DAY_S + since.seconds) + Decimal(since.microseconds) / 10**6


def _version(value: Any) -> Decimal | None:
    """Read `version`: a number, or an RFC 3339 timestamp as its epoch seconds (to the µs)."""
    if value is None:
        return None
    number = _version_number(value)
    if not number.is_finite() or abs(number) >= VERSION_LIMIT:
        raise ValueError(f"must be finite and between -1e18 and 1e18, not {excerpt(str(value))}")
    return number.quantize(VERSION_PLACES)


def _split_codes(value: Any) -> Any:
    if isinstance(value, str):
        return [code.strip() for code in value.replace(";", ",").split(",") if code.strip()]
    return value


Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_text_timestamp), AfterValidator(_on_utc_calendar)
]
# Stored as numeric(10,3) and numeric(6,2); the writer rounds to those places (ingest.merge).
Seconds = Annotated[float, Field(ge=0, lt=DAY_S, allow_inf_nan=False)]
Code = Annotated[str, Field(min_length=1, max_length=128)]
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
CSAT_SCALES = (5, 100)
CsatScale = Annotated[
    int | None,
    Field(description="5: csat is a 1–5 score (stored as 0–100); 100: a 0–100 score"),
    AfterValidator(_csat_scale),
]


class Record(BaseModel):
    """Common settings: unknown fields are errors, so a misspelt field is never dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _on_percent_scale(record: Any) -> Any:
    """Store a 1–5 score (`csat_scale: 5`) on the 0–100 scale, linearly: 1 → 0, 5 → 100."""
    if record.csat is not None and record.csat_scale == 5:
        if not 1 <= record.csat <= 5:
            raise PydanticCustomError(
                "csat_scale",
                "csat: {csat} is outside the 1–5 scale of csat_scale 5",
                {"csat": f"{record.csat:g}"},
            )
        record.csat = (record.csat - 1) * 25
    return record


def _valid_complaint(record: Any) -> Any:
    """`valid` judges a complaint: it needs `type: complaint`."""
    if record.valid is not None and record.ticket_type != COMPLAINT:
        raise PydanticCustomError(
            "complaint_valid",
            "valid: only a complaint is judged valid or not; add type: complaint or leave"
            " valid out",
        )
    return record


# Fields several record kinds share, each described once for /docs.
QueueCode = Annotated[
    Code, Field(description="Queue code; the queue must be served by the sending vendor.")
]
AgentCode = Annotated[
    Code | None, Field(description="Agent code of the sending vendor (created on first sight).")
]
TalkSeconds = Annotated[
    Seconds | None,
    Field(description="Seconds of talk (0 ≤ s < 86400); defaults to ended − answered − hold."),
]
HoldSeconds = Annotated[Seconds | None, Field(description="Seconds on hold (0 ≤ s < 86400).")]
AcwSeconds = Annotated[
    Seconds | None, Field(description="Seconds of after-call work (0 ≤ s < 86400).")
]
Transferred = Annotated[
    bool | None, Field(description="Whether the call was transferred (default false).")
]
Resolved = Annotated[
    bool | None,
    Field(description="First-contact resolution: true, false, or null when unknown."),
]
Csat = Annotated[
    Score | None,
    Field(description="Survey score, 0–100 (or 1–5 with `csat_scale: 5`); null when not surveyed."),
]
Version = Annotated[
    Decimal | None,
    BeforeValidator(_version),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": -1e18, "exclusiveMaximum": 1e18},
                {"type": "string", "format": "date-time"},
                {"type": "null"},
            ]
        }
    ),
    Field(
        description="For at-least-once feeds: a number, or an RFC 3339 timestamp (kept as its"
        " epoch seconds, so one feed should send one kind). A record older than the stored"
        " row's version is a duplicate, never an overwrite; equal or newer, or none, merges."
    ),
]
ExitReason = Annotated[
    Literal[EXIT_REASONS] | None,  # type: ignore[valid-type]
    Field(
        description="How the call left the queue: answered; abandoned (the caller hung up"
        f" while waiting); {spoken_list(OVERFLOW_EXITS)} (overflowed: offered, not answered,"
        f" not abandoned); {spoken_list(BLOCKED_EXITS)} (blocked: never waited, not offered);"
        " callback (the caller left a number). A reason but answered counts once the call has"
        " ended_at; without a reason, a call that ended unanswered is abandoned."
    ),
]


class CallRecord(Record):
    """`POST /v1/calls`: a call detail record, complete or partial."""

    call_id: Code = Field(
        description="The vendor's call id, unique per client; later records fill in or correct it."
    )
    queue: QueueCode
    direction: Literal["inbound", "outbound"] | None = Field(
        None,
        description="`inbound` (the default) or `outbound`; KPIs count inbound calls unless named.",
    )
    offered_at: Timestamp = Field(
        description="Entered the queue (outbound: dialled), RFC 3339 with offset; ≤ 5 min ahead."
    )
    answered_at: Timestamp | None = Field(
        None, description="Answered by an agent (≥ offered_at); null with ended_at set = abandoned."
    )
    ended_at: Timestamp | None = Field(
        None,
        description="Ended (≥ answered_at, or offered_at); null while the call is in progress.",
    )
    agent: AgentCode = None
    talk_s: TalkSeconds = None
    hold_s: HoldSeconds = None
    acw_s: AcwSeconds = None
    transferred: Transferred = None
    resolved: Resolved = None
    csat: Csat = None
    csat_scale: CsatScale = None
    disposition: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The vendor's disposition or wrap-up code."
    )
    exit_reason: ExitReason = None
    version: Version = None
    callback_of: Code | None = Field(
        None,
        description="An outbound call returning a callback request: the call_id of the"
        " inbound call that ended with exit_reason callback (the caller left a number). It"
        " must be a call of the same client; it may name a call not sent yet (it counts once"
        " that call arrives).",
    )

    _percent = model_validator(mode="after")(_on_percent_scale)


def _estimates_in_order(record: Any) -> Any:
    """Refuse an estimated offer later than the estimated answer (or the event) it goes with."""
    offered, answered = record.estimated_offered_at, record.estimated_answered_at
    later = [(name, t) for name, t in (("estimated_answered_at", answered), ("at", record.at)) if t]
    for name, moment in later:
        if offered is not None and offered > moment:
            raise PydanticCustomError(
                "estimate_order",
                "estimated_offered_at: {offered} is after {name} {moment}",
                {"offered": sent(offered), "name": name, "moment": sent(moment)},
            )
    if answered is not None and answered > record.at:
        raise PydanticCustomError(
            "estimate_order",
            "estimated_answered_at: {answered} is after at {at}",
            {"answered": sent(answered), "at": sent(record.at)},
        )
    return record


class CallEventRecord(Record):
    """`POST /v1/call-events`: one moment of a call; events merge into the call's row."""

    call_id: Code = Field(
        description="The vendor's call id; events with one id merge into one call, in any order."
    )
    queue: QueueCode
    event: Literal["offered", "answered", "abandoned", "ended", "acw_done"] = Field(
        description="What happened: offered, answered, abandoned, ended or acw_done."
    )
    at: Timestamp = Field(
        description="When it happened, RFC 3339 with offset, e.g. 2026-11-22T09:30:00+08:00."
    )
    agent: AgentCode = None
    talk_s: TalkSeconds = None
    hold_s: HoldSeconds = None
    acw_s: AcwSeconds = None
    transferred: Transferred = None
    resolved: Resolved = None
    csat: Csat = None
    csat_scale: CsatScale = None
    exit_reason: ExitReason = None
    estimated_offered_at: Timestamp | None = Field(
        None,
        description="When the call entered the queue, as the source implies but did not log it"
        " (Asterisk dates a COMPLETEAGENT's call end − calltime − holdtime); at or before `at`"
        " and estimated_answered_at. Used only while no"
        " `offered` event is known: an offered event always wins, in whatever order they"
        " arrive; of several estimates the earliest counts.",
    )
    estimated_answered_at: Timestamp | None = Field(
        None,
        description="When an agent answered, as the source implies but did not log it (call"
        " end − calltime); at or before `at`. Used only while no `answered` event is known, like"
        " estimated_offered_at.",
    )
    version: Version = None

    _percent = model_validator(mode="after")(_on_percent_scale)
    _estimates = model_validator(mode="after")(_estimates_in_order)


def _unpause_available(record: Any) -> Any:
    """Refuse an unpause into any state but available."""
    if record.unpause and record.state != "available":
        raise PydanticCustomError(
            "unpause_state",
            "unpause: only an `available` change ends a pause, not {state}",
            {"state": record.state},
        )
    return record


class AgentEventRecord(Record):
    """`POST /v1/agent-events`: an agent entering a state."""

    agent: Code = Field(description="Agent code of the sending vendor (created on first sight).")
    state: Literal[AGENT_STATES] = Field(  # type: ignore[valid-type]
        description=f"The state entered: {spoken_list(AGENT_STATES)}."
    )
    at: Timestamp = Field(description="When the agent entered the state, RFC 3339 with offset.")
    reason: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Why the agent is not ready, e.g. break, training, meeting."
    )
    queues: Annotated[list[Code], BeforeValidator(_split_codes)] | None = Field(
        None,
        description="Queue codes the agent serves: a list, or in CSV one cell split by `;` or `,`.",
    )
    unpause: bool | None = Field(
        None,
        description="True when the change ends a pause (Asterisk's UNPAUSE, UNPAUSEALL), with"
        " state `available`: the agent is available unless its last other change logged it"
        " out, whatever order they arrive in (Wazo logs UNPAUSEALL after a logoff).",
    )
    version: Version = None

    _unpause = model_validator(mode="after")(_unpause_available)


class TicketRecord(Record):
    """`POST /v1/tickets`: an e-mail, chat, web, social or SMS contact."""

    ticket_id: Code = Field(
        description="The ticket id, unique per client; later records fill in or correct it."
    )
    queue: QueueCode
    channel: Literal[TICKET_CHANNELS] = Field(  # type: ignore[valid-type]
        description=f"The channel: {spoken_list(TICKET_CHANNELS)}."
    )
    created_at: Timestamp = Field(description="When the contact arrived, RFC 3339 with offset.")
    first_response_at: Timestamp | None = Field(
        None, description="The first agent response, measured against the channel's target."
    )
    resolved_at: Timestamp | None = Field(
        None, description="When it was resolved; null while open (it counts in the backlog)."
    )
    agent: AgentCode = None
    priority: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="The vendor's priority label."
    )
    csat: Csat = None
    csat_scale: CsatScale = None
    version: Version = None
    ticket_type: Annotated[str, Field(max_length=32)] | None = Field(
        None,
        alias="type",
        description="What the contact is: `complaint` (投诉) counts in valid_complaint_rate;"
        " any other label (inquiry, request, …) is kept as sent.",
    )
    valid: bool | None = Field(
        None,
        description="For a complaint: true once found justified (有理投诉), false if not;"
        " null while undecided.",
    )

    _percent = model_validator(mode="after")(_on_percent_scale)
    _complaint = model_validator(mode="after")(_valid_complaint)


def _segment_span(record: Any) -> Any:
    """Refuse a segment that ends at or before its start, or lasts more than a day."""
    length = (record.end - record.start).total_seconds()
    if length <= 0:
        raise PydanticCustomError(
            "segment_span",
            "end: {end} is not after start: send end > start",
            {"end": sent(record.end)},
        )
    if length > DAY_S:
        raise PydanticCustomError(
            "segment_span",
            "end: the segment lasts {hours} h; one segment covers at most 24 h: split it",
            {"hours": f"{length / 3600:g}"},
        )
    return record


class ScheduleRecord(Record):
    """`POST /v1/schedules`: one planned segment of an agent's schedule (排班)."""

    agent: Code = Field(description="Agent code of the sending vendor (created on first sight).")
    start: Timestamp = Field(description="Segment start, RFC 3339 with offset.")
    end: Timestamp = Field(description="Segment end (excluded), after start, at most 24 h later.")
    activity: Literal[SCHEDULE_ACTIVITIES] = Field(  # type: ignore[valid-type]
        description=f"What is planned: {spoken_list(SCHEDULE_ACTIVITIES)}; work is adhered to"
        " while available, talking or in ACW, the others while not ready or logged out."
    )
    queues: Annotated[list[Code], BeforeValidator(_split_codes)] | None = Field(
        None,
        description="Queue codes the segment counts for (a list, or in CSV one cell split by"
        " `;` or `,`); none: every queue the vendor serves for the agent's client.",
    )

    _span = model_validator(mode="after")(_segment_span)


WHOLE_RECORD_ERRORS = (
    "csat_scale",
    "estimate_order",
    "unpause_state",
    "qa_contact",
    "segment_span",
    "complaint_valid",
)
"""Errors of a record's validator, whose message names the field itself."""

_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "timezone_aware": "timestamp needs a UTC offset, e.g. 2026-11-22T09:30:00+08:00",
}


def describe_errors(error: ValidationError) -> list[str]:
    """Turn a pydantic error into `field: what is wrong` lines a vendor engineer can act on."""
    lines = []
    for item in error.errors(include_url=False):
        if item["type"] in WHOLE_RECORD_ERRORS:  # raised on the whole record, naming the field
            lines.append(item["msg"])
            continue
        field = excerpt(".".join(str(part) for part in item["loc"])) or "record"
        message = _MESSAGES.get(item["type"], item["msg"])
        if item["type"] in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
            message = f"not an RFC 3339 timestamp: {excerpt(repr(item.get('input')))}"
        elif item["type"] == "less_than" and item.get("ctx", {}).get("lt") == DAY_S:
            message = "must be shorter than 24 h (86400 s)"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        lines.append(f"{field}: {message[:1].lower()}{message[1:]}")
    return lines
