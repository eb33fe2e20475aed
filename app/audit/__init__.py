"""The audit log (DESIGN §6 `GET /v1/audit`): recorded steps, read by the parties they concern."""
