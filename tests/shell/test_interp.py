"""The interpreter: fork counts per construct, redirection order, quoting and splitting,
exit statuses, functions, loops, signals and fork failure."""

import pytest

from shell.machine import boot_machine, run_script, script_main


def sh(text, **kw):
    status, out, err, k = run_script(text, **kw)
    return status, out, err


def forks(text, setup=""):
    """Forks made by `text` alone (after `setup` ran), counted by the kernel."""
    counted = {}
    script = setup + "\n__mark_start\n" + text + "\n__mark_end\n"
    out, err = [], []
    k = boot_machine("64M", 2, 0, (), out.append, err.append)
    from shell import builtins

    def mark(name):
        def b(sh_, argv):
            counted[name] = k.fork.total_forks
            return 0
            yield

        return b

    builtins.BUILTINS["__mark_start"] = mark("start")
    builtins.BUILTINS["__mark_end"] = mark("end")
    try:
        task = k.spawn(script_main(script, "sh", []), ["sh"], files=k.console_files())
        k.run(until=lambda: task.exit_state != 0, max_jiffies=100000)
    finally:
        del builtins.BUILTINS["__mark_start"], builtins.BUILTINS["__mark_end"]
    return counted["end"] - counted["start"]


@pytest.mark.parametrize(
    "text,n",
    [
        ("echo hi", 0),
        (":", 0),
        ("f() { echo x; }; f", 0),
        ("sleep 1000 &", 1),
        ("true | true", 2),
        ("true | true | true", 3),
        ("true | true &", 2),
        ("( true )", 1),
        ("( cat /dev/null )", 1),  # the external command is exec'd in the subshell
        ("x=$(echo a)", 1),
        ("x=$(cat /dev/null)", 1),
        ("cat /dev/null", 1),
        ("{ true; } | true", 2),
        ("true && true &", 1),
        ("nosuchcommand 2>/dev/null", 0),
    ],
)
def test_fork_counts(text, n):
    assert forks(text) == n


def test_forkbomb_function_forks_twice_per_call():
    """`:(){ :|:& };:` -- one call of `:` forks exactly 2 (bash measured the same)."""
    assert forks(":", setup=":(){ true | true & }") == 2


def test_redirection_order_matters():
    status, out, err = sh(
        "f() { echo out; echo err >&2; }\nf 2>&1 >/dev/null\necho ---\nf >/dev/null 2>&1\necho done"
    )
    assert out == "err\n---\ndone\n" and err == ""


def test_redirect_to_files_append_and_read():
    status, out, err = sh(
        'echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f; echo x > /nonexistent/y; echo "st $?"'
    )
    assert out == "one\ntwo\nst 1\n"
    assert err == "sh: line 1: /nonexistent/y: No such file or directory\n"


def test_quoting_and_field_splitting():
    status, out, _ = sh(
        'x="a   b"; printf "[%s]" $x; echo; printf "[%s]" "$x"; echo\n'
        "set -- 'p q' r; printf '<%s>' \"$@\"; echo; printf '<%s>' $*; echo\n"
        "echo \"$#\" '$#' \\$#"
    )
    assert out == "[a][b]\n[a   b]\n<p q><r>\n<p><q><r>\n2 $# $#\n"


def test_parameter_expansion_forms():
    status, out, _ = sh(
        'unset u; e=""; v=val\necho "${u:-d1} ${e:-d2} ${e-d3} ${v:+alt} ${#v} ${u:=set}" $u'
    )
    assert out == "d1 d2  alt 3 set set\n"


def test_exit_statuses_and_negation():
    status, out, _ = sh(
        "false; echo $?; ! false; echo $?; true | false; echo $?; ( exit 300 ); echo $?; exit 5"
    )
    assert out == "1\n0\n1\n44\n" and status == 5


def test_loops_break_continue_and_case():
    status, out, _ = sh(
        "for i in 1 2 3 4 5; do\n"
        "  case $i in 2) continue;; 4) break;; *) echo $i;; esac\n"
        "done\n"
        "n=0; until [ $n -ge 3 ]; do n=$((n+1)); done; echo n=$n"
    )
    assert out == "1\n3\nn=3\n"


def test_function_positional_parameters_and_return():
    status, out, _ = sh('f() { echo "$# $1 $2"; return 3; }; f a b; echo $?; echo "$#"')
    assert out == "2 a b\n3\n0\n"


def test_function_nesting_is_capped_without_python_errors():
    status, out, err = sh("f() { f; }; f; echo after $?")
    assert out == "after 1\n"
    assert err == "sh: line 1: f: maximum function nesting level exceeded (200)\n"


def test_special_parameters_pid_and_bang():
    status, out, _ = sh(
        "echo $$ > /tmp/p; ( echo $$ ) >> /tmp/p; sleep 5 & echo $! >> /tmp/p\n"
        "a=$(cat /tmp/p); set -- $a; [ $1 = $2 ] && echo same; "
        "[ $3 != $1 ] && echo bg"
    )
    assert out == "same\nbg\n"


def test_bang_of_background_pipeline_is_last_element():
    status, out, _ = sh("sleep 5 | sleep 6 & p=$!; ps > /tmp/ps; kill $p; wait $p; echo $?")
    assert out == "143\n"


def test_job_killed_by_sigkill_reports_137_and_message():
    status, out, err = sh("sleep 1000 &\nkill -9 $!\nwait $!\necho $?")
    assert out == "137\n"
    assert err.startswith("sh: line 3: ") and err.rstrip().endswith("Killed   sleep 1000")


def test_wait_and_kill_errors():
    status, out, err = sh("wait 99999; echo $?; kill 99999; echo $?")
    assert out == "127\n1\n"
    assert err == (
        "sh: line 1: wait: pid 99999 is not a child of this shell\n"
        "sh: line 1: kill: (99999) - No such process\n"
    )


def test_syntax_error_stops_script_after_earlier_commands_ran():
    status, out, err = sh("echo one\necho two\nif then\necho never")
    assert (status, out) == (2, "one\ntwo\n")
    assert err == "sh: line 3: syntax error near unexpected token 'then'\n"


def test_sleep_advances_virtual_time_while_jobs_run():
    status, out, err, k = run_script("i=0; while true; do i=$((i+1)); done &\nsleep 2\nkill $!")
    assert status == 0
    assert 2000 <= k.jiffies < 2100


def test_fork_failure_exits_254_at_once():
    status, out, err = sh(
        "echo before\n"
        "echo 100 > /sys/kernel/debug/fail_page_alloc/probability\n"
        "echo N > /sys/kernel/debug/fail_page_alloc/ignore-gfp-wait\n"
        "true | true\necho never"
    )
    assert (status, out) == (254, "before\n")
    assert err == "sh: fork: Cannot allocate memory\n"


def test_same_seed_same_output():
    text = "for i in 1 2 3; do sleep 0.01 & done; ps; wait"
    assert sh(text, seed=3) == sh(text, seed=3)


def test_read_and_pipes():
    status, out, _ = sh(
        "printf 'a b c\\nsecond\\n' | { read x y; echo \"$y|$x\"; read z; echo $z; }"
    )
    assert out == "b c|a\nsecond\n"


def test_timeout_stops_a_loop():
    status, out, err = sh("while true; do :; done", timeout=2)
    assert status == 124
