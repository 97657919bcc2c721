"""`toyos bench`: the benchmark suite (medians after a warm-up, ratios against baselines
measured in the same run, and the targets of the performance issue)."""

from .suite import run_suite

__all__ = ["run_suite"]
