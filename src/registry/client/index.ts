// The pull-only OCI Distribution client.
export { type Credentials, type CredentialsProvider, pullScope } from './auth.ts'
export { type ClientOptions, type ReadTarget, RegistryClient } from './client.ts'
export { type PullOptions, type PullProgress, type PullResult, pull } from './pull.ts'
export { formatReference, type ImageReference, parseReference } from './reference.ts'
export { printable, redactUrl } from './redact.ts'
export { RegistrySource } from './registry-source.ts'
export { isRetryableStatus, parseRetryAfter, type RetryContext, type RetryOptions } from './retry.ts'
export { type Challenge, parseWwwAuthenticate } from './www-authenticate.ts'
