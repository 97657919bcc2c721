"""The kernel log (kernel/printk.c): a ring buffer of timestamped records, BUG() and WARN().

Timestamps are virtual time, so the same seed and script give the same dmesg.
A BUG() raises KernelBug: the machine stops (the CLI exits 70); a WARN() only logs.
"""

import sys
import traceback
import zlib
from collections import deque

from . import config


class KernelBug(Exception):
    """Raised by BUG(): a broken kernel invariant. Never caught inside the kernel."""


def _addr(name: str) -> str:
    """A stable fake address for a function (crc32: str hashes differ per host process)."""
    return f"{zlib.crc32(name.encode()):08x}"


def _call_trace(skip: int = 2) -> list[str]:
    """The toy's stack as Linux prints it: function names of the kernel frames, innermost first."""
    frames = traceback.extract_stack()[:-skip]
    lines = []
    for fr in reversed(frames):
        if "/toyos/" in fr.filename or "/shell/" in fr.filename:
            lines.append(f" [<{_addr(fr.name)}>] {fr.name}+0x{fr.lineno:x}/0x400")
    return lines[:16]


class Log:
    """printk ring buffer: `records` holds (jiffies, text); dmesg() renders them."""

    def __init__(self, kernel):
        self.k = kernel
        self.records = deque(maxlen=config.LOG_BUF_LINES)
        self.console = None  # callable(str) that also receives BUG reports

    def printk(self, text: str) -> None:
        """Append one record per line of `text`, stamped with the current virtual time."""
        now = self.k.jiffies
        for line in text.split("\n"):
            self.records.append((now, line))

    def dmesg(self) -> str:
        out = []
        for jif, text in self.records:
            sec, ms = divmod(jif, config.HZ)
            out.append(f"[{sec:5d}.{ms * 1000:06d}] {text}\n")
        return "".join(out)

    def grep(self, needle: str) -> list[str]:
        """Texts of the records containing `needle` (for tests and invariant checks)."""
        return [t for _, t in self.records if needle in t]

    def _where(self) -> str:
        cpu = self.k.cpu
        cur = cpu.curr
        return f"CPU: {cpu.id} PID: {cur.pid} Comm: {cur.comm}"

    def warn(self, message: str) -> None:
        """WARN(): log `WARNING: <where>: message` and a call trace; the machine goes on."""
        self.printk(f"WARNING: {self._where()}: {message}")
        self.printk("Call Trace:")
        for line in _call_trace(3):
            self.printk(line)

    def bug(self, message: str):
        """BUG(): log the report and raise KernelBug."""
        self.printk(f"BUG: {message}")
        self.printk(self._where())
        self.printk("Call Trace:")
        for line in _call_trace(3):
            self.printk(line)
        raise KernelBug(message)


def report_bug(log: Log, exc: BaseException, stream=None) -> None:
    """Turn an escaped exception into Linux's report in dmesg and on `stream` (stderr).

    A KernelBug was already logged by BUG(); any other exception is a kernel bug too:
    it is logged as `BUG: unable to handle ...` with the frames it went through.
    """
    stream = stream or sys.stderr
    if not isinstance(exc, KernelBug):
        log.printk(f"BUG: unable to handle kernel exception {type(exc).__name__}: {exc}")
        log.printk("Call Trace:")
        for fr in reversed(traceback.extract_tb(exc.__traceback__)):
            log.printk(f" [<{_addr(fr.name)}>] {fr.name}+0x{fr.lineno:x}/0x400")
    text = log.dmesg().splitlines()
    start = max((i for i, l in enumerate(text) if "] BUG: " in l), default=0)
    for line in text[start:]:
        print(line, file=stream)
