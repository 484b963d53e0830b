#!/usr/bin/env bash
# Writes the release archive of rules_localregistry: what users fetch with http_archive or
# archive_override. It is `git archive` of a commit (the committed runtime/ included, no
# node_modules), under the prefix rules_localregistry-VERSION/.
#
#   scripts/release.sh [--worktree] [--out DIR] [COMMIT]    (default: HEAD, DIR .)
#
# --worktree archives the working tree's tracked files as they are now (uncommitted changes
# included, untracked files not), for testing a change before committing it.
# Prints the archive's path, then its sha256 and the strip_prefix to use.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() {
  echo "release: $*" >&2
  exit 1
}

out=.
commit=
worktree=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out)
      [[ $# -ge 2 ]] || fail "--out needs a directory"
      out="$2"
      shift 2
      ;;
    --worktree)
      worktree=true
      shift
      ;;
    -*) fail "unknown option '$1' (usage: release.sh [--worktree] [--out DIR] [COMMIT])" ;;
    *)
      [[ -z "$commit" ]] || fail "one commit at most"
      commit="$1"
      shift
      ;;
  esac
done
if $worktree; then
  [[ -z "$commit" ]] || fail "--worktree and a COMMIT exclude each other"
  # A commit object of the working tree's tracked files, or HEAD when nothing changed.
  commit="$(git -C "$repo" stash create)"
fi
commit="${commit:-HEAD}"
tree="$(git -C "$repo" rev-parse --verify --quiet "$commit^{tree}")" || fail "no such commit: $commit"

version="$(git -C "$repo" show "$tree:package.json" | sed -n 's/^  "version": "\(.*\)",$/\1/p')"
[[ -n "$version" ]] || fail "no version in package.json of $commit"
# Only the entry is looked for: e2e/runtime-bundle.test.ts checks that runtime/ as committed is
# the whole build (scripts/bundle.ts names the vendor files).
git -C "$repo" cat-file -e "$tree:runtime/localregistry.mjs" 2>/dev/null ||
  fail "$commit has no runtime/localregistry.mjs: run npm run bundle and commit runtime/"
prefix="rules_localregistry-$version"

mkdir -p "$out"
archive="$(cd "$out" && pwd)/$prefix.tar.gz"
# The commit, not its tree: a tree would be stamped with the current time.
git -C "$repo" archive --format=tar.gz --prefix="$prefix/" -o "$archive.tmp" "$commit"
if tar -tzf "$archive.tmp" | grep -q '/node_modules/'; then
  rm -f "$archive.tmp"
  fail "$commit tracks files under node_modules"
fi
mv "$archive.tmp" "$archive"
echo "$archive"
echo "sha256: $(sha256sum "$archive" | cut -d' ' -f1)"
echo "strip_prefix: $prefix"
