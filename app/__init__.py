"""CallPulse: real-time KPI monitoring for outsourced contact centers."""

__version__ = "0.1.0"
