"""Operations: `/metrics` for Prometheus, with figures read from the database at scrape time."""
