"""Bodies of the measurement routes: one submission, and a client's dispute of one."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_SUBMISSIONS = 1000  # measurements in one request
MEASUREMENT_ID_MAX = 2**31 - 1  # an integer column
Number = Annotated[float, Field(allow_inf_nan=False)]


class MeasurementRecord(BaseModel):
    """A vendor's value of a declared measure for one client and period.

    Give `value`, or `numerator` and `denominator` (the value is then their quotient).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    measure: str = Field(min_length=1, max_length=64, description="a code under `measures:`")
    client: str = Field(min_length=1, max_length=64, description="client code")
    vendor: str | None = Field(
        default=None, max_length=64, description="vendor code; a vendor's key: its own"
    )
    period: str = Field(description="2026-11, 2026-W47 or 2026-11-23, in the client's timezone")
    value: Number | None = None
    numerator: Number | None = None
    denominator: Number | None = None
    evidence: str = Field(default="", max_length=4000, description="free text or a URL")


class DisputeRequest(BaseModel):
    """Why the client disputes a submitted value."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="why the value is wrong")
