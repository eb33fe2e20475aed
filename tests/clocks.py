"""A clock a test moves by hand, for code that takes its clock as an argument."""


class HandClock:
    """Returns `now`, which only the test moves."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
