#!/usr/bin/env bash
# Install the Docker Compose v2 CLI plugin so that `docker compose` works on a machine that has
# only the docker client (no engine, no compose plugin) and no access to GitHub releases or
# docker.com downloads.
#
# Compose v2 is an ordinary Go module, so it is built from source through the Go module proxy:
#
#   go build ./cmd   (in the module source of github.com/docker/compose/v2@<version>)
#
# (`go install ...@<version>` is refused because compose's go.mod has an `exclude` directive),
# and the resulting binary is installed as the CLI plugin
# ${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose, where the docker client finds it.
#
# Idempotent:
#   * if `docker compose version` already works, nothing is done (set TT_COMPOSE_FORCE=1 to
#     rebuild/reinstall anyway);
#   * the built binary is kept under ${XDG_CACHE_HOME:-$HOME/.cache}/techtransfer/compose/<version>/
#     so a rerun (e.g. after the plugin dir was wiped) just copies it back; Go's own module and build
#     caches make even a rebuild much faster than the first one.
#
# Needs: go >= the version in compose's go.mod (1.24 for v2.40.x), the docker client, network
# access to the Go module proxy. A cold build takes a few minutes on a 2-core machine.
#
# Usage: bash devtools/install_compose.sh
#   TT_COMPOSE_VERSION=v2.40.3   version to build (a tag of github.com/docker/compose/v2)
#   TT_COMPOSE_FORCE=1           reinstall even if `docker compose version` works
set -euo pipefail

VERSION="${TT_COMPOSE_VERSION:-v2.40.3}"
MODULE="github.com/docker/compose/v2"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
PLUGIN="$PLUGIN_DIR/docker-compose"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/techtransfer/compose/$VERSION"
CACHED="$CACHE_DIR/docker-compose"

log() { printf 'install_compose: %s\n' "$*" >&2; }

if ! command -v docker >/dev/null 2>&1; then
    log "the docker client is not on PATH; the plugin will be installed but 'docker compose' cannot be used until it is"
fi

if [[ "${TT_COMPOSE_FORCE:-0}" != 1 ]] && command -v docker >/dev/null 2>&1 \
        && current="$(docker compose version 2>/dev/null)"; then
    log "already available, nothing to do: $current"
    exit 0
fi

if [[ ! -x "$CACHED" ]]; then
    if ! command -v go >/dev/null 2>&1; then
        log "go is not installed; it is needed to build $MODULE@$VERSION"
        exit 1
    fi
    log "building $MODULE/cmd@$VERSION with $(go version | cut -d' ' -f3) (cold builds take minutes)"
    build_dir="$(mktemp -d)"
    trap 'chmod -R u+w "$build_dir" 2>/dev/null; rm -rf "$build_dir"' EXIT
    start=$SECONDS
    # GOTOOLCHAIN=local: use the installed go, never fetch another toolchain. GOFLAGS is reset so
    # a caller's -mod=vendor or similar cannot interfere.
    export GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0
    # `go install $MODULE/cmd@$VERSION` is refused: compose's go.mod has an `exclude` directive,
    # which Go only honours in the main module. So fetch the module source through the module
    # proxy and build it as the main module, from a writable copy (the module cache is read-only).
    src="$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    if [[ -z "$src" || ! -f "$src/go.mod" ]]; then
        log "could not download $MODULE@$VERSION from the Go module proxy"
        exit 1
    fi
    cp -R "$src" "$build_dir/src"
    chmod -R u+w "$build_dir/src"
    # internal.Version is what `docker compose version` prints (same ldflag as compose's Makefile).
    (cd "$build_dir/src" && go build -trimpath \
        -ldflags "-s -w -X $MODULE/internal.Version=$VERSION" \
        -o "$build_dir/docker-compose" ./cmd)
    mkdir -p "$CACHE_DIR"
    install -m 0755 "$build_dir/docker-compose" "$CACHED.tmp"
    mv -f "$CACHED.tmp" "$CACHED"
    log "built in $((SECONDS - start))s, cached at $CACHED"
else
    log "using cached build $CACHED"
fi

mkdir -p "$PLUGIN_DIR"
install -m 0755 "$CACHED" "$PLUGIN.tmp"
mv -f "$PLUGIN.tmp" "$PLUGIN"
log "installed $PLUGIN"

if command -v docker >/dev/null 2>&1; then
    if ! out="$(docker compose version 2>&1)"; then
        log "'docker compose version' still fails after installing the plugin: $out"
        exit 1
    fi
    log "ok: $out"
fi
