// Fake docker-credential-* helpers for tests: shell scripts in a bin directory of the test's own,
// which log the server each `get` was asked about. Test-only: not part of the runtime.

import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Writes `bin/docker-credential-NAME`, which answers `get` by running `body` (sh) with the
 * server it was asked about in $server, and returns the log file of those servers.
 */
export async function writeCredentialHelper(bin: string, name: string, body: string): Promise<string> {
  const log = join(bin, `${name}.log`)
  const file = join(bin, `docker-credential-${name}`)
  await writeFile(file, `#!/bin/sh\n[ "$1" = get ] || exit 3\nread -r server\necho "$server" >> '${log}'\n${body}\n`)
  await chmod(file, 0o755)
  return log
}

/** A helper body that answers with these credentials. */
export function helperAnswer(username: string, secret: string): string {
  return `printf '{"ServerURL":"%s","Username":"${username}","Secret":"${secret}"}' "$server"`
}
