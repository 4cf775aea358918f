"""Command-line entry points: `outcomes ...`."""
