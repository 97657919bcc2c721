"""/bin process utilities: ps (procps layout, read from /proc), kill (bash's messages),
sleep (decimal seconds of virtual time) and dmesg."""

import pytest
from harness import BinMachine


class Machine(BinMachine):
    """Settled for a few jiffies (the kthreads asleep) before the first program."""

    def __init__(self):
        super().__init__(settle=5)


@pytest.fixture
def m():
    return Machine()


# -------------------------------------------------------------------- ps


def test_ps_default_lists_user_processes(m):
    assert m.run("ps") == (
        "  PID  PPID STAT CMD\n    1     0 S    init\n    5     1 R    ps\n",
        "",
        0,
    )


def test_ps_every_process_full_format(m):
    out, err, status = m.run("ps", "-ef")
    assert (err, status) == ("", 0)
    assert out.splitlines() == [
        "UID        PID  PPID  C STIME TTY          TIME CMD",
        "root         1     0  0 00:00 ?        00:00:00 init",
        "root         2     0  0 00:00 ?        00:00:00 [kthreadd]",
        "root         3     2  0 00:00 ?        00:00:00 [kworker/0:0]",
        "root         4     2  0 00:00 ?        00:00:00 [kworker/1:0]",
        "root         5     1  0 00:00 ?        00:00:00 ps -ef",
    ]


def test_ps_aux(m):
    out, _, _ = m.run("ps", "aux")
    lines = out.splitlines()
    assert lines[0] == "USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"
    assert lines[1] == "root         1  0.0  0.0      0     0 ?        S    00:00   0:00 init"
    assert lines[-1].endswith(" R    00:00   0:00 ps aux") and len(lines) == 6


def test_ps_user_format_and_pid_selection(m):
    sleeper = m.start("sleep", "100")
    m.k.run(max_jiffies=3)
    assert sleeper.pid == 5
    assert m.run("ps", "-o", "pid,comm,args", "-p", "5") == (
        "  PID COMMAND         COMMAND\n    5 sleep           sleep 100\n",
        "",
        0,
    )
    assert m.run("ps", "-o", "pid=,stat=", "-p", "5") == ("    5 S\n", "", 0)
    assert m.run("ps", "--no-headers", "-p", "1") == ("    1     0 S    init\n", "", 0)
    assert m.run("ps", "-p", "999") == ("  PID  PPID STAT CMD\n", "", 1)


def test_ps_shows_zombies_as_defunct(m):
    sleeper = m.start("sleep", "100")
    child = m.start("true", parent=sleeper)
    m.k.run(until=lambda: child.exit_state != 0)
    out, _, _ = m.run("ps", "-o", "pid,ppid,stat,args")
    assert f"    {child.pid}     {sleeper.pid} Z    [true] <defunct>" in out.splitlines()


def test_ps_shows_memory(m):
    hog = m.start("memhog", "1M")
    m.k.run(max_jiffies=20)
    out, _, _ = m.run("ps", "-o", "pid,rss,vsz,comm", "-p", str(hog.pid))
    assert out == f"  PID   RSS    VSZ COMMAND\n    {hog.pid}  1024   1024 memhog\n"


@pytest.mark.parametrize(
    "args, err",
    [
        (("-Z",), "error: unsupported SysV option\n"),
        (("q",), "error: unsupported option (BSD syntax)\n"),
        (("-o", "pid,foo"), 'error: unknown user-defined format specifier "foo"\n'),
        (("-p",), "error: list of process IDs must follow -p\n"),
        (("-p", "x"), "error: process ID list syntax error\n"),
    ],
)
def test_ps_errors(m, args, err):
    out, got, status = m.run("ps", *args)
    assert (out, status) == ("", 1)
    assert got.startswith(err) and "\nUsage:\n ps [options]\n" in got


# ------------------------------------------------------------------ kill


def test_kill_terminates_and_reports_missing(m):
    sleeper = m.start("sleep", "100")
    m.k.run(max_jiffies=3)
    assert m.run("kill", str(sleeper.pid), "99999") == ("", "kill: (99999) - No such process\n", 1)
    m.k.run(until=lambda: sleeper.exit_state != 0)
    assert sleeper.exit_code == 15  # killed by SIGTERM


@pytest.mark.parametrize("spec, status", [("-9", 9), ("-KILL", 9), ("-SIGINT", 2)])
def test_kill_signal_forms(m, spec, status):
    sleeper = m.start("sleep", "100")
    m.k.run(max_jiffies=3)
    assert m.run("kill", spec, str(sleeper.pid)) == ("", "", 0)
    m.k.run(until=lambda: sleeper.exit_state != 0)
    assert sleeper.exit_code == status


def test_kill_s_option_and_zero(m):
    sleeper = m.start("sleep", "100")
    m.k.run(max_jiffies=3)
    assert m.run("kill", "-0", str(sleeper.pid)) == ("", "", 0)
    assert not sleeper.exit_state
    assert m.run("kill", "-s", "HUP", str(sleeper.pid)) == ("", "", 0)
    m.k.run(until=lambda: sleeper.exit_state != 0)
    assert sleeper.exit_code == 1


def test_kill_list(m):
    out, _, status = m.run("kill", "-l")
    assert status == 0
    assert out.splitlines()[0] == " 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP"
    assert out.splitlines()[1].startswith(" 6) SIGABRT\t") and "\t10) SIGUSR1" in out
    assert m.run("kill", "-l", "9", "137", "KILL", "sigterm") == ("KILL\nKILL\n9\n15\n", "", 0)
    assert m.run("kill", "-l", "FOO") == ("", "kill: FOO: invalid signal specification\n", 1)


def test_kill_usage_errors(m):
    usage = (
        "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... "
        "or kill -l [sigspec]\n"
    )
    assert m.run("kill") == ("", usage, 2)
    assert m.run("kill", "-9") == ("", usage, 2)
    assert m.run("kill", "-s", "FOO", "1") == ("", "kill: FOO: invalid signal specification\n", 1)
    assert m.run("kill", "x") == ("", "kill: x: arguments must be process or job IDs\n", 1)


# ----------------------------------------------------------------- sleep


@pytest.mark.parametrize(
    "args, ms", [(("0.5",), 500), (("1",), 1000), (("0.25s", ".25"), 500), (("0.001m",), 60)]
)
def test_sleep_takes_virtual_time(m, args, ms):
    start = m.k.jiffies
    assert m.run("sleep", *args) == ("", "", 0)
    assert ms <= m.k.jiffies - start <= ms + 10


@pytest.mark.parametrize(
    "args, err",
    [
        (("x",), "sleep: invalid time interval 'x'\n"),
        (("1x",), "sleep: invalid time interval '1x'\n"),
        ((), "sleep: missing operand\n"),
        (("-1",), "sleep: invalid option -- '1'\n"),
    ],
)
def test_sleep_errors(m, args, err):
    assert m.run("sleep", *args) == ("", err + "Try 'sleep --help' for more information.\n", 1)


def test_sleep_forever_until_signalled(m):
    sleeper = m.start("sleep", "inf")
    m.k.run(max_jiffies=10_000)
    assert not sleeper.exit_state
    m.run("kill", "-INT", str(sleeper.pid))
    m.k.run(until=lambda: sleeper.exit_state != 0)
    assert sleeper.exit_code == 2


# ----------------------------------------------------------------- dmesg


def test_dmesg_prints_and_clears(m):
    out, err, status = m.run("dmesg")
    assert status == 0 and out.startswith("[    0.000000] Linux version 3.8.0-toyos")
    assert out == m.k.log.dmesg()
    assert m.run("dmesg", "-c")[0] == out
    assert m.run("dmesg") == ("", "", 0)
    m.k.log.printk("hello")
    assert m.run("dmesg", "-C") == ("", "", 0) and m.k.log.dmesg() == ""
