"""A background thread that seals new audit events into the hash chain every second."""

import threading

import structlog

from ..store import audit_seal

INTERVAL = 1.0
log = structlog.get_logger("minibank.sealer")


class Sealer:
    """A running sealer thread; ``stop()`` ends it after the current pass."""

    def __init__(self, db, *, interval: float = INTERVAL):
        self._db = db
        self._interval = interval
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                # Without waiting: when another worker is sealing, this one has nothing to do.
                sealed = audit_seal.seal(self._db, wait=False)
                if sealed:
                    log.debug("audit.sealed", events=sealed)
            except Exception:
                log.exception("audit.seal_failed")

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish and wait for it."""
        self._stopped.set()
        self.thread.join(timeout)


def start_sealer(app, *, interval: float = INTERVAL) -> Sealer | None:
    """Start sealing in this process when the app's AUDIT_SEALER setting is on."""
    if not app.config.get("AUDIT_SEALER"):
        return None
    sealer = Sealer(app.extensions["minibank.db"], interval=interval)
    sealer.thread.start()
    return sealer
