"""Storage: the only way AccordWatch reads or writes its database."""

from .db import Store, content_hash, default_db_url, normalise_text

__all__ = ["Store", "content_hash", "default_db_url", "normalise_text"]
