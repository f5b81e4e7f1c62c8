"""The one exception tree of the API layer; nothing else crosses its boundary.

::

    HedraError                      base of everything the client raises
    ├── ConfigError                 bad settings: missing key, key over plain http to a remote host
    ├── APIConnectionError          no usable HTTP response: DNS, refused, reset, dropped mid-body
    │   └── APITimeoutError         connect/read/write/pool timeout
    ├── APIStatusError              the server answered with a non-2xx status
    │   ├── AuthenticationError     401: the key is missing or was rejected
    │   ├── PermissionDeniedError   403: the key may not do this
    │   ├── NotFoundError           404
    │   ├── PaymentRequiredError    402: the balance cannot pay for this (INSUFFICIENT_BALANCE)
    │   ├── ValidationFailedError   400/422: the request was refused as invalid; ``fields``
    │   │                           names each field that failed (v2 ``detail``, v3 ``details``)
    │   ├── RateLimitError          429, with ``retry_after`` seconds when the server said;
    │   │                           ``sent`` False: held back here, never sent (a 429 still
    │   │                           being waited out, or the caller's own request budget)
    │   └── ServerError             5xx (an HTML error page from a proxy included)
    └── PayloadError                2xx, but the body is not the JSON shape we expect

Every message is written for a person and never contains the API key. ``transient``
says whether retrying the same request later can help.
"""

from __future__ import annotations

from dataclasses import dataclass


class HedraError(Exception):
    """Base class of every error raised by the API layer."""

    transient: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def short(self) -> str:
        """A few words for a status line."""
        return self.message


class ConfigError(HedraError):
    """The settings cannot work (no key, insecure URL, unreadable config file)."""


class APIConnectionError(HedraError):
    """No usable response arrived: the connection failed or broke."""

    transient = True

    @property
    def short(self) -> str:
        return "network error"


class APITimeoutError(APIConnectionError):
    """The request took longer than the configured timeout."""

    @property
    def short(self) -> str:
        return "timeout"


class APIStatusError(HedraError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status_code: int, detail: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail

    @property
    def short(self) -> str:
        return f"HTTP {self.status_code}"


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""

    @property
    def short(self) -> str:
        return "API key rejected (401)"


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not do this."""

    @property
    def short(self) -> str:
        return "permission denied (403)"


class NotFoundError(APIStatusError):
    """404: no such resource."""


@dataclass(frozen=True)
class FieldProblem:
    """One field the server refused: its dotted path and what is wrong, safe to display
    (``allowed``: the accepted values, when the server listed them)."""

    field: str
    message: str
    allowed: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        return text


class ValidationFailedError(APIStatusError):
    """400/422: the server refused the request's parameters; ``fields`` lists each field it
    named (empty when it named none), ``code`` is its error code when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        detail: str | None = None,
        fields: tuple[FieldProblem, ...] = (),
        code: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, detail=detail)
        self.fields = fields
        self.code = code

    @property
    def short(self) -> str:
        if self.fields:
            return f"refused: {', '.join(f.field for f in self.fields if f.field)}"
        return f"refused ({self.status_code})"


class PaymentRequiredError(APIStatusError):
    """402 (v3; v2 when a submit cannot be paid): the balance cannot pay for this request.

    ``needed`` and ``available`` are in ``currency`` (credits or e.g. USD) when the server
    said; ``funding_url`` is where a person adds funds."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 402,
        detail: str | None = None,
        needed: float | None = None,
        available: float | None = None,
        currency: str = "",
        funding_url: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, detail=detail)
        self.needed = needed
        self.available = available
        self.currency = currency
        self.funding_url = funding_url

    @property
    def short(self) -> str:
        return "insufficient balance (402)"


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds.

    ``sent`` is False when the request never left: the client held it back because a 429's
    Retry-After is not over yet, or because the caller's request budget is spent.
    """

    transient = True

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        detail: str | None = None,
        retry_after: float | None = None,
        sent: bool = True,
    ) -> None:
        super().__init__(message, status_code=status_code, detail=detail)
        self.retry_after = retry_after
        self.sent = sent

    @property
    def short(self) -> str:
        return "rate limited (429)"


class ServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""

    transient = True

    @property
    def short(self) -> str:
        return f"server error ({self.status_code})"


class PayloadError(HedraError):
    """The response was 2xx but its body is not what the spec describes."""

    transient = True

    @property
    def short(self) -> str:
        return "bad response body"
