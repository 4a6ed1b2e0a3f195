"""Several Elasticsearch nodes on loopback, one cluster: for the fault tests (a node killed while
an import writes) and for trying replicas by hand.

    python -m devtools.esnode cluster start [--nodes 3] [--port 9280] [--clean]
    python -m devtools.esnode cluster status
    python -m devtools.esnode cluster stop

Node ``i`` (from 0) listens for HTTP on ``port + i`` and for transport on ``port + 100 + i``,
all on 127.0.0.1, each with its own home under ``var/escluster/node-<i+1>``. The nodes find each
other through ``discovery.seed_hosts`` (every node's transport address) and elect the first master
among all of them (``cluster.initial_master_nodes``); a lone node keeps the single-node path of
``devtools.esnode``. Heap per node: TT_ESNODE_CLUSTER_HEAP (default 512m), so three fit where
one full node would.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import esnode

DEFAULT_ROOT = esnode.ROOT / "var" / "escluster"
DEFAULT_PORT = 9280  # not 9270: tests/integration/test_ingest_worker.py starts a node of its own there
HEAP = os.environ.get("TT_ESNODE_CLUSTER_HEAP", "512m")
STATUS_RANK = {"red": 0, "yellow": 1, "green": 2}
# short-lived test nodes: the C1 compiler only starts a node in about half the time on two cores
# (C2's background compilation competes with startup), and searches of test data do not miss C2
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1",)


@dataclass(frozen=True)
class ClusterNode:
    name: str
    home: Path
    http_port: int
    transport_port: int

    @property
    def url(self) -> str:
        return esnode.url(self.http_port)

    @property
    def pid(self) -> int | None:
        try:
            return int(esnode._pid_file(self.home).read_text().strip())
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        pid = self.pid
        if pid is None:
            return False
        child = esnode._CHILDREN.get(self.home.resolve())
        if child is not None and child.pid == pid:
            return child.poll() is None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


class Cluster:
    """``ports``: one (http, transport) pair per node, all on 127.0.0.1."""

    def __init__(self, root: Path, ports: list[tuple[int, int]], name: str = "techtransfer-cluster", heap: str = HEAP):
        if not ports:
            raise ValueError("a cluster needs at least one node")
        self.root = root
        self.name = name
        self.heap = heap
        self.start_seconds: float | None = None  # how long the last start() took
        self.nodes = [ClusterNode(f"node-{i + 1}", root / f"node-{i + 1}", http, transport) for i, (http, transport) in enumerate(ports)]

    @classmethod
    def on_ports(cls, root: Path, nodes: int = 3, port: int = DEFAULT_PORT, **kwargs) -> "Cluster":
        return cls(root, [(port + i, port + 100 + i) for i in range(nodes)], **kwargs)

    @classmethod
    def load(cls, root: Path = DEFAULT_ROOT) -> "Cluster | None":
        """The cluster last started under ``root`` (its layout is kept in ``cluster.json``)."""
        try:
            saved = json.loads((root / "cluster.json").read_text())
        except (OSError, ValueError):
            return None
        return cls(root, [tuple(p) for p in saved["ports"]], saved["name"], saved.get("heap", HEAP))

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def _options(self, node: ClusterNode) -> list[str]:
        options = ["--http-port", str(node.http_port), "--transport-port", str(node.transport_port),
                   "--cluster-name", self.name, "--node-name", node.name]
        if len(self.nodes) > 1:
            options += ["--seed-hosts", ",".join(f"127.0.0.1:{n.transport_port}" for n in self.nodes),
                        "--initial-masters", ",".join(n.name for n in self.nodes)]
        return options

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, clean: bool = False, wait: float = 240.0) -> list[str]:
        """Start every node at once and wait until all have joined and the cluster answers."""
        esnode.build()
        started = time.monotonic()
        if clean and self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        saved = {"name": self.name, "heap": self.heap, "ports": [[n.http_port, n.transport_port] for n in self.nodes]}
        (self.root / "cluster.json").write_text(json.dumps(saved))
        for node in self.nodes:
            if not node.alive():
                esnode._launch(node.home, self.heap, self._options(node), JAVA_OPTIONS)
        try:
            self.wait_for("yellow", nodes=len(self.nodes), timeout=wait)
        except esnode.NodeError:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self.urls

    def kill(self, node: ClusterNode) -> None:
        """SIGKILL: the node dies at once, as in a power cut (no clean shutdown, sockets reset)."""
        pid = node.pid
        if pid is None:
            raise esnode.NodeError(f"{node.name} is not running")
        esnode._pid_file(node.home).unlink(missing_ok=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child = esnode._CHILDREN.pop(node.home.resolve(), None)
        if child is not None and child.pid == pid:
            child.wait(30)

    def restart(self, node: ClusterNode, wait: float | None = 180.0) -> None:
        """Start a stopped node again on its own data; returns once the cluster counts it, or
        at once with ``wait=None`` (``wait_for`` then tells when it is back)."""
        if node.alive():
            raise esnode.NodeError(f"{node.name} is still running")
        esnode._launch(node.home, self.heap, self._options(node), JAVA_OPTIONS)
        if wait is not None:
            self.wait_for("yellow", nodes=len(self.nodes), timeout=wait)

    def stop(self) -> None:
        """Stop every node cleanly, all at once (each takes a few seconds to close)."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: esnode.stop(node.home), self.nodes))

    # -- state ----------------------------------------------------------------------------
    def health(self) -> dict | None:
        """The cluster's health as any live node reports it."""
        for node in self.nodes:
            if node.alive():
                h = esnode.health(node.http_port)
                if h:
                    return h
        return None

    def wait_for(self, status: str, nodes: int | None = None, timeout: float = 120.0) -> dict:
        """Poll until the health is at least ``status`` with ``nodes`` nodes; a node process
        that exits meanwhile fails at once, with its log."""
        deadline = time.monotonic() + timeout
        h: dict | None = None
        while time.monotonic() < deadline:
            for node in self.nodes:
                child = esnode._CHILDREN.get(node.home.resolve())
                if child is not None and child.poll() is not None and node.pid == child.pid:
                    raise esnode.NodeError(f"{node.name} exited with {child.returncode}:\n{esnode._tail(node.home)}")
            h = self.health()
            if h and STATUS_RANK.get(h.get("status"), -1) >= STATUS_RANK[status] and (nodes is None or h.get("number_of_nodes") == nodes):
                return h
            time.sleep(0.25)
        tails = "\n".join(f"--- {n.name}\n{esnode._tail(n.home, 10)}" for n in self.nodes)
        raise esnode.NodeError(f"cluster not {status} with {nodes} nodes after {timeout:.0f}s (last health: {h}):\n{tails}")
