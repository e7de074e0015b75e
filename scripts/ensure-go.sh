#!/usr/bin/env bash
# Prints the directory holding a Go toolchain (>= GO_MIN) on stdout, installing one when needed:
# the `go` on PATH if recent enough, else a cached toolchain, else the golang.org/toolchain module
# fetched from the Go module proxy (the only Go download allowed here) into the per-user cache.
set -euo pipefail

GO_MIN="${GO_MIN:-1.25}"
GO_BOOTSTRAP_VERSION="${GO_BOOTSTRAP_VERSION:-1.25.5}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/nas-orchestrator"
GOPROXY_URL="${GOPROXY_URL:-https://proxy.golang.org}"

version_at_least() { # $1 >= $2 ?
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}

go_version_of() { "$1" env GOVERSION 2>/dev/null | sed 's/^go//'; }

if command -v go >/dev/null 2>&1; then
  have="$(go_version_of "$(command -v go)")"
  if [ -n "$have" ] && version_at_least "$have" "$GO_MIN"; then
    dirname "$(command -v go)"
    exit 0
  fi
  echo "ensure-go: go $have on PATH is older than $GO_MIN" >&2
fi

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-go: unsupported machine $(uname -m); install Go >= $GO_MIN" >&2; exit 1 ;;
esac
dest="$CACHE_ROOT/go-$GO_BOOTSTRAP_VERSION"
if [ ! -x "$dest/bin/go" ]; then
  module_version="v0.0.1-go${GO_BOOTSTRAP_VERSION}.linux-${arch}"
  url="$GOPROXY_URL/golang.org/toolchain/@v/${module_version}.zip"
  echo "ensure-go: downloading Go $GO_BOOTSTRAP_VERSION from $url" >&2
  work="$(mktemp -d "${CACHE_ROOT}.go-XXXXXX" 2>/dev/null || mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  curl -fsSL --retry 3 -o "$work/toolchain.zip" "$url"
  python3 -m zipfile -e "$work/toolchain.zip" "$work/unzipped"
  root="$work/unzipped/golang.org/toolchain@${module_version}"
  chmod +x "$root"/bin/* "$root"/pkg/tool/*/*
  mkdir -p "$CACHE_ROOT"
  rm -rf "$dest"
  mv "$root" "$dest"
fi
echo "$dest/bin"
