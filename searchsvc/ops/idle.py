"""When a serving worker gives its C heap's free pages back (used by
``ops.gunicorn_conf``)."""

from __future__ import annotations


class IdleTrim:
    """When a worker gives its C heap's free pages back: once no request
    has started or ended for a whole interval after it served some.

    An answer's short-lived numpy arrays run to megabytes on a large
    index, and glibc keeps the heap at their high-water mark (tens of MB a
    worker at 64x: docs/performance.md, "Worker memory"). Giving it back
    takes 2-3 ms, and the next answers take it again, so it is done
    between bursts, never while one is being served."""

    def __init__(self):
        self.in_flight = self.served = 0
        self._seen = self._trimmed = 0

    def started(self) -> None:
        self.in_flight += 1

    def ended(self) -> None:
        self.in_flight -= 1
        self.served += 1

    def due(self) -> bool:
        """Called once an interval: whether to trim now."""
        served, quiet = self.served, self.served == self._seen and self.in_flight == 0
        self._seen = served
        if quiet and served != self._trimmed:
            self._trimmed = served
            return True
        return False
