"""The `toyos` command line: typer's CliRunner for options and errors, a real process for
the exit status and streams, and the interactive shell through a pseudo-terminal."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from shell.cli import app

runner = CliRunner()


def test_run_c_sets_positional_parameters_and_status():
    result = runner.invoke(app, ["run", "-c", 'echo "$0 $1 $2"; exit 3', "name", "a", "b"])
    assert result.exit_code == 3
    assert result.stdout == "name a b\n"


def test_run_script_file(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("echo from file $1\n")
    result = runner.invoke(app, ["run", str(script), "arg"])
    assert (result.exit_code, result.stdout) == (0, "from file arg\n")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "/no/such/script"],
        ["run", "--mem", "12Q", "-c", ":"],
        ["run", "--cpus", "0", "-c", ":"],
        ["run"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_without_traceback(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_timeout_is_virtual_and_exits_124():
    result = runner.invoke(app, ["run", "--timeout", "3", "-c", "sleep 10; echo no"])
    assert result.exit_code == 124
    assert result.stdout == ""


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("toyos ")


def _toyos(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )


def test_real_process_streams_and_status():
    got = _toyos("run", "-", stdin="echo out; echo err >&2; exit 7\n")
    assert (got.returncode, got.stdout, got.stderr) == (7, "out\n", "err\n")


def test_same_seed_same_bytes():
    script = "for i in 1 2 3; do sleep 0.1 & done; ps; dmesg | tail -3; wait"
    a = _toyos("run", "--seed", "5", "-c", script)
    b = _toyos("run", "--seed", "5", "-c", script)
    assert a.stdout == b.stdout and a.returncode == b.returncode == 0


def test_interactive_shell_through_a_pty():
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "shell.cli", "shell", "--mem", "64M"],
        encoding="utf-8",
        timeout=90,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    child.expect_exact("root@toyos:/# ")
    child.sendline("cd /tmp")
    child.expect_exact("root@toyos:/tmp# ")
    child.sendline("while true")
    child.expect_exact("> ")
    child.sendline("do echo loop; break; done")
    child.expect_exact("loop")
    child.expect_exact("root@toyos:/tmp# ")
    child.sendline("( while true; do :; done )")
    child.expect_exact("done )\r\n")  # the line was read: the job runs now
    child.sendintr()  # Ctrl-C interrupts the foreground job
    child.expect_exact("root@toyos:/tmp# ")
    child.sendline("echo status $?")
    child.expect_exact("status 130")
    child.expect_exact("root@toyos:/tmp# ")
    child.sendline("true | (")
    child.expect_exact("> ")
    child.sendintr()  # Ctrl-C at a prompt discards the line
    child.expect_exact("^C")
    child.expect_exact("root@toyos:/tmp# ")
    child.sendeof()  # Ctrl-D exits with status 0
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_kernel_exception_is_a_bug_report_and_exit_70(monkeypatch):
    """A Python exception inside the kernel: Linux's BUG report on stderr, status 70."""
    from toyos.kernel import fork

    def broken(self, task, status):
        raise ZeroDivisionError("simulated kernel bug")

    monkeypatch.setattr(fork.Fork, "do_exit", broken)
    result = runner.invoke(app, ["run", "-c", "true | true; echo never"])
    assert result.exit_code == 70
    assert (
        "BUG: unable to handle kernel exception ZeroDivisionError: simulated kernel bug"
        in result.output
    )
    assert "Call Trace:" in result.output and "Traceback" not in result.output
    assert "never" not in result.output


def test_kernel_bug_from_bug_macro(monkeypatch):
    """BUG() (here: a double free) stops the machine the same way."""
    from toyos.kernel import fork

    real = fork.Fork.free_thread_info

    def double_free(self, page):
        real(self, page)
        real(self, page)

    monkeypatch.setattr(fork.Fork, "free_thread_info", double_free)
    result = runner.invoke(app, ["run", "-c", "true | true; sleep 1; echo never"])
    assert result.exit_code == 70
    assert "BUG: Bad page state" in result.output and "double free" in result.output


def test_shell_that_cannot_be_forked_is_an_error_not_a_bug(monkeypatch):
    from toyos.boot import Kernel
    from toyos.errno import ENOMEM, KernelError

    def spawn(self, *args, **kwargs):
        raise KernelError(ENOMEM)

    monkeypatch.setattr(Kernel, "spawn", spawn)
    result = runner.invoke(app, ["run", "-c", "echo never"])
    assert result.exit_code == 254
    assert result.output == "toyos: cannot start sh: fork: Cannot allocate memory\n"
