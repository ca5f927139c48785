"""The engine's one error type, and how each protocol door reports it.

The engine works in Qdrant's REST JSON shapes and raises ``EngineError`` with a
``kind`` and the exact message Qdrant would put in ``status.error``.  The REST
door turns the kind into an HTTP status and the gRPC door into a status code,
so both protocols stay in step from a single classification:

===============  ====  ==================  =================================================
kind             HTTP  gRPC                typical message
===============  ====  ==================  =================================================
NOT_FOUND        404   NOT_FOUND           ``Not found: Collection `x` doesn't exist!``
ALREADY_EXISTS   409   ALREADY_EXISTS      ``Wrong input: Collection `x` already exists!``
BAD_REQUEST      400   INVALID_ARGUMENT    ``Wrong input: Vector dimension error: ...``
FORMAT           400   INVALID_ARGUMENT    ``Format error in JSON body: ...``
VALIDATION       422   INVALID_ARGUMENT    ``Validation error in JSON body: [...]``
FORBIDDEN        403   PERMISSION_DENIED   ``Forbidden: Global manage access is required``
UNAVAILABLE      503   UNAVAILABLE         ``Service unavailable: ...``
INTERNAL         500   INTERNAL            ``Service internal error: ...``
===============  ====  ==================  =================================================
"""

from __future__ import annotations

import enum


class ErrorKind(enum.Enum):
    """How a failure is classified; each door maps it to its own status."""

    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    BAD_REQUEST = "bad_request"
    FORMAT = "format"
    VALIDATION = "validation"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.ALREADY_EXISTS: 409,
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.FORMAT: 400,
    ErrorKind.VALIDATION: 422,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}


class EngineError(Exception):
    """A request the engine refused or failed, with Qdrant's message verbatim.

    Attributes:
        kind: the classification that picks the HTTP status / gRPC code.
        message: the full text for ``status.error`` (REST) or the gRPC details.
    """

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message
        super().__init__(message)

    @property
    def http_status(self) -> int:
        """The HTTP status Qdrant answers with for this kind of failure."""
        return HTTP_STATUS[self.kind]

    def __repr__(self) -> str:
        return f"EngineError({self.kind.value}, {self.message!r})"

    # Constructors for the messages Qdrant uses, so their wording lives in one place.

    @classmethod
    def collection_not_found(cls, name: str) -> EngineError:
        return cls(ErrorKind.NOT_FOUND, f"Not found: Collection `{name}` doesn't exist!")

    @classmethod
    def collection_exists(cls, name: str) -> EngineError:
        return cls(ErrorKind.ALREADY_EXISTS, f"Wrong input: Collection `{name}` already exists!")

    @classmethod
    def wrong_input(cls, detail: str) -> EngineError:
        return cls(ErrorKind.BAD_REQUEST, f"Wrong input: {detail}")

    @classmethod
    def format(cls, detail: str) -> EngineError:
        return cls(ErrorKind.FORMAT, f"Format error in JSON body: {detail}")

    @classmethod
    def validation(cls, field: str, problem: str) -> EngineError:
        return cls(ErrorKind.VALIDATION, f"Validation error in JSON body: [{field}: {problem}]")

    @classmethod
    def unsupported(cls, feature: str) -> EngineError:
        """Something real Qdrant does that this embedded server deliberately does not."""
        return cls.wrong_input(f"{feature} is not supported by the qdpool embedded server")

    @classmethod
    def internal(cls, detail: str) -> EngineError:
        return cls(ErrorKind.INTERNAL, f"Service internal error: {detail}")
