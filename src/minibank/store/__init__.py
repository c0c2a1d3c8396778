"""Beneath the services: the ledger engine, its SQL per dialect, audit sealing, hot-path reads, driver helpers."""
