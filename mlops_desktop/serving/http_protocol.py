"""uvicorn's httptools protocol with a header-read deadline.

uvicorn times out idle keep-alive connections, but a client that connects and sends nothing, or
sends half a request line and stops, holds its connection (and a file descriptor) for as long
as it likes: 200 such clients stayed open a whole minute. Here every request's headers must be
complete within ``HEADER_READ_TIMEOUT_S`` of the connection opening, or of the request's first
byte on a kept-alive connection; otherwise the service answers 408 and closes the connection.
The body has its own deadline (``read_body``).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mlops_desktop.serving.limits import HEADER_READ_TIMEOUT_S

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)
_TIMEOUT_BODY = (
    b'{"error_code": "REQUEST_TIMEOUT", "message": "The request headers did not arrive within '
    b'%d s; send the whole request at once."}' % int(HEADER_READ_TIMEOUT_S)
)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection whose request headers stall (408)."""

    header_timeout: float = HEADER_READ_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers and self._header_timer is None:
            self._arm_header_timer()  # the first byte of a kept-alive connection's next request
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._awaiting_headers = True  # the keep-alive timeout covers the idle wait from here
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if not self._awaiting_headers or self.transport.is_closing():
            return
        self.transport.write(_TIMEOUT_RESPONSE % (len(_TIMEOUT_BODY), _TIMEOUT_BODY))
        self.transport.close()
