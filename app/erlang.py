"""Erlang C staffing (pure): how many agents a queue needs for its service-level target.

Traffic A = arrival rate × AHT (in Erlangs). With N agents (N > A):
  P(wait) = C(N, A), computed from Erlang B by the stable recurrence
            B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), C = N·B / (N − A·(1 − B))
  SL(T)   = 1 − P(wait) · exp(−(N − A) · T / AHT)
  ASA     = P(wait) · AHT / (N − A)
  occupancy = A / N
Scheduled agents with shrinkage s = ceil(required / (1 − s)).
"""

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000


@dataclass(frozen=True)
class Staffing:
    """What N agents give at a given load."""

    agents: int
    traffic_erlangs: float
    wait_probability: float
    service_level: float
    asa_s: float
    occupancy: float


def erlang_c(agents: int, traffic: float) -> float:
    """Return the probability that a call waits (Erlang C); 1.0 when agents ≤ traffic."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def staffing(agents: int, calls_per_s: float, aht_s: float, threshold_s: float) -> Staffing:
    """Return service level, P(wait), ASA and occupancy for `agents` at this load."""
    traffic = calls_per_s * aht_s
    wait = erlang_c(agents, traffic)
    if agents <= traffic:
        return Staffing(agents, traffic, 1.0, 0.0, math.inf, 1.0)
    spare = agents - traffic
    service_level = 1 - wait * math.exp(-spare * threshold_s / aht_s) if aht_s > 0 else 1.0
    asa = wait * aht_s / spare
    occupancy = traffic / agents if agents else 0.0
    return Staffing(agents, traffic, wait, service_level, asa, occupancy)


def required_agents(
    calls_per_s: float, aht_s: float, target_sl: float, threshold_s: float
) -> Staffing:
    """Return the smallest staffing whose service level meets `target_sl` within `threshold_s`."""
    if calls_per_s <= 0 or aht_s <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    agents = max(1, math.floor(calls_per_s * aht_s) + 1)
    while agents < MAX_AGENTS:
        result = staffing(agents, calls_per_s, aht_s, threshold_s)
        if result.service_level >= target_sl:
            return result
        agents += 1
    return staffing(agents, calls_per_s, aht_s, threshold_s)


def scheduled_agents(required: int, shrinkage: float) -> int:
    """Return the agents to schedule so that `required` are on the phones after shrinkage."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    return math.ceil(round(required / (1 - shrinkage), 9))
