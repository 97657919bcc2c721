"""Pipes (fs/pipe.c): a bounded character buffer between a read end and a write end.

read() blocks while the pipe is empty and a writer exists, and returns "" (EOF) once
every write end is closed. write() blocks while the buffer is full; with no reader left
it raises SIGPIPE in the writer and fails with EPIPE.
"""

from .. import config
from ..errno import EPIPE, KernelError
from ..kernel.sched import TASK_INTERRUPTIBLE, WaitQueue
from .vfs import O_RDONLY, O_WRONLY, S_IFIFO, Inode, OpenFile


class Pipe(Inode):
    __slots__ = ("k", "data", "readers", "writers", "wait")
    kind = S_IFIFO

    def __init__(self, kernel):
        super().__init__(0o600, 0)
        self.k = kernel
        self.data = ""
        self.readers = 1
        self.writers = 1
        self.wait = WaitQueue()

    def ends(self):
        """(read end, write end) as open file descriptions."""
        return (
            OpenFile(self, O_RDONLY, pipe=self, writing=False),
            OpenFile(self, O_WRONLY, pipe=self, writing=True),
        )

    def release(self, writing: bool) -> None:
        if writing:
            self.writers -= 1
        else:
            self.readers -= 1
        self.wait.wake_up(self.k.sched)

    def read(self, task, n: int):
        """Generator: up to n characters, "" at EOF; returns None if a signal interrupted."""
        from ..kernel.signal import signal_pending

        self.k.checker.might_sleep("pipe_read")
        while not self.data:
            if not self.writers:
                return ""
            if signal_pending(task):
                return None
            task.state = TASK_INTERRUPTIBLE
            self.wait.add(task)
            yield
        out, self.data = self.data[:n], self.data[n:]
        self.wait.wake_up(self.k.sched)
        return out

    def write(self, task, text: str):
        """Generator: write all of `text`, blocking while full; KernelError(EPIPE) with no reader."""
        from ..kernel.signal import SIGPIPE, send_signal, signal_pending

        self.k.checker.might_sleep("pipe_write")
        while text:
            if not self.readers:
                send_signal(self.k, task, SIGPIPE)
                raise KernelError(EPIPE)
            room = config.PIPE_SIZE - len(self.data)
            if room <= 0:
                if signal_pending(task):
                    return
                task.state = TASK_INTERRUPTIBLE
                self.wait.add(task)
                yield
                continue
            self.data += text[:room]
            text = text[room:]
            self.wait.wake_up(self.k.sched)
