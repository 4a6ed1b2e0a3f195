"""Where attachment files live: one folder outside the web root (``ATTACHMENT_DIR``), each file
under a random name that says nothing of its content or of the name it was uploaded with.

A file is written while it is received, with its size counted and its SHA-256 computed on the
way, and refused the moment it passes the size limit (the upload is never held in memory)."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .filetypes import MB, FileRefused

KEY = re.compile(r"[0-9a-f]{32}")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Received:
    key: str
    path: Path
    size: int
    sha256: str


class FileStore:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.folder / key

    def receive(self, stream: BinaryIO, max_bytes: int) -> Received:
        """Write ``stream`` to a new file; FileRefused (413) past ``max_bytes``."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(16)
        path = self.path(key)
        digest, size = hashlib.sha256(), 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        mb = f"{max_bytes / MB:g}"
                        raise FileRefused("file_too_large", f"文件超过 {mb} MB", f"the file is larger than {mb} MB", status=413)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Received(key, path, size, digest.hexdigest())

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
