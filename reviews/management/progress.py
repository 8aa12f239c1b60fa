"""Progress for long commands: a bar with rate and ETA on a terminal, plain lines otherwise."""

import time
from typing import TextIO


class ProgressReporter:
    """Call update(done) as work advances; finish() ends the bar.

    On a terminal the bar is redrawn in place at most ten times a second; when output is
    a file or a pipe (cron, CI, a log) one plain line is written every `interval` seconds.
    """

    def __init__(self, out: TextIO, *, label: str, interval: float = 5.0) -> None:
        self.out = out
        self.total = 0
        self.label = label
        self.interval = interval
        self.is_terminal = out.isatty() if hasattr(out, "isatty") else False
        self.started = time.monotonic()
        self.last_shown = float("-inf")

    def line(self, done: int) -> str:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        remaining = max(self.total - done, 0)
        eta = f"{remaining / rate:.0f} s" if rate > 0 else "?"
        share = done / self.total if self.total else 1.0
        return f"{self.label}: {done}/{self.total} ({share:.0%}), {rate:.0f}/s, ETA {eta}"

    def update(self, done: int, *, total: int) -> None:
        self.total = total
        now = time.monotonic()
        if now - self.last_shown < (0.1 if self.is_terminal else self.interval):
            return
        self.last_shown = now
        if self.is_terminal:
            width = 30
            filled = int(width * min(done / self.total, 1)) if self.total else width
            self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.line(done)}\033[K")
            self.out.flush()
        else:
            self.out.write(self.line(done) + "\n")

    def finish(self) -> None:
        if self.is_terminal:
            self.out.write("\n")
