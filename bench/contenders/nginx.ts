// nginx as the limit: static files with sendfile, mapped so that
// /v2/<repo>/blobs/<digest> and /v2/<repo>/manifests/<tag|digest> are symlinks to
// the very blob files of the layout our server serves. Its config, pid file, logs
// and temp dirs all live in the run's temp dir: `nginx -c CONF -p PREFIX -e LOG`.

import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startDaemon, waitUntilReady, type Daemon } from '../../e2e/tools/exec.ts'
import { withFreePort } from '../../e2e/tools/free-port.ts'
import { toolPath } from '../../e2e/tools/require-tool.ts'
import { blobPath, type BenchImage } from '../lib/fixtures.ts'
import { httpGet } from '../lib/http.ts'
import type { Contender } from './contender.ts'

export interface NginxOptions {
  images: readonly BenchImage[]
  /** An empty directory for nginx's prefix (config, root, logs, temp). */
  prefix: string
  /** Default 2: faster than 1 here ("auto" is 2 on a 2-core machine); BENCHMARKS.md has the numbers. */
  workers?: number
  /** Directives of the http block that decide how a file is sent (default {@link SEND_DIRECTIVES}). */
  send?: readonly string[]
}

export async function startNginx(options: NginxOptions): Promise<Contender> {
  const root = join(options.prefix, 'root')
  for (const image of options.images) await linkImage(root, image)
  await mkdir(join(options.prefix, 'tmp'), { recursive: true })
  const nginx = toolPath('nginx')
  const first = options.images[0]
  if (first === undefined) throw new Error('startNginx needs at least one image')
  const { daemon, port } = await withFreePort(async (port) => {
    const conf = join(options.prefix, `nginx-${port}.conf`)
    await writeFile(conf, nginxConf(options, root, port))
    const daemon = startDaemon(nginx, ['-c', conf, '-p', options.prefix, '-e', join(options.prefix, 'error.log')])
    try {
      await waitUntilReady(
        daemon,
        'nginx',
        async () => (await httpGet(`http://127.0.0.1:${port}/v2/${first.repository}/manifests/${first.tag}`)).status === 200,
      )
    } catch (error) {
      await daemon.stop()
      throw error
    }
    return { daemon, port }
  })
  return contender(daemon, port, options.images)
}

function contender(daemon: Daemon, port: number, images: readonly BenchImage[]): Contender {
  const pid = daemon.child.pid
  if (pid === undefined) throw new Error('nginx has no pid')
  const byRepo = new Map(images.map((image) => [image.repository, image]))
  return {
    name: 'nginx',
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    pid,
    blobFile: (repository, digest) => blobPath(byRepo.get(repository)?.layoutDir ?? '', digest),
    output: () => daemon.output(),
    stop: () => daemon.stop(),
    [Symbol.asyncDispose]: () => daemon.stop(),
  }
}

/** ROOT/v2/REPO/{blobs/DIGEST, manifests/TAG, manifests/DIGEST} -> the layout's blob files. */
async function linkImage(root: string, image: BenchImage): Promise<void> {
  const repo = join(root, 'v2', image.repository)
  await mkdir(join(repo, 'blobs'), { recursive: true })
  await mkdir(join(repo, 'manifests'), { recursive: true })
  const manifest = blobPath(image.layoutDir, image.manifestDigest)
  await symlink(manifest, join(repo, 'manifests', image.tag))
  await symlink(manifest, join(repo, 'manifests', image.manifestDigest))
  await symlink(blobPath(image.layoutDir, image.layerDigest), join(repo, 'blobs', image.layerDigest))
}

/**
 * nginx at its best for one file over loopback (BENCHMARKS.md, "nginx's configuration"):
 * sendfile, and no TCP_CORK (tcp_nopush holds back partial frames; 20-40 % slower here).
 */
export const SEND_DIRECTIVES = ['sendfile on', 'tcp_nopush off', 'tcp_nodelay on']

/**
 * nginx at its best for many small requests (BENCHMARKS.md, "The baselines' configuration"):
 * open files (and the symlinks to them) are kept, instead of an open, a stat and a close per
 * request. The files never change during a run.
 */
const FILE_CACHE_DIRECTIVES = ['open_file_cache max=1000 inactive=60s', 'open_file_cache_valid 60s']

function nginxConf(options: NginxOptions, root: string, port: number): string {
  const p = options.prefix
  const manifestLocations = options.images.flatMap((image) =>
    [image.tag, image.manifestDigest].map(
      (ref) => `    location = /v2/${image.repository}/manifests/${ref} {
      default_type ${image.manifestMediaType};
      add_header Docker-Content-Digest ${image.manifestDigest};
    }`,
    ),
  )
  return `# Written by bench/contenders/nginx.ts for one benchmark run.
daemon off;
master_process on;
worker_processes ${options.workers ?? 2};
${process.getuid?.() === 0 ? 'user root root;' : ''}
pid ${p}/nginx.pid;
error_log ${p}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
${[...(options.send ?? SEND_DIRECTIVES), ...FILE_CACHE_DIRECTIVES].map((d) => `  ${d};`).join('\n')}
  keepalive_requests 10000000;
  types {}
  default_type application/octet-stream;
  client_body_temp_path ${p}/tmp/body;
  proxy_temp_path ${p}/tmp/proxy;
  fastcgi_temp_path ${p}/tmp/fastcgi;
  uwsgi_temp_path ${p}/tmp/uwsgi;
  scgi_temp_path ${p}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /v2/ {
      default_type application/json;
      return 200 '{}';
    }
    location ~ "^/v2/.+/blobs/(sha256:[a-f0-9]{64})$" {
      add_header Docker-Content-Digest $1;
    }
${manifestLocations.join('\n')}
  }
}
`
}
