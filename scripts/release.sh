#!/usr/bin/env bash
# Writes the release archive of rules_localregistry: what users fetch with http_archive or
# archive_override. It is `git archive` of a commit (the committed runtime/ included, no
# node_modules), under the prefix rules_localregistry-VERSION/.
#
#   scripts/release.sh [--worktree] [--out DIR] [--github OWNER/REPO | --url URL] [COMMIT]    (default: HEAD, DIR .)
#   scripts/release.sh --notes ARCHIVE --url URL    (the release notes alone, of an archive written before)
#
# --worktree archives the working tree's tracked files as they are now (uncommitted changes
# included, untracked files not), for testing a change before committing it.
# Prints the archive's path, then its sha256 and the strip_prefix to use, then release notes a user
# can paste: the MODULE.bazel (bazel_dep + archive_override, with the archive's integrity) and
# WORKSPACE (http_archive, with its sha256) snippets. Their URL is the one .bcr/source.template.json
# names for the release, on GitHub at --github OWNER/REPO (default: OWNER/REPO, to fill in), or --url.
# e2e/consumer/run.sh pastes those snippets into a user's workspace on both Bazels.
#
# One version, package.json's: MODULE.bazel's module(version) must be the same (checked here, and
# by e2e/release.test.ts), and it names the archive's prefix.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() {
  echo "release: $*" >&2
  exit 1
}

# print_notes ARCHIVE PREFIX VERSION URL: the release notes, with the archive's sha256 and integrity.
print_notes() {
  local archive="$1" prefix="$2" version="$3" url="$4" sha256 integrity
  sha256="$(sha256sum "$archive" | cut -d' ' -f1)"
  # Bazel's integrity: the SHA-256 in base64.
  integrity="sha256-$(printf "$(sed 's/../\\x&/g' <<<"$sha256")" | base64 -w0)"
  cat <<EOF

## rules_localregistry $version

### Bazel 7.4+ (bzlmod)

\`\`\`starlark
# MODULE.bazel
bazel_dep(name = "rules_localregistry", version = "$version")

# Until this version is in your registry:
archive_override(
    module_name = "rules_localregistry",
    integrity = "$integrity",
    strip_prefix = "$prefix",
    urls = ["$url"],
)
\`\`\`

### WORKSPACE (Bazel 4.2 and later)

\`\`\`starlark
# WORKSPACE
load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

http_archive(
    name = "rules_localregistry",
    sha256 = "$sha256",
    strip_prefix = "$prefix",
    urls = ["$url"],
)

load("@rules_localregistry//rules:repositories.bzl", "localregistry_register_toolchains")

localregistry_register_toolchains()
\`\`\`

What changed: CHANGELOG.md. How to use the rules: docs/rules.md.
EOF
}

out=.
commit=
github=OWNER/REPO
url=
notes_of=
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
    --github)
      [[ $# -ge 2 && "$2" == */* ]] || fail "--github needs OWNER/REPO"
      github="$2"
      shift 2
      ;;
    --url)
      [[ $# -ge 2 ]] || fail "--url needs a URL"
      url="$2"
      shift 2
      ;;
    --notes)
      [[ $# -ge 2 ]] || fail "--notes needs an archive"
      notes_of="$2"
      shift 2
      ;;
    -*) fail "unknown option '$1' (usage: release.sh [--worktree] [--out DIR] [--github OWNER/REPO | --url URL] [COMMIT], or --notes ARCHIVE --url URL)" ;;
    *)
      [[ -z "$commit" ]] || fail "one commit at most"
      commit="$1"
      shift
      ;;
  esac
done
if [[ -n "$notes_of" ]]; then
  [[ -f "$notes_of" && -n "$url" ]] || fail "--notes needs an existing archive and --url URL"
  prefix="$(tar -tzf "$notes_of" | cut -d/ -f1 | sort -u)"
  [[ "$prefix" == rules_localregistry-* && "$prefix" != *$'\n'* ]] || fail "$notes_of is not a release archive (one rules_localregistry-VERSION/ directory)"
  print_notes "$notes_of" "$prefix" "${prefix#rules_localregistry-}" "$url"
  exit 0
fi
if $worktree; then
  [[ -z "$commit" ]] || fail "--worktree and a COMMIT exclude each other"
  # A commit object of the working tree's tracked files, or HEAD when nothing changed.
  commit="$(git -C "$repo" stash create)"
fi
commit="${commit:-HEAD}"
tree="$(git -C "$repo" rev-parse --verify --quiet "$commit^{tree}")" || fail "no such commit: $commit"

version="$(git -C "$repo" show "$tree:package.json" | sed -n 's/^  "version": "\(.*\)",$/\1/p')"
[[ -n "$version" ]] || fail "no version in package.json of $commit"
module_version="$(git -C "$repo" show "$tree:MODULE.bazel" | sed -n 's/^    version = "\(.*\)",$/\1/p')"
[[ "$module_version" == "$version" ]] ||
  fail "MODULE.bazel of $commit has version '$module_version', package.json '$version': make them the same"
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
sha256="$(sha256sum "$archive" | cut -d' ' -f1)"
echo "$archive"
echo "sha256: $sha256"
echo "strip_prefix: $prefix"

# The release's URL, as the registry entry names it, unless --url names another.
[[ -n "$url" ]] || url="$(git -C "$repo" show "$tree:.bcr/source.template.json" | sed -n 's/^ *"url": "\(.*\)",\{0,1\}$/\1/p')"
[[ -n "$url" ]] || fail "no url in .bcr/source.template.json of $commit"
url="${url//\{OWNER\}/${github%%/*}}"
url="${url//\{REPO\}/${github#*/}}"
url="${url//\{VERSION\}/$version}"
url="${url//\{TAG\}/v$version}"
print_notes "$archive" "$prefix" "$version" "$url"
