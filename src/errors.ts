// Every error the runtime throws on purpose is defined here, each with a stable
// `code` that callers and tests can match on. Messages say what is wrong, where,
// and (when there is one) how to fix it; the cause, if any, is kept in `cause`.

export type ErrorCode =
  | 'ERR_LOCALREGISTRY_DIGEST'
  | 'ERR_LOCALREGISTRY_LAYOUT'
  | 'ERR_LOCALREGISTRY_CONTENT_MISMATCH'
  | 'ERR_LOCALREGISTRY_MANIFEST'
  | 'ERR_LOCALREGISTRY_BAZEL_MANIFEST'
  | 'ERR_LOCALREGISTRY_RUNFILES'
  | 'ERR_LOCALREGISTRY_CONFLICT'
  | 'ERR_LOCALREGISTRY_USAGE'

export class LocalRegistryError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A digest string that is malformed or uses an algorithm we do not support. */
export class DigestError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_DIGEST', message)
  }
}

/** An OCI image layout (or a manifest in it) that is missing, malformed or inconsistent. */
export class LayoutError extends LocalRegistryError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_LAYOUT', message, options)
  }
}

/** Content whose bytes do not match the digest or size its descriptor promises. */
export class ContentMismatchError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_CONTENT_MISMATCH', message)
  }
}

/** An OCI manifest or index (or a descriptor in one) that is malformed or contradicts its descriptor. */
export class ManifestError extends LocalRegistryError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_MANIFEST', message, options)
  }
}

/** A Bazel prototext manifest (spec/manifest.proto) that cannot be read or parsed. */
export class BazelManifestError extends LocalRegistryError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_BAZEL_MANIFEST', message, options)
  }
}

/** A runfiles path that does not resolve. */
export class RunfilesError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_RUNFILES', message)
  }
}

/** Two things claim the same name, e.g. two images on one repository:tag. */
export class ConflictError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_CONFLICT', message)
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_USAGE', message)
  }
}
