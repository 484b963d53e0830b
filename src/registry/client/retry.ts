// When and how long to wait before repeating a failed request. Transient failures (connection
// errors, 5xx except 501/505/511, 408, 425, 429) are retried with exponential backoff and
// jitter; everything else (404, 401 after auth, verification failures, protocol errors) is
// permanent. A Retry-After from the server is honoured even when it is longer than the
// backoff, but never past the caller's deadline: if the wait would end after it, we give up
// at once with the server's error rather than sleep and fail later. An AbortSignal ends
// everything, waits included, at once.

import { RegistryConnectionError, RegistryResponseError } from '../../errors.ts'

export interface RetryOptions {
  /** Attempts in all, the first included. Default 6; 1 disables retries. */
  maxAttempts?: number
  /** Backoff before the first retry, in ms. Default 250. */
  initialDelayMs?: number
  /** Longest backoff, in ms (Retry-After may ask for more and get it). Default 10 s. */
  maxDelayMs?: number
  /** Growth of the backoff per attempt. Default 2. */
  factor?: number
  /** Longest Retry-After we wait for when there is no deadline, in ms. Default 5 min. */
  maxRetryAfterMs?: number
}

export interface RetryContext {
  signal?: AbortSignal | undefined
  /** Epoch ms after which no new attempt starts (and no wait is begun that would end after it). */
  deadline?: number | undefined
  /** Told about every retry before its wait, e.g. for logging. */
  onRetry?: ((info: { attempt: number; delayMs: number; error: unknown }) => void) | undefined
}

const DEFAULTS: Required<RetryOptions> = {
  maxAttempts: 6,
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  maxRetryAfterMs: 5 * 60_000,
}

/** Client errors are permanent and server errors transient, with the usual exceptions. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return true
  if (status === 501 || status === 505 || status === 511) return false
  return status >= 500 && status <= 599
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 10.2.3), as the moment to retry; undefined if absent or unparsable. */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): Date | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim()
  if (text === undefined || text === '') return undefined
  if (/^[0-9]+$/.test(text)) {
    const seconds = Number(text)
    return Number.isSafeInteger(seconds) ? new Date(now + seconds * 1000) : undefined
  }
  // IMF-fixdate and the two obsolete formats all parse with Date.parse; require a weekday-ish
  // shape so that numbers with junk ("10s") are not taken as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined
  const time = Date.parse(text)
  return Number.isNaN(time) ? undefined : new Date(time)
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RegistryResponseError || error instanceof RegistryConnectionError ? error.retryable : false
}

/** The exponential backoff (with up to 25% jitter taken off) before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const o = { ...DEFAULTS, ...options }
  const base = Math.min(o.initialDelayMs * o.factor ** (attempt - 1), o.maxDelayMs)
  return Math.round(base * (1 - Math.random() * 0.25))
}

/** Whether `attempt` (1-based) used up the attempts of a retryable error: why retryDelay gave up, if it did. */
export function attemptsUsedUp(error: unknown, attempt: number, options: RetryOptions = {}): boolean {
  return isRetryable(error) && attempt >= (options.maxAttempts ?? DEFAULTS.maxAttempts)
}

/**
 * How long to wait before retrying after `error` on attempt `attempt` (1-based), or undefined
 * to give up: a permanent error, attempts used up, or a wait that would pass the deadline.
 */
export function retryDelay(error: unknown, attempt: number, options: RetryOptions & RetryContext = {}, now: number = Date.now()): number | undefined {
  const o = { ...DEFAULTS, ...options }
  if (!isRetryable(error) || attemptsUsedUp(error, attempt, o)) return undefined
  let delay = backoffDelay(attempt, o)
  const retryAfter = error instanceof RegistryResponseError ? error.retryAfter : undefined
  if (retryAfter !== undefined) {
    const asked = retryAfter.getTime() - now
    if (options.deadline === undefined && asked > o.maxRetryAfterMs) return undefined
    delay = Math.max(delay, asked)
  }
  if (options.deadline !== undefined && now + delay >= options.deadline) return undefined
  return delay
}

/** Runs `operation` until it succeeds, fails permanently, or retries run out (the last error is thrown). */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions & RetryContext = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await operation(attempt)
    } catch (error) {
      options.signal?.throwIfAborted()
      const delay = retryDelay(error, attempt, options)
      if (delay === undefined) throw error
      options.onRetry?.({ attempt, delayMs: delay, error })
      await sleep(delay, options.signal)
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
