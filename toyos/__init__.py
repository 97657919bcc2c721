"""toyos: a small operating system kernel in pure Python with a kmem-accounting memory cgroup."""

__version__ = "0.1.0"
