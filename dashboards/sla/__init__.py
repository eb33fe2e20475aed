"""The client SLA page at /sla: compliance, score, coefficient, amount, trends, downloads."""
