"""AccordWatch: is a ceasefire or peace agreement being carried out?

Public API::

    from accordwatch import extract_events, load_agreement, get_agreement, agreement_status
    events = extract_events(text, "2020-11-15")
"""

from .agreements import get_agreement, load_agreement
from .errors import AccordWatchError, AgreementError, ConflictError, ExtractionError, InputError, StoreError
from .extract import EXTRACTOR_VERSION, extract_events
from .link import link_events
from .model import Agreement, Event, EventType, Modality, Provision, Relation, Report, ReviewState, Status
from .status import agreement_status, provision_status

__version__ = "0.1.0"

__all__ = sorted([
    "AccordWatchError",
    "Agreement",
    "AgreementError",
    "ConflictError",
    "EXTRACTOR_VERSION",
    "Event",
    "EventType",
    "ExtractionError",
    "InputError",
    "Modality",
    "Provision",
    "Relation",
    "Report",
    "ReviewState",
    "Status",
    "StoreError",
    "agreement_status",
    "extract_events",
    "get_agreement",
    "link_events",
    "load_agreement",
    "provision_status",
])
