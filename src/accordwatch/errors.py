"""One exception tree for AccordWatch.

    AccordWatchError
     ├── AgreementError      an agreement file or id is wrong
     ├── ExtractionError     a text could not be processed
     ├── InputError          a report or source cannot be read (goes to quarantine)
     ├── StoreError          the database cannot be opened or is inconsistent
     │    └── ConflictError  a concurrent decision already changed the object
     └── AuthError           authentication or authorisation failed

The CLI turns each into a one-line message and exit code 1; the API into JSON.
"""


class AccordWatchError(Exception):
    """Base of every error AccordWatch raises on purpose."""


class AgreementError(AccordWatchError):
    pass


class ExtractionError(AccordWatchError):
    pass


class InputError(AccordWatchError):
    pass


class StoreError(AccordWatchError):
    pass


class ConflictError(StoreError):
    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}


class AuthError(AccordWatchError):
    pass
