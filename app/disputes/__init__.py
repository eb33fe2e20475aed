"""Disputes of SLA periods: open, discuss, agree, reject, withdraw (DESIGN §10)."""
