"""The hierarchical resource counter (kernel/res_counter.c, include/linux/res_counter.h of 3.8).

A ResCounter counts bytes of one resource (`usage`) against a `limit`, remembers the
high-water mark (`max_usage`) and how often a charge hit the limit (`failcnt`). A
counter may have a `parent`: every charge is applied to the whole chain up to the top,
or, if any counter in the chain would go over its limit, to none of them.

Invariants (check_invariants):
- 0 <= usage <= max_usage, failcnt >= 0, 0 <= limit <= RESOURCE_MAX;
- usage <= limit, except after a forced (nofail) charge or a set_limit() race-free
  refusal: toyos never lowers a limit below usage, so only nofail charges exceed it;
- the parent chain is finite (no cycles).

Limits written by users are parsed by res_counter_memparse_write_strategy(), the
kernel's memparse(): base-0 numbers (decimal, 0x hex, leading-0 octal), an optional
K/M/G suffix (powers of 1024, either case), `-1` for unlimited; the result is rounded
up to a whole page. Values above RESOURCE_MAX are clamped to RESOURCE_MAX (see the
docstring of res_counter_memparse_write_strategy() for why).
"""

from ..config import PAGE_SIZE, RESOURCE_MAX
from ..errno import EBUSY, EINVAL, ENOMEM, KernelError

_SUFFIX_SHIFT = {"K": 10, "k": 10, "M": 20, "m": 20, "G": 30, "g": 30}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_HEX = "0123456789abcdefABCDEF"


class ResCounter:
    """struct res_counter: usage, max_usage, limit and failcnt in bytes, and the parent."""

    __slots__ = ("usage", "max_usage", "limit", "failcnt", "parent", "warn")

    def __init__(self, parent=None, warn=None):
        self.usage = 0
        self.max_usage = 0
        self.limit = RESOURCE_MAX
        self.failcnt = 0
        self.parent = parent
        self.warn = warn  # callable(str): WARN_ON() of an uncharge below zero

    def __repr__(self):
        return f"<ResCounter usage={self.usage} limit={self.limit} failcnt={self.failcnt}>"

    # ---------------------------------------------------------------- charge

    def _charge_locked(self, val: int, force: bool) -> int:
        """res_counter_charge_locked(): one counter; 0 or -ENOMEM (failcnt counted)."""
        ret = 0
        if self.usage + val > self.limit:
            self.failcnt += 1
            ret = -ENOMEM
            if not force:
                return ret
        self.usage += val
        if self.usage > self.max_usage:
            self.max_usage = self.usage
        return ret

    def _charge(self, val: int, force: bool):
        """__res_counter_charge(): walk up the chain; undo on failure unless forced."""
        ret, fail_at = 0, None
        c = self
        while c is not None:
            r = c._charge_locked(val, force)
            if r < 0 and not ret:
                ret, fail_at = r, c
                if not force:
                    break
            c = c.parent
        if ret < 0 and not force:
            u = self
            while u is not c:
                u._uncharge_locked(val)
                u = u.parent
        return ret, fail_at

    def charge(self, val: int):
        """res_counter_charge(): charge `val` bytes here and in every ancestor, or nowhere.

        Returns (0, None) or (-ENOMEM, the counter whose limit failed). Only the failing
        counter's failcnt grows; the descendants charged before it are rolled back.
        Any context (the kernel takes the counters' spinlocks with irqs off).
        """
        return self._charge(val, False)

    def charge_nofail(self, val: int):
        """res_counter_charge_nofail(): charge the whole chain even over limits.

        Returns like charge(): -ENOMEM (and the first counter over its limit) tells the
        caller that some limit is now exceeded, but the charge stands.
        """
        return self._charge(val, True)

    # -------------------------------------------------------------- uncharge

    def _uncharge_locked(self, val: int) -> int:
        if self.usage < val:
            if self.warn is not None:
                self.warn(f"res_counter_uncharge_locked: uncharging {val} from usage {self.usage}")
            val = self.usage
        self.usage -= val
        return self.usage

    def uncharge_until(self, top, val: int) -> int:
        """res_counter_uncharge_until(): uncharge from here up to, not including, `top`.

        Returns the usage left in this counter (the series' "return amount of charges
        after res_counter_uncharge()" patch): 0 tells the caller it saw the last charge.
        """
        ret = 0
        c = self
        while c is not top:
            r = c._uncharge_locked(val)
            if c is self:
                ret = r
            c = c.parent
        return ret

    def uncharge(self, val: int) -> int:
        """res_counter_uncharge(): uncharge the whole chain; returns this counter's usage left."""
        return self.uncharge_until(None, val)

    # ------------------------------------------------------------ the knobs

    def set_limit(self, limit: int) -> int:
        """res_counter_set_limit(): 0, or -EBUSY if the usage is already above `limit`."""
        if self.usage <= limit:
            self.limit = limit
            return 0
        return -EBUSY

    def reset_max(self) -> None:
        """res_counter_reset_max(): the high-water mark restarts at the current usage."""
        self.max_usage = self.usage

    def reset_failcnt(self) -> None:
        self.failcnt = 0

    def margin(self) -> int:
        """res_counter_margin(): bytes that can still be charged here (0 if over the limit)."""
        return self.limit - self.usage if self.limit > self.usage else 0

    def check_invariants(self, chain: bool = True) -> None:
        """The counter's own rules; `chain` also walks the parents (no cycle)."""
        assert 0 <= self.usage <= self.max_usage, f"usage {self.usage} max {self.max_usage}"
        assert self.failcnt >= 0, "negative failcnt"
        assert 0 <= self.limit <= RESOURCE_MAX, f"limit {self.limit} out of range"
        if not chain:
            return
        seen, c = set(), self
        while c is not None:
            assert id(c) not in seen, "res_counter parent chain has a cycle"
            seen.add(id(c))
            c = c.parent


# ------------------------------------------------------------------ parsing


def simple_strtoull(s: str, base: int = 0):
    """lib/vsprintf.c simple_strtoull(): (value, characters consumed); no sign accepted.

    Base 0 picks the radix like the kernel's _parse_integer_fixup_radix(): `0x` followed
    by a hex digit is hex, another leading `0` is octal, anything else decimal. Parsing
    stops at the first character that is not a digit of the base.
    """
    i = 0
    if base in (0, 16) and s[:2] in ("0x", "0X") and s[2:3] and s[2] in _HEX:
        base, i = 16, 2
    elif base == 0:
        base = 8 if s[:1] == "0" else 10
    val = 0
    valid = _DIGITS[:base]
    while i < len(s) and s[i].lower() in valid:
        val = val * base + valid.index(s[i].lower())
        i += 1
    return val, i


def memparse(s: str):
    """lib/cmdline.c memparse(): (bytes, characters consumed) for `4096`, `0x1000`, `4k`, `1G`."""
    val, end = simple_strtoull(s, 0)
    if end and s[end : end + 1] in _SUFFIX_SHIFT:
        val <<= _SUFFIX_SHIFT[s[end]]
        end += 1
    return val, end


def res_counter_memparse_write_strategy(buf: str) -> int:
    """Parse a limit written to a cgroup file (already stripped, like cgroup's strstrip()).

    `-1` (the only negative number accepted) is RESOURCE_MAX; otherwise memparse() must
    consume the whole string and the value is rounded up to PAGE_SIZE. Raises
    KernelError(EINVAL) for anything else, including the empty string and a suffix
    without digits (toyos: Linux 3.8 reads those as 0).

    Linux 3.8 keeps the parsed value as an unsigned 64-bit number: values from
    RESOURCE_MAX + 1 up to 2**64 - 1 are stored as they are (never reachable, so
    unlimited in effect) and larger ones wrap around silently. toyos clamps every value
    above RESOURCE_MAX to RESOURCE_MAX instead (as page_counter_memparse() does since
    Linux 3.19): the same effect for the first range, and no wrap for the second.
    """
    if buf.startswith("-"):
        val, end = simple_strtoull(buf[1:], 10)
        if val != 1 or end == 0 or end != len(buf) - 1:
            raise KernelError(EINVAL)
        return RESOURCE_MAX
    val, end = memparse(buf)
    if end == 0 or end != len(buf):
        raise KernelError(EINVAL)
    val = -(-val // PAGE_SIZE) * PAGE_SIZE
    return min(val, RESOURCE_MAX)
