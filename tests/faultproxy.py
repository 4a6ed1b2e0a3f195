"""A TCP proxy in front of a real Elasticsearch node that can cut one kind of request.

Tests need the engine to stop answering at an exact point of a bulk write (after one chunk was
accepted, before the next), which no timing of a real outage hits reliably. The proxy passes
bytes both ways untouched; once ``cut_requests_with(marker)`` is set, it closes any connection
whose outgoing bytes contain the marker before forwarding them, so the node never sees that
request and the client gets a connection error, as when a node dies mid-request."""
from __future__ import annotations

import socket
import threading


class FaultProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1"):
        self.upstream = (host, upstream_port)
        self.server = socket.create_server((host, 0))
        self.port = self.server.getsockname()[1]
        self.marker: bytes | None = None
        self.cut = 0  # connections closed on the marker
        self._closing = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="faultproxy-accept").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_requests_with(self, marker: bytes | None) -> None:
        """From now on, close connections that send ``marker`` (None: pass everything again)."""
        self.marker = marker

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, outgoing: bool) -> None:
        tail = b""  # the end of the previous read, so a marker split across two reads is seen
        try:
            while data := source.recv(65536):
                marker = self.marker
                if outgoing and marker is not None and marker in tail + data:
                    self.cut += 1
                    break
                tail = data[-len(marker):] if marker else b""
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._closing = True
        self.server.close()
        with self._lock:
            for s in self._sockets:
                try:
                    s.close()
                except OSError:
                    pass
