"""debugfs at /sys/kernel/debug: static_keys and the fail_page_alloc knobs."""

from ..errno import EINVAL, KernelError
from .vfs import Dir, SeqFile


def _parse_int(text: str) -> int:
    """simple_strtol-style: decimal, 0x hex, leading 0 octal; junk -> EINVAL."""
    s = text.strip()
    try:
        return int(s, 0) if not (len(s) > 1 and s[0] == "0" and s[1].isdigit()) else int(s, 8)
    except ValueError:
        raise KernelError(EINVAL) from None


def _parse_bool(text: str) -> bool:
    """strtobool(): Y/y/1 true, N/n/0 false."""
    s = text.strip()[:1]
    if s in ("Y", "y", "1"):
        return True
    if s in ("N", "n", "0"):
        return False
    raise KernelError(EINVAL)


def build_debugfs(kernel, root: Dir) -> None:
    root.add(
        "static_keys",
        SeqFile(
            lambda: "".join(
                f"{name} {key.count}\n"
                for name, key in kernel.keys.items()
                if not name.startswith("fail_page_alloc")
            )
        ),
    )
    fpa = kernel.fail_page_alloc
    d = root.add("fail_page_alloc", Dir())
    for knob in fpa.INT_KNOBS + fpa.BOOL_KNOBS:
        is_bool = knob in fpa.BOOL_KNOBS
        d.add(knob, SeqFile(_shower(fpa, knob, is_bool), _writer(fpa, knob, is_bool), mode=0o600))


def _shower(fpa, knob: str, is_bool: bool):
    if is_bool:
        return lambda: ("Y" if fpa.get(knob) else "N") + "\n"
    return lambda: f"{fpa.get(knob)}\n"


def _writer(fpa, knob: str, is_bool: bool):
    parse = _parse_bool if is_bool else _parse_int
    return lambda text: fpa.set(knob, parse(text))
