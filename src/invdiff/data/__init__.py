"""Data sources and formats."""
