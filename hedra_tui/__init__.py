"""hedra-tui: a terminal monitor for Hedra generations."""

__version__ = "0.1.0"
