"""The terminal of `toyos shell`: a character device between the host's line editor and
the simulated processes. A reader blocks until the host pushes a line; the host sees
`waiting` and the prompt to show, and pushes lines, EOF (Ctrl-D) or an interrupt (Ctrl-C).
"""

from collections import deque

from toyos.fs.vfs import CharDev
from toyos.kernel.sched import TASK_INTERRUPTIBLE
from toyos.kernel.signal import signal_pending


class TTY:
    def __init__(self, kernel, write_out):
        self.k = kernel
        self.lines = deque()
        self.eof = False
        self.prompt = ""
        self.waiting = None  # the task blocked reading, if any
        self.interrupt = False  # Ctrl-C seen while the shell itself was running
        self.cancelled = False  # Ctrl-C at the prompt: the line is discarded
        self.dev = CharDev(self.read, write_out, mode=0o620)

    def push(self, line: str) -> None:
        self.lines.append(line)
        self._wake()

    def push_eof(self) -> None:
        self.eof = True
        self._wake()

    def cancel_line(self) -> None:
        self.cancelled = True
        self._wake()

    def _wake(self) -> None:
        """Wake the reader; it is no longer waiting (the host must not prompt again)."""
        if self.waiting is not None:
            self.k.sched.wake_up_process(self.waiting)
            self.waiting = None

    def read(self, task, n: int, prompt: str = ""):
        """Generator: the next line (with its newline), "" at EOF, None if cancelled."""
        self.k.checker.might_sleep("tty_read")
        while not self.lines:
            if self.eof:
                self.eof = False
                return ""
            if self.cancelled:
                self.cancelled = False
                return None
            if signal_pending(task):
                return ""
            self.waiting = task
            self.prompt = prompt
            task.state = TASK_INTERRUPTIBLE
            yield
        self.waiting = None
        return self.lines.popleft()
