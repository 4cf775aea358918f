"""Callback answers gzip-compressed on the way out, each distinct answer compressed once.

A 200-metric overview is a few hundred KB of JSON made of the same keys again and again; gzip makes
it a tenth of that, which is what a reviewer on a slow council network waits for, and what a server
at 100 requests a second spends on the wire. Many reviewers get byte-for-byte the same answer (the
overview's body is built once per evaluation), so the compressed bytes are kept by a digest of the
uncompressed ones: a repeated answer costs a hash, not a compression.

Only Dash callback answers are compressed. They carry no session secret (the sign-out form's CSRF
token is in the page shell, which is not compressed), so compression cannot leak one (BREACH).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

from flask import Flask, Response, request

CALLBACK_PATH = "/_dash-update-component"
#: Below this an answer fits in a packet or two: compressing it gains nothing.
SMALLEST = 1400
#: Distinct compressed answers kept (a few per framework, period and filter choice).
KEPT = 64

_COMPRESSED: OrderedDict[bytes, bytes] = OrderedDict()
_LOCK = threading.Lock()


def install(server: Flask) -> None:
    server.after_request(_compress)


def _compress(response: Response) -> Response:
    if (request.path != CALLBACK_PATH or response.status_code != 200 or response.direct_passthrough
            or "Content-Encoding" in response.headers or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    body = response.get_data()
    if len(body) < SMALLEST:
        return response
    response.set_data(compressed(body))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def compressed(body: bytes) -> bytes:
    """``body`` gzipped (level 6), from the kept copies when the same bytes were compressed before."""
    digest = hashlib.blake2b(body, digest_size=20).digest()
    with _LOCK:
        hit = _COMPRESSED.get(digest)
        if hit is not None:
            _COMPRESSED.move_to_end(digest)
            return hit
    made = gzip.compress(body, compresslevel=6, mtime=0)
    with _LOCK:
        _COMPRESSED[digest] = made
        while len(_COMPRESSED) > KEPT:
            _COMPRESSED.popitem(last=False)
    return made
