"""The `toyos` command line (typer): `shell`, `run`, `bench`, `--version`.

Boot options are shared by `shell` and `run`. Usage errors exit 2 with one line and no
traceback; a kernel bug is reported Linux-style on stderr and exits 70.
"""

import sys

import typer

from toyos import __version__
from toyos.boot import parse_size
from toyos.errno import KernelError
from toyos.printk import report_bug

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="toyos: a small OS kernel in Python with a kmem-accounting memory cgroup.",
)

EXIT_TIMEOUT = 124
EXIT_BUG = 70


def _version(value: bool):
    if value:
        typer.echo(f"toyos {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
):
    """toyos: a small OS kernel in Python with a kmem-accounting memory cgroup."""


def _check_mem(value: str) -> str:
    try:
        size = parse_size(value)
    except ValueError:
        raise typer.BadParameter(f"invalid size {value!r} (use e.g. 64M, 1G)") from None
    if size < 256 * 1024:
        raise typer.BadParameter("at least 256K of memory is needed")
    return value


MemOpt = typer.Option("256M", "--mem", callback=_check_mem, help="Physical memory (K/M/G).")
CpusOpt = typer.Option(2, "--cpus", min=1, max=64, help="Simulated CPUs.")
SeedOpt = typer.Option(0, "--seed", help="Seed of every random choice.")
TimeoutOpt = typer.Option(
    None, "--timeout", min=0.0, help="Virtual-time budget in seconds (exit 124)."
)
BootOpt = typer.Option([], "--boot", help="Kernel command line word (repeatable).")


def _boot(mem, cpus, seed, boot):
    from .machine import boot_machine

    return boot_machine(mem, cpus, seed, boot, _host_write(sys.stdout), _host_write(sys.stderr))


def _host_write(stream):
    def write(text: str) -> None:
        stream.write(text)

    return write


def _exit_status(task) -> int:
    st = task.exit_code
    return 128 + (st & 0x7F) if st & 0x7F else st >> 8


@app.command()
def run(
    script: str | None = typer.Argument(None, help="Script file, or - for stdin."),
    args: list[str] = typer.Argument(None, help="Positional parameters for the script."),
    command: str | None = typer.Option(None, "-c", help="Run COMMANDS like sh -c."),
    mem: str = MemOpt,
    cpus: int = CpusOpt,
    seed: int = SeedOpt,
    timeout: float | None = TimeoutOpt,
    boot: list[str] = BootOpt,
):
    """Boot, run a script as root in the root cgroup, halt; exit with the script's status."""
    from .machine import script_main

    text, arg0, params = _script_text(script, args or [], command)
    k = _boot(mem, cpus, seed, boot)
    deadline = None if timeout is None else int(timeout * 1000)
    try:
        task = k.spawn(script_main(text, arg0, params), ["sh"], files=k.console_files())
    except KernelError as e:  # init could not fork the shell (fault injection)
        sys.stderr.write(f"toyos: cannot start sh: fork: {e.strerror}\n")
        raise typer.Exit(254) from None
    try:
        result = k.run(until=lambda: task.exit_state != 0, deadline=deadline)
    except Exception as exc:  # a kernel bug: Linux's report, never a traceback
        sys.stdout.flush()
        report_bug(k.log, exc, sys.stderr)
        raise typer.Exit(EXIT_BUG) from None
    sys.stdout.flush()
    if result == "timeout":
        sys.stderr.write(f"toyos: timeout: {timeout:g} s of virtual time spent\n")
        raise typer.Exit(EXIT_TIMEOUT)
    if result == "idle":
        sys.stderr.write("toyos: every task is blocked and no timer is pending: halting\n")
        raise typer.Exit(EXIT_TIMEOUT)
    raise typer.Exit(_exit_status(task))


def _script_text(script, args, command):
    if command is not None:
        params = ([script] if script is not None else []) + list(args)
        return command, (params[0] if params else "sh"), params[1:]
    if script is None:
        raise typer.BadParameter("give a SCRIPT, - for stdin, or -c COMMANDS", param_hint="SCRIPT")
    if script == "-":
        return sys.stdin.read(), "sh", list(args)
    try:
        with open(script, encoding="utf-8") as f:
            return f.read(), script, list(args)
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise typer.BadParameter(f"cannot read {script}: {reason}", param_hint="SCRIPT") from None


@app.command()
def shell(
    mem: str = MemOpt,
    cpus: int = CpusOpt,
    seed: int = SeedOpt,
    timeout: float | None = TimeoutOpt,
    boot: list[str] = BootOpt,
):
    """An interactive shell on a freshly booted machine (Ctrl-D exits)."""
    from .interactive import interactive_session

    k = _boot(mem, cpus, seed, boot)
    try:
        status = interactive_session(k, timeout)
    except Exception as exc:
        sys.stdout.flush()
        report_bug(k.log, exc, sys.stderr)
        raise typer.Exit(EXIT_BUG) from None
    raise typer.Exit(status)


@app.command()
def bench(
    quick: bool = typer.Option(False, "--quick", help="Fewer repetitions (about a minute)."),
    json_file: str | None = typer.Option(None, "--json", help="Also write the results as JSON."),
):
    """The benchmark suite: medians, ratios against baselines, targets."""
    from toyos.bench import run_suite

    raise typer.Exit(run_suite(quick=quick, json_file=json_file))


def main():
    sys.setrecursionlimit(20000)
    app()


if __name__ == "__main__":
    main()
