"""KPIs measured outside the ACD: declared in YAML, submitted by vendors, confirmed by clients."""
