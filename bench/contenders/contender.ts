// A server under test, as the measurements see it.

export type ContenderName = 'ours' | 'nginx' | 'distribution'

export const CONTENDERS: readonly ContenderName[] = ['ours', 'nginx', 'distribution']

export interface Contender extends AsyncDisposable {
  readonly name: ContenderName
  /** `127.0.0.1:PORT`. */
  readonly host: string
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** The server's main process; CPU and memory are summed over it and its children. */
  readonly pid: number
  /** The file this server reads to serve blob `digest` (warmed into the page cache before blob runs). */
  blobFile(repository: string, digest: string): string
  /** Recent server output, for error messages. */
  output(): string
  stop(): Promise<void>
}
