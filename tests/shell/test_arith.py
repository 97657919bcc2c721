"""Shell arithmetic (shell/arith.py): values and error messages as bash 5.2 gives them.

Each case runs with x=1, y=2, s='x' (a name), t='y+1' (an expression) and u='1+' (a
broken one); expected values and messages were taken from bash.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shell.arith import ArithError, evaluate

MIN, MAX = -(2**63), 2**63 - 1


def run(expr: str, **extra) -> tuple:
    """(value, variables after) of expr."""
    env = {"x": "1", "y": "2", "s": "x", "t": "y+1", "u": "1+", **extra}
    value = evaluate(expr, env.get, lambda name, v: env.__setitem__(name, str(v)))
    return value, env


def value(expr: str, **extra) -> int:
    return run(expr, **extra)[0]


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("", 0),
        ("  ", 0),
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("0X1f", 31),
        ("017", 15),
        ("0x", 0),
        ("2#101", 5),
        ("64#_", 63),
        ("36#Z", 35),
        ("63#a", 10),
        ("63#A", 36),
        ("64#@", 62),
        ("010 + 0x10 + 2#10", 26),
        ("1 + 2 * 3", 7),
        ("(1+2)*(3-4)", -3),
        ("((((((((1))))))))", 1),
        ("-7/2", -3),
        ("-7%2", -1),
        ("7%-2", 1),  # C: truncate toward zero
        ("5 ** 2 ** 2", 625),
        ("-2 ** 2", 4),
        ("2 ** 64", 0),
        ("7 >> 1 << 2", 12),
        ("1 & 3 ^ 6 | 8", 15),
        ("~0", -1),
        ("!0 + ~1", -1),
        ("!!5", 1),
        ("~~5", 5),
        ("--5", 5),
        ("---5", -5),
        ("1 + + 2", 3),
        ("1 - - 2", 3),
        ("1---2", -1),
        ("3>2>1", 0),
        ("1 < 2 == 1", 1),
        ("2 <= 2", 1),
        ("3 >= 4", 0),
        ("1 != 2", 1),
        ("1 && 2 || 0", 1),
        ("0 || 0 && 1", 0),
        ("y > x ? y : x", 2),
        ("0 ? 1 : 0 ? 2 : 3", 3),
        ("1,2", 2),
        ("x", 1),
        ("x + y", 3),
        ("undef_var + 1", 1),
        ("s * 3", 3),
        ("t * 2", 6),
        ("x*y", 2),
    ],
)
def test_values(expr, expected):
    assert value(expr) == expected


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("9223372036854775807 + 1", MIN),
        ("9223372036854775808", MIN),
        ("99999999999999999999", 7766279631452241919),
        ("-2**63", MIN),
        ("-(-9223372036854775807-1)", MIN),
        ("-9223372036854775808 / -1", MIN),
        ("-9223372036854775808 % -1", 0),
        ("1 << 64", 1),
        ("1 << -1", MIN),
        ("2**62*4", 0),
        ("MAX + 1", MIN),
    ],
)
def test_64_bit_wraparound(expr, expected):
    """Signed 64-bit arithmetic as C on x86-64: overflow wraps, shifts count mod 64."""
    assert value(expr, MAX=str(MAX)) == expected


@pytest.mark.parametrize(
    "expr, result, changed",
    [
        ("q = 7", 7, {"q": "7"}),
        ("y = x = 3", 3, {"x": "3", "y": "3"}),
        ("x = y += 2", 4, {"x": "4", "y": "4"}),
        ("x += y *= 2", 5, {"x": "5", "y": "4"}),
        ("x -= 3", -2, {"x": "-2"}),
        ("y /= 2", 1, {"y": "1"}),
        ("y %= 2", 0, {"y": "0"}),
        ("x <<= 3", 8, {"x": "8"}),
        ("y >>= 1", 1, {"y": "1"}),
        ("x &= 2", 0, {"x": "0"}),
        ("x |= 4", 5, {"x": "5"}),
        ("x ^= 5", 4, {"x": "4"}),
        ("x++", 1, {"x": "2"}),
        ("++x", 2, {"x": "2"}),
        ("x--", 1, {"x": "0"}),
        ("--x", 0, {"x": "0"}),
        ("x+++y", 3, {"x": "2"}),
        ("x-- - --y", 0, {"x": "0", "y": "1"}),
        ("n++ + n", 1, {"n": "1"}),
        ("q=7,q++,q", 8, {"q": "8"}),
        ("(x=3)+x", 6, {"x": "3"}),
        ("v=5, v*2", 10, {"v": "5"}),
    ],
)
def test_assignments(expr, result, changed):
    before = run("0")[1]
    value_, after = run(expr)
    assert value_ == result
    assert {k: v for k, v in after.items() if before.get(k) != v} == changed


@pytest.mark.parametrize(
    "expr, result",
    [
        ("0 && 1/0", 0),
        ("1 || 1/0", 1),
        ("0 ? 1/0 : 5", 5),
        ("1 ? 5 : 1/0", 5),
        ("0 && (x=9)", 0),
        ("1 || (x=9)", 1),
        ("1 ? 2 : (x=9)", 2),
        ("0 && u", 0),
    ],
)
def test_short_circuit_skips_side_effects_and_errors(expr, result):
    """The branch not taken neither assigns nor fails (bash's noeval)."""
    value_, env = run(expr)
    assert (value_, env["x"]) == (result, "1")


@pytest.mark.parametrize(
    "expr, message",
    [
        ("1/0", 'division by 0 (error token is "0")'),
        ("1/0+2", 'division by 0 (error token is "0+2")'),
        ("5 % 0", 'division by 0 (error token is "0")'),
        ("1/(y-2)", 'division by 0 (error token is "(y-2)")'),
        ("x /= 0", 'division by 0 (error token is "0")'),
        ("1+", 'syntax error: operand expected (error token is "+")'),
        ("1 +", 'syntax error: operand expected (error token is "+")'),
        ("1+*2", 'syntax error: operand expected (error token is "*2")'),
        ("3 , ", 'syntax error: operand expected (error token is ", ")'),
        ("x++ ++", 'syntax error: operand expected (error token is "+")'),
        ("@", 'syntax error: operand expected (error token is "@")'),
        ("**", 'syntax error: operand expected (error token is "**")'),
        ("1 2", 'syntax error in expression (error token is "2")'),
        ("a b", 'syntax error in expression (error token is "b")'),
        ("x:2", 'syntax error in expression (error token is ":2")'),
        ("1.5", 'syntax error: invalid arithmetic operator (error token is ".5")'),
        ("08", 'value too great for base (error token is "08")'),
        ("12a", 'value too great for base (error token is "12a")'),
        ("0x1g", 'value too great for base (error token is "0x1g")'),
        ("2#102", 'value too great for base (error token is "2#102")'),
        ("37#Z", 'value too great for base (error token is "37#Z")'),
        ("1#1", 'invalid arithmetic base (error token is "1#1")'),
        ("65#1", 'invalid arithmetic base (error token is "65#1")'),
        ("2#", 'invalid integer constant (error token is "2#")'),
        ("1=2", 'attempted assignment to non-variable (error token is "=2")'),
        ("1 ? 2 : 3 = 4", 'attempted assignment to non-variable (error token is "= 4")'),
        ("x=", 'syntax error: operand expected (error token is "=")'),
        ("1?", 'expression expected (error token is "?")'),
        ("1?:2", 'expression expected (error token is ":2")'),
        ("1?2:", 'expression expected (error token is ":")'),
        ("1?2", '`:\' expected for conditional expression (error token is "2")'),
        ("2**-1", 'exponent less than 0 (error token is "1")'),
        ("(1", 'missing `)\' (error token is "1")'),
        ("u*2", 'syntax error: operand expected (error token is "+")'),
        ("r", 'expression recursion level exceeded (error token is "r")'),
    ],
)
def test_errors(expr, message):
    """Messages as bash prints them after `EXPR: ` (the caller adds that prefix)."""
    with pytest.raises(ArithError) as info:
        run(expr, r="r")
    assert str(info.value) == message


def test_deep_parentheses_are_an_error_not_a_crash():
    with pytest.raises(ArithError):
        evaluate("(" * 100_000 + "1" + ")" * 100_000, {}.get, lambda n, v: None)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("0123456789xyz+-*/%<>=!~&^|?:,() #@"), max_size=30))
def test_fuzz_only_arith_errors(expr):
    """Whatever the text, the result is an int in range or an ArithError."""
    try:
        result = evaluate(expr, {"x": "3", "y": "x*2", "z": "z"}.get, lambda n, v: None)
    except ArithError:
        return
    assert MIN <= result <= MAX


@settings(max_examples=200, deadline=None)
@given(st.integers(MIN, MAX), st.integers(MIN, MAX))
def test_matches_c_semantics(a, b):
    """+ - * wrap mod 2**64; / and % truncate toward zero (C99)."""

    def wrap(v):
        return (v + 2**63) % 2**64 - 2**63

    env = {"a": str(a), "b": str(b)}
    assert evaluate("a + b", env.get, None) == wrap(a + b)
    assert evaluate("a * b", env.get, None) == wrap(a * b)
    if b:
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        assert evaluate("a / b", env.get, None) == wrap(q)
        assert evaluate("a % b", env.get, None) == wrap(a - b * q)
