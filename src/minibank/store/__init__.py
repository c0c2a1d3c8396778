"""Where money is written: the ledger engine, its SQL per dialect, and the driver helpers under them."""
