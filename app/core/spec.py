"""What every YAML entry is made of: codes, and models that refuse unknown keys (DESIGN §11)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class Entry(BaseModel):
    """Unknown keys are errors, so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
