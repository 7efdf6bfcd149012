#!/usr/bin/env bash
# Installs what users run, from this tree's build, where every user can read it: a copy of dist/,
# build/'s native tools and the Node binary in $BERTH_PREFIX/lib/berth (default /usr/local), and
# the commands linked into $BERTH_PREFIX/bin. The clone itself may sit anywhere (a home directory
# of mode 0700 included). Run by scripts/setup.sh after the build; again after a rebuild to update
# the commands on PATH. Idempotent: only changed files are replaced, each by a rename, so a
# command running meanwhile never sees a half-written file.
# The copy keeps the tree's layout (dist/, build/ side by side), which is how the code finds its
# parts: native tools at ../../build from a bundle, the runtime's own path at ../../dist.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"

PREFIX=${BERTH_PREFIX:-/usr/local}
LIB="$PREFIX/lib/berth"
# The commands on PATH: name → file in the installed tree.
COMMANDS=(
  # berth-runtime: the native client (native/runtime-client.c) has berthd serve runc's commands,
  # else it execs dist/berth-runtime.mjs.
  "berth-runtime build/berth-runtime-client"
  "berth build/berth-client"
)

umask 022
# put SRC DST MODE: DST becomes a copy of SRC unless it already is one; says whether it changed.
put() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then chmod "$3" "$2"; return 1; fi
  install -D -m "$3" "$1" "$2.new.$$" || exit 1
  mv -f "$2.new.$$" "$2" || exit 1
}

install -d -m 0755 "$LIB" "$LIB/dist" "$LIB/dist/lib" "$LIB/build" "$LIB/build/v8-cache" "$PREFIX/bin"
put "$NODE" "$LIB/node" 0755 || true
for f in dist/lib/*; do
  if put "$f" "$LIB/$f" 0644; then
    # A launcher's V8 code caches are keyed by its bundle's inode and mtime: now useless.
    case "$f" in *.cjs) rm -rf "$LIB/build/v8-cache/$(basename "$f" .cjs)" ;; esac
  fi
done
# Launchers name the tree's Node (#! line) and cache directory: the installed ones instead.
for f in dist/*.mjs; do
  sed -e "s|$NODE|$LIB/node|g" -e "s|$BERTH_TOP/|$LIB/|g" "$f" > "$LIB/$f.src.$$"
  put "$LIB/$f.src.$$" "$LIB/$f" 0755 || true
  rm -f "$LIB/$f.src.$$"
done
for f in build/berth-*; do put "$f" "$LIB/$f" 0755 || true; done
# What a former build had and this one has not.
for f in "$LIB"/dist/*.mjs "$LIB"/dist/lib/* "$LIB"/build/berth-*; do
  [ -e "$f" ] || continue
  [ -e "${f/#$LIB/$BERTH_TOP}" ] || rm -f "$f"
done

for entry in "${COMMANDS[@]}"; do
  read -r cmd file <<<"$entry"
  [ -e "$LIB/$file" ] || { echo "install: $file was not built" >&2; exit 1; }
  ln -sfn "$LIB/$file" "$PREFIX/bin/$cmd"
done
