"""Operations: logging, health, the /metrics endpoint, serving, the audit sealer, SQLite's writer process."""
