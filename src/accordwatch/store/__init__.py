"""Storage: the only way AccordWatch reads or writes its database."""

from .db import BundleResult, ReportBundle, SignatureRecord, Store, content_hash, default_db_url, normalise_text

__all__ = ["BundleResult", "ReportBundle", "SignatureRecord", "Store", "content_hash", "default_db_url", "normalise_text"]
