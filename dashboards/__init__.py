"""The Dash front end: the supervisors' wallboard at /wall (SLA page to come)."""
