#!/usr/bin/env bash
# Fetches the Debian sid packages the e2e tests need and Debian 12 lacks, without installing them:
#   containerd                            2.x, run by e2e/launchers/cri.test.ts beside Debian 12's 1.6
#   golang-github-kubernetes-cri-api-dev  CRI's api.proto, which the e2e's CRI client loads
# Each is fetched with `apt-get download` through a private apt configuration (its own sources
# list naming sid on the host's Debian mirror, scripts/debian-mirror.sh; its own state and cache
# directories) and unpacked with `dpkg-deb -x` into CACHE/PACKAGE/. The machine's apt sources and
# dpkg database are never touched. e2e/tools/sid-debs.ts finds the files there.
#
#   bash scripts/setup-sid-debs.sh        (scripts/test.sh runs it; needs write access to CACHE)
#
# Cached and idempotent: a marker names what was unpacked, so later runs return at once and a
# changed package list fetches again. Environment: LOCALREGISTRY_SID_DEBS, the cache
# (default /var/cache/localregistry/sid-debs).
set -euo pipefail

cache="${LOCALREGISTRY_SID_DEBS:-/var/cache/localregistry/sid-debs}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PACKAGES=(containerd golang-github-kubernetes-cri-api-dev)
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly SETUP_NAME=setup-sid-debs
readonly MARKER="$cache/.localregistry-setup"
readonly WANT="packages: ${PACKAGES[*]}"
# shellcheck source=scripts/setup-lib.sh
source "$here/setup-lib.sh"

if is_set_up; then
  exit 0
fi
mkdir -p "$cache" 2>/dev/null || fail "cannot create $cache: run as root, or set LOCALREGISTRY_SID_DEBS to a writable directory"
[[ -w "$cache" ]] || fail "$cache is not writable: run as root, or set LOCALREGISTRY_SID_DEBS to a writable directory"

lock_setup "$cache/.lock"

started=$SECONDS
apt="$cache/apt"
rm -rf "$apt"
mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
: >"$apt/state/status"
echo "deb [signed-by=$KEYRING] $("$here/debian-mirror.sh") sid main" >"$apt/sources.list"
# Only this configuration: no sources.list.d, no host state. A snapshot mirror's Release may be
# past its Valid-Until. Downloads go to a root-owned directory, so apt's _apt sandbox is not used.
options=(
  -o "Dir::State=$apt/state" -o "Dir::State::status=$apt/state/status" -o "Dir::Cache=$apt/cache"
  -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Acquire::Check-Valid-Until=false" -o "APT::Sandbox::User=root"
)
quiet apt-get "${options[@]}" update
(cd "$apt/debs" && quiet apt-get "${options[@]}" download "${PACKAGES[@]}")

for package in "${PACKAGES[@]}"; do
  debs=("$apt/debs/${package}"_*.deb)
  [[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "apt-get download left no single $package .deb in $apt/debs"
  rm -rf "${cache:?}/$package" "$cache/$package.partial"
  quiet dpkg-deb -x "${debs[0]}" "$cache/$package.partial"
  dpkg-deb -f "${debs[0]}" Version >"$cache/$package.partial/.version"
  mv "$cache/$package.partial" "$cache/$package"
done
rm -rf "$apt"

mark_set_up
echo "setup-sid-debs: ${PACKAGES[*]} unpacked in $cache ($((SECONDS - started)) s, $(du -sh "$cache" | cut -f1))"
