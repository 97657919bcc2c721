"""Scenario tests: each NAME.sh here runs on a fresh machine and must print NAME.out
(and NAME.err when present) and exit with the `# status:` header (default 0).

The public acceptance scenarios are copied here so that CI runs them too. Headers as
in ../shared/acceptance/run: `# toyos: --mem 64M --timeout 3600` and `# status: N`.
"""
import pathlib
import shlex

import pytest

from shell.machine import run_script

HERE = pathlib.Path(__file__).parent
SCRIPTS = sorted(HERE.glob("*.sh"))


def header(text: str, key: str) -> list:
    words = []
    for line in text.splitlines():
        if line.startswith(f"# {key}:"):
            words += shlex.split(line.split(":", 1)[1])
    return words


def boot_options(words: list) -> dict:
    opts = {"mem": "256M", "cpus": 2, "seed": 0, "boot": [], "timeout": None}
    it = iter(words)
    for w in it:
        name = w.lstrip("-")
        value = next(it)
        if name == "boot":
            opts["boot"].append(value)
        elif name in ("cpus", "seed"):
            opts[name] = int(value)
        elif name == "timeout":
            opts[name] = float(value)
        else:
            opts[name] = value
    return opts


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_scenario(script):
    text = script.read_text()
    opts = boot_options(header(text, "toyos"))
    want_status = int((header(text, "status") or [0])[0])
    status, out, err, k = run_script(text, arg0=str(script), **opts)
    assert out == script.with_suffix(".out").read_text()
    err_file = script.with_suffix(".err")
    if err_file.exists():
        assert err == err_file.read_text()
    assert "Traceback" not in err
    assert status == want_status
