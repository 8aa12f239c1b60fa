"""gunicorn's sync worker, closing a finished connection at once when nothing is left unread.

Since benoitc/gunicorn#3590 (2026, in the pinned 27.0.1) the sync worker closes every
connection gracefully (RFC 9112, 9.6): it half-closes, then waits until the client has read
the response and closed its side, so that unread request bytes cannot make the kernel answer
with a reset that would cut the response short. A sync worker serves one connection at a
time, so that wait is time it serves no one.

When the request body was read to its end and neither gunicorn nor the kernel holds a byte
more, nothing is unread when the socket closes: the connection is closed at once, as gunicorn
did before that change. Otherwise (a body refused unread, a pipelined request already
received, a chunked body, whose trailers may follow, or TLS, whose socket cannot be peeked)
gunicorn's graceful close runs as usual. What this gives up: a request that a pipelining
client sends only after the response has gone out can still reset a response the kernel
has not finished sending. Browsers do not pipeline, and a proxy in front (README,
"Deploying") never does.
"""

import logging
import socket

from gunicorn.http.body import LengthReader
from gunicorn.workers.sync import SyncWorker

logger = logging.getLogger(__name__)


def request_read_to_end(request) -> bool:
    """Whether gunicorn read exactly this request: its whole body and nothing after it."""
    reader = request.body.reader
    with request.unreader.buf.getbuffer() as read_ahead:
        nothing_read_ahead = read_ahead.nbytes == 0
    return isinstance(reader, LengthReader) and reader.length == 0 and nothing_read_ahead


def socket_has_unread_bytes(client: socket.socket) -> bool:
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return False
    except OSError:  # reset or gone: let the graceful close deal with it
        return True


class PromptCloseSyncWorker(SyncWorker):
    def handle_request(self, listener, request, client, address):
        super().handle_request(listener, request, client, address)
        if self.cfg.is_ssl:
            return
        try:
            close_now = request_read_to_end(request) and not socket_has_unread_bytes(client)
        except Exception:  # the response is out: nothing may turn it into an error now
            logger.exception("prompt close skipped; closing gracefully")
            return
        if close_now:
            # SyncWorker.handle then finds the socket closed: its graceful close is a no-op.
            client.close()
