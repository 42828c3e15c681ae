"""Demo data: a realistic, deterministic data set with one login per role (`portal demo`)."""

from .build import DemoSummary, load_demo

__all__ = ["DemoSummary", "load_demo"]
