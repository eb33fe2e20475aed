"""The simulated WFM tool: each day's hourly forecast of a queue, from the traffic model.

The forecast is what the model expects (the intraday curve at the queue's peak rate; the
model's mean talk, hold and ACW), off by a little day-to-day bias like a real forecast, with
the Erlang C agents it needs. The calls themselves are Poisson draws around that mean, so
the demo's forecast accuracy (话务预测准确率) shows interval noise, and a surge shows as a miss.
"""

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from app.erlang import required_agents

SOURCE = "sim-wfm"
HOUR_MIN = 60  # one forecast per hour: a whole number of any stats interval (5 to 60 min)
# The model's mean handle time: talk 200 s, hold 35 s on 30 % of calls, ACW 30 s.
MEAN_AHT_S = 200 + 0.3 * 35 + 30
BIAS_SIGMA = 0.05  # the forecast's relative error of the day's level
PLAN_SL, PLAN_THRESHOLD_S = 0.80, 20  # the plan staffs for 80 % in 20 s


def hourly_forecasts(
    queue: Any, day: date, peak_calls_per_hour: float, share: Any, rng: random.Random
) -> list[dict[str, Any]]:
    """Return the 24 hourly forecast records of `queue` (code, timezone) for local `day`.

    `share(moment, tz)` is the model's intraday share of the peak rate; the hour's volume is
    its mean over the hour: the share at half past (the curve is linear within an hour).
    """
    bias = rng.lognormvariate(0, BIAS_SIGMA)
    records = []
    for hour in range(24):
        start = datetime.combine(day, time(hour), queue.timezone)
        mean_share = share(start + timedelta(minutes=HOUR_MIN / 2), queue.timezone)
        offered = round(peak_calls_per_hour * mean_share * bias, 1)
        need = required_agents(offered / 3600, MEAN_AHT_S, PLAN_SL, PLAN_THRESHOLD_S)
        records.append(
            {
                "queue": queue.code,
                "interval_start": start.isoformat(),
                "interval_min": HOUR_MIN,
                "offered": offered,
                "aht_s": round(MEAN_AHT_S, 1),
                "required_agents": need.agents,
                "source": SOURCE,
            }
        )
    return records
