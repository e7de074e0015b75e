#!/usr/bin/env bash
# Prints the directory holding a Node.js of the supported major (NODE_MAJOR, default 24) on stdout:
# the `node` on PATH if it is that major, else the npm registry's `node-linux-<arch>` package
# installed into the per-user cache (the registry is the only place these machines download from).
set -euo pipefail

NODE_MAJOR="${NODE_MAJOR:-24}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/nas-orchestrator"

if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported machine $(uname -m); install Node.js $NODE_MAJOR" >&2; exit 1 ;;
esac
prefix="$CACHE_ROOT/node-$NODE_MAJOR"
bin="$prefix/node_modules/node-linux-$arch/bin"
if [ ! -x "$bin/node" ]; then
  echo "ensure-node: installing node-linux-$arch@$NODE_MAJOR from the npm registry into $prefix" >&2
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@$NODE_MAJOR" >&2
fi
echo "$bin"
