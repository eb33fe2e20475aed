"""Rejected records in plain sight: `GET /v1/rejected`, its CSV, and `callpulse rejects`."""
