"""Boot a machine with the userland installed: /bin programs and /bin/sh (used by the CLI and tests)."""

import sys

from toyos.boot import Kernel, register_program

from .script import sh_main


def boot(mem="256M", cpus: int = 2, seed: int = 0, boot=(), stdout=None, stderr=None) -> Kernel:
    """A booted Kernel whose /bin holds every toy program."""
    # Shell processes are nested generators: a few frames per function nesting level.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    k = Kernel(mem=mem, cpus=cpus, seed=seed, boot=boot, stdout=stdout, stderr=stderr)
    try:
        from .bin import install

        install(k)
    except ImportError:
        pass
    register_program(k, "sh", sh_main)
    return k


def script_main(text: str, arg0: str, params):
    """A program entry that runs `text` as a script named `arg0` (what `toyos run` starts)."""
    from .script import run_text
    from .state import Shell

    def main(k, argv):
        sh = Shell(k, arg0, params)
        return (yield from run_text(sh, text))

    return main


def run_script(text: str, mem="256M", cpus=2, seed=0, boot=(), timeout=None, arg0="sh", params=()):
    """Run a script to completion on a fresh machine: (status, stdout, stderr, kernel).

    status is the script's exit status, or 124 when `timeout` (virtual seconds) ran out.
    """
    out, err = [], []
    k = boot_machine(mem, cpus, seed, boot, out.append, err.append)
    task = k.spawn(script_main(text, arg0, list(params)), ["sh"], files=k.console_files())
    deadline = None if timeout is None else k.jiffies + int(timeout * 1000)
    result = k.run(until=lambda: task.exit_state != 0, deadline=deadline)
    if result == "timeout":
        status = 124
    elif task.exit_state:
        st = task.exit_code
        status = 128 + (st & 0x7F) if st & 0x7F else st >> 8
    else:
        status = 124
    return status, "".join(out), "".join(err), k


boot_machine = boot
