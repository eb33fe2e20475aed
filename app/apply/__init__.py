"""`callpulse apply`: one YAML file across tenancy, contracts and alerts (DESIGN §11).

Above the domains: the file spans all three, and a changed timezone or service-level setting
reaches into the KPI stats.
"""
