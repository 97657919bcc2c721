"""Static keys (kernel/jump_label.c): branches that cost nothing while the key is off.

Python analogue of a patched jump: each site is an attribute of some object that holds
either the "key off" or the "key on" variant of a function. static_key_slow_inc()
rebinds every site to its "on" variant on the 0 -> 1 transition, static_key_slow_dec()
back on 1 -> 0. Callers always look the attribute up, so they never test the key.
Invariant: count >= 0, and every site holds its "on" variant iff count > 0.
"""


class StaticKey:
    __slots__ = ("name", "count", "sites", "hooks", "log")

    def __init__(self, name: str, log=None):
        self.name = name
        self.count = 0
        self.sites = []  # (obj, attr, off, on)
        self.hooks = []  # callables re-patching sites that depend on several keys
        self.log = log

    def add_site(self, obj, attr: str, off, on) -> None:
        """Register `obj.attr` as a branch site; it gets the variant for the current count."""
        self.sites.append((obj, attr, off, on))
        setattr(obj, attr, on if self.count else off)

    def add_hook(self, fn) -> None:
        """Call fn() after every 0 <-> 1 transition (for sites combining several keys)."""
        self.hooks.append(fn)
        fn()

    def enabled(self) -> bool:
        """static_key_false(): for slow paths and tests; hot paths use a site instead."""
        return self.count > 0

    def slow_inc(self) -> None:
        self.count += 1
        if self.count == 1:
            for obj, attr, _off, on in self.sites:
                setattr(obj, attr, on)
            for fn in self.hooks:
                fn()

    def slow_dec(self) -> None:
        if self.count <= 0:
            if self.log:
                self.log.bug(f"static key {self.name} decremented below zero")
            raise ValueError(self.name)
        self.count -= 1
        if self.count == 0:
            for obj, attr, off, _on in self.sites:
                setattr(obj, attr, off)
            for fn in self.hooks:
                fn()

    def check_invariants(self) -> None:
        assert self.count >= 0, self.name
        for obj, attr, off, on in self.sites:
            want = on if self.count else off
            assert getattr(obj, attr) == want, f"{self.name}: site {attr} not patched"


def static_key_slow_inc(key: StaticKey) -> None:
    key.slow_inc()


def static_key_slow_dec(key: StaticKey) -> None:
    key.slow_dec()
