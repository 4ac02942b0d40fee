"""The performance benchmark suite: ``make bench`` (README.md in this folder)."""
