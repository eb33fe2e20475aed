"""The own forecast's arithmetic, by hand: weights, holidays, missing weeks, AHT, accuracy."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.forecasting.model import (
    Sample,
    accuracy,
    counted_days,
    forecast_day,
    prorated,
    week_weight,
)

DAY = date(2026, 11, 23)  # a Monday
NINE, NINE_15 = time(9), time(9, 15)


def test_weights_fall_linearly_from_last_week():
    assert [week_weight(k) for k in range(1, 7)] == [6, 5, 4, 3, 2, 1]


def test_forecast_by_hand():
    history = {
        date(2026, 11, 16): {NINE: Sample(10, 8, 1600), NINE_15: Sample(4, 4, 800)},  # k=1, w=6
        date(2026, 11, 9): {NINE: Sample(20, 10, 3000)},  # k=2, w=5; no call at 09:15
        date(2026, 11, 2): {NINE: Sample(100, 90, 9000)},  # k=3, w=4: a holiday
        # k=4…6: no data, skipped
    }
    forecast = forecast_day(history, DAY, [NINE, NINE_15], holidays={date(2026, 11, 2)})
    # 09:00: offered (6·10 + 5·20) / (6 + 5) = 160 / 11;
    #        AHT (6·1600 + 5·3000) / (6·8 + 5·10) = 24600 / 98
    assert forecast[NINE].offered == pytest.approx(160 / 11)
    assert forecast[NINE].aht_s == pytest.approx(24600 / 98)
    # 09:15: week 2 had data but no call then (0): (6·4 + 5·0) / 11 = 24 / 11;
    #        AHT 6·800 / (6·4) = 200
    assert forecast[NINE_15].offered == pytest.approx(24 / 11)
    assert forecast[NINE_15].aht_s == pytest.approx(200)


def test_no_counted_week_no_forecast():
    holiday = date(2026, 11, 16)
    assert forecast_day({holiday: {NINE: Sample(5, 5, 500)}}, DAY, [NINE], {holiday}) == {}
    assert forecast_day({}, DAY, [NINE]) == {}
    # a day seven weeks back is beyond the six weeks
    assert counted_days({DAY - timedelta(weeks=7): {}}, DAY, ()) == []


def test_no_handled_call_no_aht():
    forecast = forecast_day({date(2026, 11, 16): {NINE: Sample(3, 0, 0)}}, DAY, [NINE])
    assert forecast[NINE].offered == 3 and forecast[NINE].aht_s is None


def test_accuracy_by_hand():
    # Σ|a − f| = 2 + 5 + 3 = 10, Σa = 30: 1 − 10/30
    assert accuracy([(10, 8), (20, 25), (0, 3)]) == pytest.approx(2 / 3)
    assert accuracy([(0, 4)]) is None and accuracy([]) is None
    assert accuracy([(1, 5)]) == 0.0  # 1 − 4/1, floored


def test_prorated_by_hand():
    step, nine = timedelta(minutes=15), datetime(2026, 11, 23, 1, tzinfo=UTC)
    forecast = {nine: 30.0, nine + step: 60.0}
    # [09:10, 09:20): 30 · 5/15 + 60 · 5/15 = 10 + 20
    start = nine + timedelta(minutes=10)
    assert prorated(forecast, nine, start, start + timedelta(minutes=10), step) == 30
    # a window reaching an interval without a forecast has none
    assert prorated(forecast, nine, start, start + timedelta(minutes=25), step) is None


samples = st.builds(
    Sample,
    st.floats(0, 500),
    st.floats(0.5, 500),
    st.floats(1, 50_000),
)
weeks_present = st.sets(st.integers(1, 6), min_size=1)


@given(weeks_present, st.floats(0, 500), st.floats(1, 600), st.floats(1, 100))
def test_constant_history_is_forecast_as_is(present, offered, aht, handled):
    history = {
        DAY - timedelta(weeks=k): {NINE: Sample(offered, handled, aht * handled)} for k in present
    }
    [(_slot, forecast)] = forecast_day(history, DAY, [NINE]).items()
    assert forecast.offered == pytest.approx(offered)
    assert forecast.aht_s == pytest.approx(aht)


@given(st.dictionaries(st.integers(1, 6), samples, min_size=1), st.floats(0.01, 100))
def test_scaling_history_scales_offered_not_aht(by_week, factor):
    history = {DAY - timedelta(weeks=k): {NINE: s} for k, s in by_week.items()}
    scaled = {
        d: {NINE: Sample(s.offered * factor, s.handled * factor, s.handled_s * factor)}
        for d, slots in history.items()
        for s in slots.values()
    }
    before, after = forecast_day(history, DAY, [NINE])[NINE], forecast_day(scaled, DAY, [NINE])
    assert after[NINE].offered == pytest.approx(before.offered * factor)
    assert after[NINE].aht_s == pytest.approx(before.aht_s)


@given(st.dictionaries(st.integers(1, 6), samples, min_size=2), st.integers(1, 6), samples)
def test_a_holidays_data_never_changes_the_forecast(by_week, holiday_week, other):
    history = {DAY - timedelta(weeks=k): {NINE: s} for k, s in by_week.items()}
    holiday = DAY - timedelta(weeks=holiday_week)
    changed = {**history, holiday: {NINE: other}}
    assert forecast_day(history, DAY, [NINE], {holiday}) == forecast_day(
        changed, DAY, [NINE], {holiday}
    )
