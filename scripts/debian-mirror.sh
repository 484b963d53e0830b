#!/usr/bin/env bash
# Prints the Debian archive the host's apt uses: the URIs of the first stanza of
# /etc/apt/sources.list.d/debian.sources that is not a -security suite. Scripts that reach Debian
# on their own (debootstrap of the sid chroot, apt-get download of sid packages) use it, so that
# no mirror's host name is written in this repository.
set -euo pipefail

readonly SOURCES=/etc/apt/sources.list.d/debian.sources
[[ -r "$SOURCES" ]] || {
  echo "debian-mirror: cannot read $SOURCES, where the Debian mirror is taken from" >&2
  exit 1
}
url="$(awk '
  /^[[:space:]]*$/ { if (uri != "" && suites !~ /-security/) { print uri; exit } uri = ""; suites = ""; next }
  $1 == "URIs:" { uri = $2 }
  $1 == "Suites:" { suites = $0 }
  END { if (uri != "" && suites !~ /-security/) print uri }
' "$SOURCES" | head -n 1)"
[[ -n "$url" ]] || {
  echo "debian-mirror: no Debian archive (URIs:) found in $SOURCES" >&2
  exit 1
}
echo "$url"
