#!/usr/bin/env bash
# Sets up Bazel 7.7.1 for the bzlmod e2e: a Debian sid chroot (Debian 12's glibc is too old for
# sid's bazel-bootstrap) with bazel-bootstrap, skopeo, bazel-skylib, bazel-stardoc and
# bazel-rules-shell, plus zip and file, which Bazel's test runner uses for a test's undeclared
# outputs, and bazel-bootstrap-source, whose remote worker (src/tools/remote) the remote-execution
# e2e compiles (e2e/consumer/remote_check.sh). Run commands in it with scripts/in-sid-chroot.sh.
#
#   bash scripts/setup-bazel7.sh        (as root; scripts/test.sh runs it)
#
# Cached and idempotent: once everything is installed it writes a marker in the chroot and later
# runs return at once. Safe to rerun after an interruption: debootstrap works in DIR.partial and
# only a complete base is renamed to DIR; an interrupted package install is finished by the next
# run (dpkg --configure -a, apt-get install). Time and disk on a fresh machine: see README.md.
# The Debian mirror is the host's, read from /etc/apt/sources.list.d/debian.sources.
# Environment: LOCALREGISTRY_SID_CHROOT, the chroot (default /var/lib/localregistry/sid-chroot).
set -euo pipefail

root="${LOCALREGISTRY_SID_CHROOT:-/var/lib/localregistry/sid-chroot}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PACKAGES=(bazel-bootstrap skopeo bazel-skylib bazel-stardoc bazel-rules-shell zip file bazel-bootstrap-source)
readonly MARKER="$root/.localregistry-setup"
readonly SOURCES=/etc/apt/sources.list.d/debian.sources
# The marker names what was installed, so a changed package list installs again.
readonly WANT="packages: ${PACKAGES[*]}"

fail() {
  echo "setup-bazel7: $*" >&2
  exit 1
}

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" ]]; then
  exit 0
fi
[[ "$(id -u)" -eq 0 ]] || fail "the sid chroot at $root is not set up, and making it needs root (debootstrap, chroot, mount): run this as root"

# Two setups at once (two test runs on a fresh machine) would debootstrap into one directory.
mkdir -p "$(dirname "$root")"
exec 9>"$(dirname "$root")/.$(basename "$root").lock"
flock 9
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" ]]; then
  exit 0
fi

log="$(mktemp -t setup-bazel7.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
# Runs a command quietly; on failure shows the tail of its output.
quiet() {
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "'$*' failed"
  fi
}

# The first Debian (not security) archive the host's apt uses.
mirror() {
  [[ -r "$SOURCES" ]] || fail "cannot read $SOURCES, where the Debian mirror is taken from"
  awk '
    /^[[:space:]]*$/ { if (uri != "" && suites !~ /-security/) { print uri; exit } uri = ""; suites = ""; next }
    $1 == "URIs:" { uri = $2 }
    $1 == "Suites:" { suites = $0 }
    END { if (uri != "" && suites !~ /-security/) print uri }
  ' "$SOURCES" | head -n 1
}

# Unmounts whatever an interrupted debootstrap left mounted under $1 (deepest first).
unmount_under() {
  local mounts
  mapfile -t mounts < <(findmnt -rn -o TARGET | awk -v d="$1" 'index($0, d "/") == 1 || $0 == d' | sort -r)
  local m
  for m in "${mounts[@]}"; do umount -l "$m"; done
}

started=$SECONDS
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
  [[ ! -e "$root" ]] || [[ -z "$(ls -A "$root")" ]] || fail "$root exists but holds no Debian system; remove it or set LOCALREGISTRY_SID_CHROOT"
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "setup-bazel7: installing debootstrap"
    quiet apt-get update
    quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
  fi
  url="$(mirror)"
  [[ -n "$url" ]] || fail "no Debian archive (URIs:) found in $SOURCES"
  partial="$root.partial"
  unmount_under "$partial"
  rm -rf --one-file-system "$partial"
  echo "setup-bazel7: debootstrap --variant=minbase sid $root (a few minutes)"
  quiet debootstrap --variant=minbase sid "$partial" "$url"
  rmdir "$root" 2>/dev/null || true
  mv "$partial" "$root"
fi

# sid's Release file may be past its Valid-Until when the mirror is a snapshot.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99no-check-valid"
# Package scripts must not start daemons in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

in_chroot() { "$here/in-sid-chroot.sh" -- env DEBIAN_FRONTEND=noninteractive "$@"; }
# Prints the packages that are not (completely) installed in the chroot.
missing_packages() {
  local package status
  for package in "${PACKAGES[@]}"; do
    status="$(in_chroot dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || echo "$package"
  done
}
if [[ -n "$(missing_packages)" ]]; then
  echo "setup-bazel7: installing ${PACKAGES[*]} in $root"
  quiet in_chroot dpkg --configure -a
  quiet in_chroot apt-get update
  quiet in_chroot apt-get install -y "${PACKAGES[@]}"
  missing="$(missing_packages)"
  [[ -z "$missing" ]] || fail "not installed in $root after apt-get install: $missing"
fi
in_chroot bazel --version >/dev/null 2>&1 || fail "bazel does not run in $root"

echo "$WANT" >"$MARKER.tmp"
mv "$MARKER.tmp" "$MARKER"
echo "setup-bazel7: $root is ready ($((SECONDS - started)) s, $(du -sh --one-file-system "$root" | cut -f1))"
