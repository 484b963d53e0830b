#!/usr/bin/env bash
# Run by the launchers that need the machine (cri_pod_test, vm_pod_test) as `repo_node.sh
# checks/SCRIPT.ts`: runs the script with the repository's Node, since it imports the e2e's
# launcher modules and @grpc/grpc-js from the repository (the runfile is a link to the source
# file, which leads back there).
set -euo pipefail
script="$(readlink -f "$1")"
repo="${script%/e2e/rules/checks/*}"
exec "$repo/node_modules/.bin/node" "$script"
