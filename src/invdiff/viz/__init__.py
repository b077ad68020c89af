"""Figures (matplotlib, Agg backend)."""
import matplotlib

matplotlib.use("Agg")
