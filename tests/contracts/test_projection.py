"""The month-end projection, figured by hand on ten days of known weekday volumes."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.contracts.config import ContractSpec
from app.contracts.outlook import proration
from app.contracts.periods import parse_period
from app.contracts.projection import project, projected_quantity
from app.contracts.scoring import evaluate_contract
from tests.contracts.helpers import DESIGN_CONTRACT

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = parse_period("2026-11", SHANGHAI)  # 1 November 2026 is a Sunday
# handled on 1–10 November (Sun … Tue): Sundays 20, 30; Mondays 100, 120; Tuesdays 90, 110;
# Wed 100, Thu 100, Fri 80, Sat 40 — and 30 so far today, Wednesday 11 November.
DONE = [20, 100, 90, 100, 100, 80, 40, 30, 120, 110]
AS_OF = datetime(2026, 11, 11, 10, 0, tzinfo=SHANGHAI)


def spec() -> ContractSpec:
    """DESIGN §10's contract: bands 95 → 1.05, 80 → 1.00, 0 → 0.90 at ¥45 per handled call."""
    return ContractSpec.model_validate(
        {
            "code": "k",
            "client": "c",
            "vendor": "v",
            "queues": ["q"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        }
        | DESIGN_CONTRACT
    )


def daily(today_so_far: int = 30) -> list[dict]:
    """Return the month's daily sums: the ten days, today's 30 so far, nothing after."""
    handled = [*DONE, today_so_far] + [0] * 19
    return [{("calls", None): {"handled": float(n)}} for n in handled]


def projected(actual: dict[str, float], as_of: datetime = AS_OF) -> dict | None:
    contract = spec()
    so_far = evaluate_contract(contract, actual, Decimal(sum(DONE) + 30))
    return project(contract, so_far, daily(), NOVEMBER, as_of)


def test_sixty_points_projects_the_month_and_prices_the_next_band() -> None:
    # Weekday averages: Sun 25, Mon 110, Tue 100, Wed 100, Thu 100, Fri 80, Sat 40.
    # 11–17 Nov (Wed…Tue) 555, 18–24 Nov 555, 25–30 Nov (Wed…Mon) 455: 1,565 from today on
    # (today's 30 replaced by Wednesday's 100), plus 790 done = 2,355 handled.
    # Abandon rate and CSAT missed: 60 points, band 0 → 0.90, penalty 2 × 50 + 100 = 200:
    # 2,355 × 45 × 0.90 − 200 = 95,177.50. Band 80 → 1.00: 2,355 × 45 − 200 = 105,775.00,
    # 20 points short, 10,597.50 at stake; meeting either missed target (20 points) closes it.
    result = projected({"service_level": 0.85, "abandon_rate": 0.07, "asa_s": 15, "csat": 80})
    assert result is not None
    assert (result["days_completed"], result["days_remaining"]) == (10, 20)
    assert (result["quantity_so_far"], result["quantity"]) == (820, 2355)
    assert (result["score"], result["coefficient"], result["amount"]) == (60, 0.9, 95177.5)
    assert result["next_band"] == {
        "min_score": 80,
        "coefficient": 1,
        "points_short": 20,
        "amount": 105775.0,
        "at_stake": 10597.5,
        "closes_gap": ["abandon_rate", "csat"],
    }
    assert result["band_floor"] is None  # already in the lowest band


def test_eighty_points_has_a_band_above_and_a_margin_below() -> None:
    # Only abandon rate missed: 80 points, band 1.00, penalty 150: 105,975 − 150 = 105,825.
    # Band 95: 2,355 × 45 × 1.05 − 150 = 111,123.75, 15 points short, 5,298.75 at stake.
    # Falling below 80 (margin 0): × 0.90 → 95,227.50, so 10,597.50 at risk.
    result = projected({"service_level": 0.85, "abandon_rate": 0.07, "asa_s": 15, "csat": 90})
    assert result is not None
    assert (result["score"], result["amount"]) == (80, 105825.0)
    assert result["next_band"]["points_short"] == 15
    assert result["next_band"]["at_stake"] == 5298.75
    assert result["next_band"]["closes_gap"] == ["abandon_rate"]
    assert result["band_floor"] == {
        "min_score": 80,
        "margin_points": 0,
        "coefficient_below": 0.9,
        "amount_below": 95227.5,
        "at_risk": 10597.5,
    }


def test_no_projection_for_an_ended_period_a_first_day_or_a_day() -> None:
    actual = {"service_level": 0.85}
    assert projected(actual, datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)) is None
    assert projected(actual, datetime(2026, 11, 1, 23, 0, tzinfo=SHANGHAI)) is None
    contract = spec()
    day = parse_period("2026-11-11", SHANGHAI)
    so_far = evaluate_contract(contract, actual, Decimal(30))
    assert project(contract, so_far, daily()[10:11], day, AS_OF) is None


def test_proration_says_a_week_carries_full_penalties() -> None:
    week = proration(spec(), parse_period("2026-W46", SHANGHAI))  # 9–15 November
    assert week["period_months_exact"] == "7/30"
    assert not week["whole_month"]
    assert (week["quantity"], week["bonus"], week["penalty"]) == (
        "counted",
        "per_period",
        "per_period",
    )
    assert proration(spec(), NOVEMBER)["whole_month"]


@given(
    st.lists(st.integers(0, 500), min_size=2, max_size=31),
    st.integers(1, 30),
)
def test_projection_never_drops_what_was_handled(volumes: list[int], elapsed: int) -> None:
    dates = [date(2026, 10, 1) + timedelta(days=n) for n in range(len(volumes))]
    today = dates[min(elapsed, len(dates) - 1)]
    total = projected_quantity([Decimal(v) for v in volumes], dates, today, Decimal(1))
    assert total >= sum(volumes)
