// Every error the runtime throws on purpose is defined here, each with a stable
// `code` that callers and tests can match on. Messages say what is wrong, where,
// and (when there is one) how to fix it; the cause, if any, is kept in `cause`. The helpers
// messages are made with (quote, messageOf, systemReason) are here too.

export type ErrorCode =
  | 'ERR_LOCALREGISTRY_DIGEST'
  | 'ERR_LOCALREGISTRY_LAYOUT'
  | 'ERR_LOCALREGISTRY_CONTENT_MISMATCH'
  | 'ERR_LOCALREGISTRY_MANIFEST'
  | 'ERR_LOCALREGISTRY_BAZEL_MANIFEST'
  | 'ERR_LOCALREGISTRY_RUNFILES'
  | 'ERR_LOCALREGISTRY_CONFLICT'
  | 'ERR_LOCALREGISTRY_USAGE'
  | 'ERR_LOCALREGISTRY_REFERENCE'
  | 'ERR_LOCALREGISTRY_REGISTRY_RESPONSE'
  | 'ERR_LOCALREGISTRY_REGISTRY_CONNECTION'
  | 'ERR_LOCALREGISTRY_REGISTRY_PROTOCOL'
  | 'ERR_LOCALREGISTRY_RESPONSE_TOO_LARGE'
  | 'ERR_LOCALREGISTRY_AUTH'
  | 'ERR_LOCALREGISTRY_DEADLINE'
  | 'ERR_LOCALREGISTRY_OUTPUT_FILE'
  | 'ERR_LOCALREGISTRY_BLOB_FILE'

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

/**
 * A blob file the server cannot serve: one it cannot read, or (`corrupt`) one that is not the
 * bytes its digest names (wrong size, or found wrong before and unchanged since).
 */
export class BlobFileError extends LocalRegistryError {
  readonly digest: string
  readonly corrupt: boolean

  constructor(message: string, digest: string, corrupt: boolean) {
    super('ERR_LOCALREGISTRY_BLOB_FILE', message)
    this.digest = digest
    this.corrupt = corrupt
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

/** A file we were asked to write (--ready-file, --ca-out, --client-config) that could not be written. */
export class OutputFileError extends LocalRegistryError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_OUTPUT_FILE', message, options)
  }
}

/** Bad command-line or API arguments. */
export class UsageError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_USAGE', message)
  }
}

/** An image reference (`host[:port]/repository[:tag][@digest]`) that does not parse. */
export class ImageReferenceError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_REFERENCE', message)
  }
}

/** One error of a registry's error body (distribution-spec "Error Codes"), e.g. { code: "MANIFEST_UNKNOWN" }. */
export interface RegistryErrorDetail {
  code: string
  message?: string
}

export interface RegistryResponseErrorInit {
  status: number
  /** The (redacted) URL that answered. */
  url: string
  /** The errors of the distribution error body, if it had one. */
  errors?: RegistryErrorDetail[]
  /** Whether repeating the request may succeed (5xx except 501/505/511, 408, 425, 429). */
  retryable: boolean
  /** When the server asked us to retry (its Retry-After), if it did. */
  retryAfter?: Date
}

/** A registry (or its token service) answered with an unexpected HTTP status. */
export class RegistryResponseError extends LocalRegistryError {
  readonly status: number
  readonly url: string
  /** The first distribution error code of the body (e.g. "MANIFEST_UNKNOWN", "DENIED"), if any. */
  readonly registryCode: string | undefined
  readonly errors: RegistryErrorDetail[]
  readonly retryable: boolean
  readonly retryAfter: Date | undefined

  constructor(message: string, init: RegistryResponseErrorInit) {
    super('ERR_LOCALREGISTRY_REGISTRY_RESPONSE', message)
    this.status = init.status
    this.url = init.url
    this.errors = init.errors ?? []
    this.registryCode = this.errors[0]?.code
    this.retryable = init.retryable
    this.retryAfter = init.retryAfter
  }
}

/** A request to a registry failed below HTTP (refused, reset, cut mid-body, TLS); usually worth retrying. */
export class RegistryConnectionError extends LocalRegistryError {
  /** False for failures a retry cannot fix, e.g. a TLS certificate the client does not trust. */
  readonly retryable: boolean

  constructor(message: string, retryable: boolean, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_REGISTRY_CONNECTION', message, options)
    this.retryable = retryable
  }
}

/** A registry answered with something the protocol does not allow (e.g. a 206 for the wrong range); never retried. */
export class RegistryProtocolError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_REGISTRY_PROTOCOL', message)
  }
}

/** A response body over the size we accept for it (manifests, token responses, error bodies); never retried. */
export class ResponseTooLargeError extends LocalRegistryError {
  readonly limit: number

  constructor(message: string, limit: number) {
    super('ERR_LOCALREGISTRY_RESPONSE_TOO_LARGE', message)
    this.limit = limit
  }
}

/** Authentication failed: a malformed or unsupported challenge, no credentials for it, or a token service that failed. */
export class AuthError extends LocalRegistryError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_LOCALREGISTRY_AUTH', message, options)
  }
}

/** The deadline of an operation (a client's `timeout` or `deadline`, `pull --timeout`) passed before it finished. */
export class DeadlineError extends LocalRegistryError {
  constructor(message: string) {
    super('ERR_LOCALREGISTRY_DEADLINE', message)
  }
}

/** Quotes a value for a message, cutting absurdly long input so messages stay readable. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
}

/** What an error (or anything thrown) says, without its stack. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A system error's message without the paths it names (they may be a temp file's): "ENOSPC: no space left on device". */
export function systemReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const { syscall } = error as NodeJS.ErrnoException
  const at = syscall === undefined ? -1 : error.message.indexOf(`, ${syscall} `)
  return at < 0 ? error.message : error.message.slice(0, at)
}
