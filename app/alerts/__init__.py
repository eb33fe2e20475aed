"""Alerts: rules over rolling windows of raw data, a lifecycle, and notifiers (DESIGN §9)."""
