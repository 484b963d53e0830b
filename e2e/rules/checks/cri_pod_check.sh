#!/usr/bin/env bash
# Run by localregistry_test cri_pod_test: runs cri_pod.ts with the repository's Node, since it
# imports the e2e's CRI client and containerd helpers and @grpc/grpc-js from the repository
# (the runfile is a link to the source file, which leads back there).
set -euo pipefail
script="$(readlink -f checks/cri_pod.ts)"
repo="${script%/e2e/rules/checks/cri_pod.ts}"
exec "$repo/node_modules/.bin/node" "$script"
