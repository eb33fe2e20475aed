"""The shape of one QA evaluation (质检) pushed to `POST /v1/qa-evaluations`."""

import json
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from app.core.vocabulary import QA_MODES
from app.models.qa import MAX_ERRORS_PER_EVALUATION
from ingest.schemas import AgentCode, Code, QueueCode, Record, Score, Timestamp

ErrorCount = Annotated[int, Field(ge=0, le=MAX_ERRORS_PER_EVALUATION, strict=False)]


def _json_text(value: Any) -> Any:
    """Read `items` sent as JSON text (a CSV cell) into the list or object it writes."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise PydanticCustomError(
            "qa_items", "not JSON: send a list or an object (in CSV, as JSON text)"
        ) from None


class QaEvaluationRecord(Record):
    """`POST /v1/qa-evaluations`: one evaluation of one call or ticket."""

    evaluation_id: Code = Field(
        description="The evaluation's id, unique per client; resending it with changes replaces it."
    )
    call_id: Code | None = Field(
        None, description="The evaluated call (give this or ticket_id, not both)."
    )
    ticket_id: Code | None = Field(
        None, description="The evaluated ticket (give this or call_id, not both)."
    )
    queue: QueueCode
    agent: Annotated[AgentCode, Field(description="The evaluated agent's code.")]
    evaluator: Code = Field(description="Who evaluated: a QA analyst's name or id.")
    evaluated_at: Timestamp = Field(description="When it was evaluated, RFC 3339 with offset.")
    mode: Literal[QA_MODES] = Field(  # type: ignore[valid-type]
        description="`live` (listened in) or `recording` (evaluated from the recording)."
    )
    fatal_errors: ErrorCount = Field(
        description=f"Fatal errors found (致命错误), 0–{MAX_ERRORS_PER_EVALUATION}."
    )
    non_fatal_errors: ErrorCount = Field(
        description=f"Non-fatal errors found (非致命错误), 0–{MAX_ERRORS_PER_EVALUATION}."
    )
    score: Score = Field(description="The evaluation's score, 0–100.")
    items: Annotated[list[Any] | dict[str, Any] | None, BeforeValidator(_json_text)] = Field(
        None, description="The evaluation form's items (a JSON list or object), kept as sent."
    )

    @model_validator(mode="after")
    def _one_contact(self) -> "QaEvaluationRecord":
        if self.agent is None:
            raise PydanticCustomError("qa_contact", "agent: required (the evaluated agent)")
        if (self.call_id is None) == (self.ticket_id is None):
            raise PydanticCustomError(
                "qa_contact",
                "call_id: give the evaluated call_id or ticket_id, exactly one",
            )
        return self
