"""How a stored attachment is sent: as a download (images may be shown inline), in the type
its content was found to be, never sniffed by the browser, never run as a page.

* ``Content-Disposition: attachment`` (``inline`` only for images, when asked), with the name
  in ``filename*=UTF-8''...`` and an ASCII fallback;
* the detected type, ``X-Content-Type-Options: nosniff``;
* ``Content-Security-Policy: sandbox; default-src 'none'``: even a file a browser opened as a
  document would run no script, load nothing, and have no origin;
* confidential files are not stored by caches (``private, no-store``)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file

from .models import Attachment
from .services.attachments import download_name

FILE_CSP = "sandbox; default-src 'none'"


def content_disposition(disposition: str, filename: str) -> str:
    """The header with the name as UTF-8 (RFC 6266 / 5987) and an ASCII fallback for old clients."""
    stem, dot, extension = filename.rpartition(".") if "." in filename else (filename, "", "")
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()).strip("_")
    ascii_name = (ascii_stem or "attachment") + dot + re.sub(r"[^A-Za-z0-9]", "", extension)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(att: Attachment, path: Path, inline: bool = False) -> Response:
    response = send_file(path, mimetype=att.media_type, conditional=True, etag=att.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline and att.is_image else "attachment",
                                                                  download_name(att))
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if att.confidential:
        response.headers["Cache-Control"] = "private, no-store"
    return response
