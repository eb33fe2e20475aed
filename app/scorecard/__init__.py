"""The vendor scorecard: a client's vendors side by side over one period (DESIGN §10)."""
