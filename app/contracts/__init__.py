"""Contracts: targets per KPI, the KPI score, its coefficient band and the billed amount (§10)."""
