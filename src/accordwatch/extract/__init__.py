"""Extraction: a pipeline of small steps from report text to events."""

from .pipeline import EXTRACTOR_VERSION, STEPS, extract_events, run

__all__ = ["EXTRACTOR_VERSION", "STEPS", "extract_events", "run"]
