// The pull client's default timeouts, in a module of their own so that `pull --help` can state
// them without loading the client (and undici).

/** Longest wait for a connection to open, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Longest wait for response headers, and for the next body byte while a body is read, in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000
