"""erlang_c_agents(): the Erlang C agents required, in SQL, for the forecast accuracy KPIs

The staffing and schedule forecast accuracies compare, per interval, a planned headcount with
the Erlang C need of the interval's actual calls. KPI components are summed in SQL by one
reader for every consumer (metrics, SLA, scorecard), so the need is computed there too: the
same recurrence as `app.erlang.required_agents`, step for step (a test holds them equal).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 05:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Erlang B by B(n) = A·B(n−1) / (n + A·B(n−1)), then C(N) = N·B / (N − A·(1 − B)) and
# SL = 1 − C·exp(−(N − A)·T / AHT): the first N > A with SL ≥ target, at most 10 000
# (app.erlang.MAX_AGENTS) unless the traffic alone is more. PostgreSQL raises on a float
# underflow where Python returns 0, so a waiting term C·exp(…) below e^−700 (≈ 1e−304) is not
# computed: SL is then 1.0 in double precision either way, which meets any target (< 1).
ERLANG_C_AGENTS = """
CREATE FUNCTION erlang_c_agents(
    calls_per_s double precision, aht_s double precision,
    target_sl double precision, threshold_s double precision
) RETURNS integer LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    traffic double precision := calls_per_s * aht_s;
    blocking double precision := 1;
    wait double precision;
    decay double precision;
    n integer := 0;
BEGIN
    IF calls_per_s <= 0 OR aht_s <= 0 THEN
        RETURN 0;
    END IF;
    IF floor(traffic) + 1 >= 10000 THEN
        RETURN floor(traffic)::integer + 1;
    END IF;
    LOOP
        n := n + 1;
        blocking := traffic * blocking / (n + traffic * blocking);
        IF n >= 10000 THEN
            RETURN n;
        END IF;
        IF n > traffic THEN
            wait := n * blocking / (n - traffic * (1 - blocking));
            decay := -(n - traffic) * threshold_s / aht_s;
            IF wait < 1e-300 OR decay + ln(wait) < -700 THEN
                RETURN n;
            END IF;
            IF 1 - wait * exp(decay) >= target_sl THEN
                RETURN n;
            END IF;
        END IF;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    """Create `erlang_c_agents`."""
    op.execute(ERLANG_C_AGENTS)


def downgrade() -> None:
    """Drop `erlang_c_agents`."""
    op.execute(
        "DROP FUNCTION erlang_c_agents(double precision, double precision, double precision,"
        " double precision)"
    )
