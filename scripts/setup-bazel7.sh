#!/usr/bin/env bash
# Sets up Bazel 7.7.1 for the bzlmod e2e: a Debian sid chroot (Debian 12's glibc is too old for
# sid's bazel-bootstrap) with bazel-bootstrap, skopeo, bazel-skylib, bazel-stardoc and
# bazel-rules-shell, plus zip and file, which Bazel's test runner uses for a test's undeclared
# outputs; runc, which sid's containerd 2 runs pods with in e2e/rules' CRI pod test; and
# bazel-bootstrap-source, whose remote worker (src/tools/remote) the remote-execution e2e compiles
# (e2e/consumer/remote_check.sh). Run commands in it with scripts/in-sid-chroot.sh.
#
#   bash scripts/setup-bazel7.sh        (as root; scripts/test.sh runs it)
#
# Cached and idempotent: once everything is installed it writes a marker in the chroot and later
# runs return at once. Safe to rerun after an interruption: debootstrap works in DIR.partial and
# only a complete base is renamed to DIR; an interrupted package install is finished by the next
# run (dpkg --configure -a, apt-get install). Time and disk on a fresh machine: see README.md.
# The Debian mirror is the host's (scripts/debian-mirror.sh).
# Environment: LOCALREGISTRY_SID_CHROOT, the chroot (default /var/lib/localregistry/sid-chroot).
set -euo pipefail

root="${LOCALREGISTRY_SID_CHROOT:-/var/lib/localregistry/sid-chroot}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PACKAGES=(bazel-bootstrap skopeo bazel-skylib bazel-stardoc bazel-rules-shell zip file runc bazel-bootstrap-source)
readonly SETUP_NAME=setup-bazel7
readonly MARKER="$root/.localregistry-setup"
# The marker names what was installed, so a changed package list installs again.
readonly WANT="packages: ${PACKAGES[*]}"
# shellcheck source=scripts/setup-lib.sh
source "$here/setup-lib.sh"

if is_set_up; then
  exit 0
fi
[[ "$(id -u)" -eq 0 ]] || fail "the sid chroot at $root is not set up, and making it needs root (debootstrap, chroot, mount): run this as root"

mkdir -p "$(dirname "$root")"
lock_setup "$(dirname "$root")/.$(basename "$root").lock"

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
  url="$("$here/debian-mirror.sh")"
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

mark_set_up
echo "setup-bazel7: $root is ready ($((SECONDS - started)) s, $(du -sh --one-file-system "$root" | cut -f1))"
