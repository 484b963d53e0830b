// The pull client's default timeouts and transfer bounds, in a module of their own so that `pull --help` can state
// them without loading the client (and undici).

/** Longest wait for a connection to open, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Longest wait for response headers, and for the next body byte while a body is read, in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000
/** What a broken connection must have delivered of a blob for its resume to renew the retries. */
export const MIN_RESUME_PROGRESS_BYTES = 64 * 1024
