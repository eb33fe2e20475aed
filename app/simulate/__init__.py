"""Realistic contact-center traffic, pushed through the public HTTP API (`callpulse simulate`)."""
