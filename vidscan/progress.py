"""Progress for long work: a bar on a terminal, plain log lines otherwise, nothing with --quiet."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # tqdm loads for a bar only: log lines and --quiet need none
    from tqdm import tqdm


class Stage:
    """One stage's progress: update(done) with the absolute count reached."""

    def __init__(self, name: str, total: int | None, mode: str, stream: TextIO) -> None:
        self.name, self.total, self.mode, self.stream = name, total, mode, stream
        self.done = 0
        self._bar: tqdm | None = None
        self._last_log = 0.0
        self._started = time.monotonic()
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=name, unit="", file=stream, leave=True, dynamic_ncols=True)

    def update(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
        step = done - self.done
        self.done = done
        if self._bar is not None and step > 0:
            self._bar.update(step)
        elif self.mode == "log" and time.monotonic() - self._last_log >= 5.0:
            self._last_log = time.monotonic()
            self._log()

    def _log(self) -> None:
        of = f"/{self.total}" if self.total else ""
        print(f"vidscan: {self.name}: {self.done}{of}", file=self.stream, flush=True)

    def finish(self) -> None:
        """Close a stage whose total was an estimate (a container's frame count): the count reached is the
        real total, so the last line says 455/455, not 455/456 as if the work had stopped short."""
        if self.done:
            self.update(self.done, total=self.done)
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            if self.total is not None and self._bar.n < self.total:
                self._bar.update(self.total - self._bar.n)
            self._bar.close()
        elif self.mode == "log":
            seconds = time.monotonic() - self._started
            of = f"/{self.total}" if self.total else ""
            print(
                f"vidscan: {self.name}: {self.done}{of} done in {seconds:.1f}s", file=self.stream, flush=True
            )


class Progress:
    """Factory of stages. mode: 'auto' (bar on a TTY, log lines otherwise), 'bar', 'log' or 'quiet'."""

    def __init__(self, mode: str = "auto", stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode = mode

    def stage(self, name: str, total: int | None = None) -> Stage:
        return Stage(name, total, self.mode, self.stream)

    def message(self, text: str) -> None:
        if self.mode != "quiet":
            if self.mode == "bar":
                from tqdm import tqdm

                tqdm.write(f"vidscan: {text}", file=self.stream)
            else:
                print(f"vidscan: {text}", file=self.stream, flush=True)


QUIET = Progress("quiet")
