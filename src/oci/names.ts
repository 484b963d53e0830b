// Repository names and tags (distribution-spec "Pulling manifests"): the one grammar the Bazel
// manifest parser, the loader, the server and the pull client all check names with (digests:
// digest.ts). Checked by linear scans rather than regular expressions: request paths are
// untrusted, so the check must stay O(n) with no backtracking, and it runs before any lookup
// that could allocate. names.test.ts pins both against the spec's regular expressions.
//
//   repository: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 characters
//   tag:        [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}

import { quote, UsageError } from '../errors.ts'

/** The longest repository name the distribution-spec allows clients to rely on. */
export const MAX_REPOSITORY_LENGTH = 255
export const MAX_TAG_LENGTH = 128

/** What a valid repository name is, in words, for error messages. */
export const REPOSITORY_RULE = `lowercase letters and digits, separated by ".", "_", "__", "-" or "/" (e.g. "team/app-server"), at most ${MAX_REPOSITORY_LENGTH} characters`
/** What a valid tag is, in words, for error messages. */
export const TAG_RULE = `1 to ${MAX_TAG_LENGTH} letters, digits, "_", "." or "-", not starting with "." or "-"`

const SLASH = 0x2f
const DOT = 0x2e
const UNDERSCORE = 0x5f
const DASH = 0x2d

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
}

function isAlnum(c: number): boolean {
  return isLowerAlnum(c) || (c >= 0x41 && c <= 0x5a)
}

/** Why `name` is not a valid repository name (the one message for it), or undefined when it is one. */
export function repositoryProblem(name: string): string | undefined {
  if (isValidRepository(name)) return undefined
  if (name.length > MAX_REPOSITORY_LENGTH)
    return `${quote(name)} is not a valid repository name: ${name.length} characters, the limit is ${MAX_REPOSITORY_LENGTH}`
  return `${quote(name)} is not a valid repository name (${REPOSITORY_RULE})`
}

/** Why `tag` is not a valid tag (the one message for it; `of` names its repository), or undefined when it is one. */
export function tagProblem(tag: string, of?: string): string | undefined {
  if (isValidTag(tag)) return undefined
  return `${quote(tag)}${of === undefined ? '' : ` of ${of}`} is not a valid tag (${TAG_RULE})`
}

/** Throws a UsageError (prefixed with `context: `, if given) unless `name` is a valid repository name. */
export function checkRepository(name: string, context?: string): void {
  const problem = repositoryProblem(name)
  if (problem !== undefined) throw new UsageError(context === undefined ? problem : `${context}: ${problem}`)
}

/** Throws a UsageError (prefixed with `context: `, if given) unless `tag` is a valid tag. */
export function checkTag(tag: string, context?: string): void {
  const problem = tagProblem(tag)
  if (problem !== undefined) throw new UsageError(context === undefined ? problem : `${context}: ${problem}`)
}

export function isValidRepository(name: string): boolean {
  const length = name.length
  if (length === 0 || length > MAX_REPOSITORY_LENGTH) return false
  let i = 0
  for (;;) {
    // An alphanumeric run, then the end, or one "/", ".", "_", "__" or "-+" that must be followed by another run.
    if (i >= length || !isLowerAlnum(name.charCodeAt(i))) return false
    while (i < length && isLowerAlnum(name.charCodeAt(i))) i++
    if (i === length) return true
    const c = name.charCodeAt(i)
    if (c === SLASH || c === DOT) i++
    else if (c === UNDERSCORE) i += name.charCodeAt(i + 1) === UNDERSCORE ? 2 : 1
    else if (c === DASH) while (i < length && name.charCodeAt(i) === DASH) i++
    else return false
  }
}

export function isValidTag(tag: string): boolean {
  const length = tag.length
  if (length === 0 || length > MAX_TAG_LENGTH) return false
  const first = tag.charCodeAt(0)
  if (!isAlnum(first) && first !== UNDERSCORE) return false
  for (let i = 1; i < length; i++) {
    const c = tag.charCodeAt(i)
    if (!isAlnum(c) && c !== UNDERSCORE && c !== DOT && c !== DASH) return false
  }
  return true
}
