"""Places: the shipped gazetteer and boundaries (see data/ATTRIBUTION.md)."""

from .gazetteer import Gazetteer, PlaceMatch, fold

__all__ = ["Gazetteer", "PlaceMatch", "fold"]
