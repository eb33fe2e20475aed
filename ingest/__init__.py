"""Vendor ingest: the four POST routes, record validation and the upsert writer."""
