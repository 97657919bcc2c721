"""Scenario tests: each NAME.sh here runs on a fresh machine and must print NAME.out
(and NAME.err when present) and exit with the `# status:` header (default 0).

The public acceptance scenarios are copied here so that CI runs them too. Headers as
in ../shared/acceptance/run: `# toyos: --mem 64M --timeout 3600` and `# status: N`.

Each runs with debug_vm (every invariant after every step, a violation is a BUG that
fails the test); afterwards every removed group must be freed once its charges are
gone, and after `kill -9 -1` and removing every group the machine is back to its boot
state (tests/conftest.py: check_after_run, teardown_and_check).
"""

import pathlib

import pytest
from harness import boot_options, check_after_run, header, run_checked, teardown_and_check

HERE = pathlib.Path(__file__).parent
SCRIPTS = sorted(HERE.glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_scenario(script):
    text = script.read_text()
    opts = boot_options(header(text, "toyos"))
    want_status = int((header(text, "status") or [0])[0])
    status, out, err, k = run_checked(text, arg0=str(script), **opts)
    assert out == script.with_suffix(".out").read_text()
    err_file = script.with_suffix(".err")
    if err_file.exists():
        assert err == err_file.read_text()
    assert "Traceback" not in err
    assert status == want_status
    check_after_run(k, status, err, out)
    teardown_and_check(k)
