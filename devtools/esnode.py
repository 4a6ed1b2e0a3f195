"""Start and stop the real Elasticsearch 8 node used by tests and development.

    python -m devtools.esnode build          # resolve Maven artifacts and compile (first run downloads)
    python -m devtools.esnode start [--port 9250] [--clean]
    python -m devtools.esnode status
    python -m devtools.esnode stop
    python -m devtools.esnode cluster start|status|stop [--nodes 3] [--port 9280] [--clean]


The node is the Elasticsearch 8.14.3 server from Maven Central, run in one JVM by
``esnode/`` (see its pom.xml for why not the codelibs runner). It binds to 127.0.0.1 only,
with at most 1 GB of heap. Artifacts go to the local Maven repository (~/.m2) on the first
build and are reused afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESNODE = ROOT / "esnode"
TARGET = ESNODE / "target"
CLASSPATH_FILE = TARGET / "classpath.txt"
DEFAULT_HOME = ROOT / "var" / "esnode"
DEFAULT_PORT = int(os.environ.get("TT_ESNODE_PORT", "9250"))
HEAP = os.environ.get("TT_ESNODE_HEAP", "1g")


class NodeError(RuntimeError):
    pass


# nodes started by this process, kept so they can be reaped (and Python does not warn that a
# child it forgot about is still running)
_CHILDREN: dict[Path, subprocess.Popen] = {}


def missing_tools() -> list[str]:
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def _sources_newer_than(marker: Path) -> bool:
    if not marker.exists():
        return True
    stamp = marker.stat().st_mtime
    files = [ESNODE / "pom.xml", *ESNODE.glob("src/**/*.java")]
    return any(f.stat().st_mtime > stamp for f in files)


def build(quiet: bool = True) -> None:
    """Resolve the artifacts and compile the launcher, unless already done."""
    if not _sources_newer_than(CLASSPATH_FILE) and (TARGET / "classes").exists():
        return
    missing = missing_tools()
    if missing:
        raise NodeError(f"cannot build the Elasticsearch node: {', '.join(missing)} not installed")
    cmd = ["mvn", "-B", "-f", str(ESNODE / "pom.xml"), "compile", "dependency:build-classpath", f"-Dmdep.outputFile={CLASSPATH_FILE}"]
    if quiet:
        cmd.insert(1, "-q")
    proc = subprocess.run(cmd, capture_output=quiet, text=True)
    if proc.returncode != 0:
        output = (proc.stdout or "") + (proc.stderr or "")
        raise NodeError(f"mvn failed ({proc.returncode}):\n{output[-4000:]}")


def url(port: int = DEFAULT_PORT) -> str:
    return f"http://127.0.0.1:{port}"


def health(port: int = DEFAULT_PORT, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url(port)}/_cluster/health", timeout=timeout) as resp:
            return json.loads(resp.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _pid_file(home: Path) -> Path:
    return home / "esnode.pid"


def _launch(home: Path, heap: str, options: list[str], java_options: tuple[str, ...] = ()) -> subprocess.Popen:
    """One JVM running the launcher on ``home``; its pid goes to the home's pid file."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "tmp").mkdir(exist_ok=True)
    classpath = f"{TARGET / 'classes'}{os.pathsep}{CLASSPATH_FILE.read_text().strip()}"
    cmd = [
        "java", *java_options, "-Xms256m", f"-Xmx{heap}", "-XX:+UseSerialGC", f"-Djava.io.tmpdir={home / 'tmp'}",
        "-Dlog4j2.disable.jmx=true", "-Dfile.encoding=UTF-8",
        "-cp", classpath, "cn.jilin.techtransfer.esnode.Main",
        "--home", str(home), *options,
    ]
    with open(home / "esnode.log", "ab") as log:  # the JVM keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _pid_file(home).write_text(str(proc.pid))
    _CHILDREN[home.resolve()] = proc
    return proc


def start(port: int = DEFAULT_PORT, home: Path = DEFAULT_HOME, clean: bool = False, wait: float = 180.0) -> tuple[str, bool]:
    """Start a node (or reuse a healthy one on ``port``). Returns (url, started_by_us)."""
    if health(port):
        return url(port), False
    build()
    if clean and home.exists():
        shutil.rmtree(home)
    proc = _launch(home, HEAP, ["--http-port", str(port), "--transport-port", str(port + 100)])
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NodeError(f"Elasticsearch node exited with {proc.returncode}; see {home / 'esnode.log'}:\n{_tail(home)}")
        h = health(port)
        if h and h.get("status") in ("green", "yellow"):
            return url(port), True
        time.sleep(0.5)
    stop(home)
    raise NodeError(f"Elasticsearch node not healthy after {wait:.0f}s; see {home / 'esnode.log'}:\n{_tail(home)}")


def _tail(home: Path, lines: int = 30) -> str:
    try:
        return "\n".join((home / "esnode.log").read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(home: Path = DEFAULT_HOME, timeout: float = 30.0) -> bool:
    pid_file = _pid_file(home)
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().strip() or 0)
    pid_file.unlink(missing_ok=True)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    child = _CHILDREN.pop(home.resolve(), None)
    if child is not None and child.pid == pid:
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "start", "stop", "status", "cluster"])
    parser.add_argument("action", nargs="?", choices=["start", "stop", "status"], help="with cluster: what to do")
    parser.add_argument("--port", type=int, default=None, help=f"HTTP port (default {DEFAULT_PORT}; cluster: of its first node, 9280)")
    parser.add_argument("--home", type=Path, default=None, help="data folder (cluster: of every node's folder)")
    parser.add_argument("--nodes", type=int, default=3, help="cluster: how many nodes")
    parser.add_argument("--clean", action="store_true", help="start with an empty data folder")
    args = parser.parse_args(argv)
    if args.command == "cluster":
        return _cluster_command(args)
    args.port = DEFAULT_PORT if args.port is None else args.port
    args.home = DEFAULT_HOME if args.home is None else args.home
    try:
        if args.command == "build":
            build(quiet=False)
            print("esnode built")
        elif args.command == "start":
            address, started = start(args.port, args.home, args.clean)
            print(f"Elasticsearch {'started' if started else 'already running'} at {address}")
        elif args.command == "stop":
            print("stopped" if stop(args.home) else "not running (no pid file)")
        else:
            h = health(args.port)
            print(json.dumps(h, indent=2) if h else f"no node at {url(args.port)}")
            return 0 if h else 1
    except NodeError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _cluster_command(args: argparse.Namespace) -> int:
    from .escluster import DEFAULT_PORT as CLUSTER_PORT
    from .escluster import DEFAULT_ROOT, Cluster

    root = args.home or DEFAULT_ROOT
    action = args.action or "status"
    try:
        if action == "start":
            cluster = Cluster.on_ports(root, args.nodes, args.port or CLUSTER_PORT)
            urls = cluster.start(clean=args.clean)
            print(f"{len(urls)} nodes in {cluster.start_seconds:.0f}s: {' '.join(urls)}")
            return 0
        cluster = Cluster.load(root)
        if cluster is None:
            print(f"no cluster was started under {root}", file=sys.stderr)
            return 1
        if action == "stop":
            cluster.stop()
            print("stopped")
            return 0
        h = cluster.health()
        print(json.dumps(h, indent=2) if h else f"no node answers at {' '.join(cluster.urls)}")
        return 0 if h else 1
    except NodeError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
