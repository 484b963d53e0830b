#!/usr/bin/env bash
# bazel run //docs:update_rules_md: copies the generated docs/rules.md into the source tree.
set -euo pipefail
cp "$1" "${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run}/docs/rules.md"
chmod 644 "$BUILD_WORKSPACE_DIRECTORY/docs/rules.md"
echo "updated docs/rules.md"
