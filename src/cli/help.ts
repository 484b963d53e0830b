// Help texts, kept apart from the commands so that --help loads nothing else (the client's
// timeouts come from a module of constants).

import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, MIN_RESUME_PROGRESS_BYTES } from '../registry/client/timeouts.ts'

export const HELP = `Usage: localregistry <command> [options]

Serves Bazel-built OCI image layouts to hermetic tests through a read-only OCI
Distribution registry, and pulls images from registries into OCI layouts.

Commands:
  serve     Serve OCI image layouts (from Bazel manifests or directories) read-only
  pull      Pull an image from a registry into an OCI image layout directory
  help      Show help for a command: localregistry help serve

Options:
  -h, --help     Show this help
  --version      Print the version

Examples:
  localregistry serve --image app:latest=./layout --listen 127.0.0.1:0
  localregistry serve --manifest bazel-bin/e2e/images.prototxt --ready-file /tmp/url
  localregistry pull 127.0.0.1:5000/app:latest ./out

Run 'localregistry <command> --help' for a command's options.
`

export const DEFAULT_LISTEN = '127.0.0.1:5000'

export const SERVE_HELP = `Usage: localregistry serve [options]

Serves OCI image layouts read-only over the OCI Distribution API (plain HTTP, or HTTPS
with --tls), from Bazel manifests and/or layout directories. Everything is loaded and checked before it
listens; on any error it exits without serving. Once serving, it prints exactly one line
to stdout, the base URL (e.g. http://127.0.0.1:43121); everything else goes to stderr.
SIGINT, SIGTERM, SIGHUP or SIGQUIT stops it (exit 0).

Options:
  --manifest FILE             A localregistry_manifest .prototxt (repeatable). Its image paths
                              are runfiles paths, resolved from --runfiles, RUNFILES_MANIFEST_FILE,
                              RUNFILES_DIR, TEST_SRCDIR, the *.runfiles tree holding FILE, or
                              <program>.runfiles[_manifest], in that order.
  --image REPO[:TAG]=DIR      An OCI image layout directory (repeatable; no Bazel needed):
                                REPO:TAG=DIR  serve it as REPO:TAG; if index.json has several
                                              entries, the one whose ref name is TAG
                                REPO=DIR      serve each index.json entry under its ref name
                                              (org.opencontainers.image.ref.name; a full
                                              reference like docker.io/x:1.0 gives tag 1.0);
                                              entries without one are served by digest only
                                REPO:=DIR     serve every entry by digest only
                              DIR may also be a runfiles path when no such directory exists.
  --listen HOST:PORT          Where to listen (default ${DEFAULT_LISTEN}). Port 0 picks a free
                              port; IPv6 as [::1]:0. 0.0.0.0 or [::] listens on every interface
                              (with a warning: other machines can pull too); the URL printed
                              then names 127.0.0.1 or [::1].
                              For cluster nodes: the host side of the node network (a bridge
                              or veth address, e.g. 198.18.0.1:0), or loopback as the target
                              of a QEMU guest forward that runs a connector per connection:
                              -netdev user,...,guestfwd=tcp:10.42.0.82:5000-cmd:nc -N 127.0.0.1 PORT
                              (a -tcp:127.0.0.1:PORT target carries only the first connection).
  --ready-file FILE           Once serving, write the base URL to FILE (atomically: temp file and
                              rename), so a harness can wait for it. Removed on exit if it is
                              still the file this instance wrote; an existing FILE is left alone
                              until this instance serves (a launcher removes a stale one first).
                              FILE, --ca-out and --client-config are written all or none, FILE
                              last: a start that fails replaces none of them.
  --runfiles DIR_OR_MANIFEST  A runfiles tree or runfiles manifest to resolve manifest paths in,
                              tried before the Bazel variables.
  --log-requests              Log every request to stderr.
  --stop-on-stdin-close       Also stop (exit 0) when standard input reaches its end, e.g. the
                              read end of a pipe whose write end only the parent holds: the
                              registry stops when the parent exits, even by SIGKILL
                              (localregistry_test uses it). With /dev/null it stops at once.

Limits (the defaults suit a test's own clients; raise them for many cluster nodes):
  --max-connections N         Most connections open at once (default 2000, lowered to fit the
                              open-file limit). Over it, a new connection replaces one that made
                              no progress for a second, or is closed at once.
  --send-timeout SECONDS      Close a connection on which nothing moved for this long, e.g. a
                              client that stopped reading or an idle keep-alive connection
                              (default 30; 90s, 5m, 1h also work).
  --blob-memory SIZE          Memory for the buffers all blob downloads share, in bytes or with
                              KiB, MiB or GiB, at least 2MiB (default 64MiB). Each running
                              download takes 2 MiB; more downloads than fit wait their turn.

HTTPS and cluster launchers:
  --tls                       Serve HTTPS with a certificate issued at start-up by a CA made for
                              this run (keys only in memory). It is valid for the listen address,
                              --advertise and every --hostname. The URL printed is https://...
  --hostname NAME             Another DNS name or IP address for the certificate (repeatable),
                              e.g. registry.test.internal, or the guest side of a QEMU forward.
  --tls-key-type TYPE         The keys of the generated CA and certificate: ecdsa (P-256, the
                              default) or rsa (2048 bits, for a client without ECDSA).
  --tls-cert FILE --tls-key FILE
                              Serve HTTPS with this certificate (PEM) instead of generating one.
  --ca-out FILE               Write the generated CA certificate (PEM) to FILE before the URL is
                              printed (atomically), for the nodes to trust.
  --client-config DIR         Before the URL is printed, write configuration that makes container
                              runtimes pull each --mirror-for host's images from this registry:
                                containerd/certs.d/HOST/hosts.toml   containerd config_path
                                containers/registries.conf.d/*.conf  CRI-O, podman, skopeo
                                containers/certs.d/ADDR/ca.crt
                                docker/certs.d/ADDR/ca.crt, docker/daemon.json (registry-mirrors;
                                Docker mirrors Docker Hub only)
                              For containerd and the containers tools this registry is the only
                              source: names it does not serve are "not found", never fetched from
                              the internet (Docker falls back to Docker Hub). Files an earlier
                              run wrote there and this one does not are removed (the record is
                              DIR/.localregistry-written.json); other files are left alone.
  --mirror-for HOST           A registry whose images come from here (repeatable), e.g. docker.io,
                              ghcr.io, registry.test.internal. Serve docker.io/library/app:1.0
                              (and app:1.0) as library/app:1.0, ghcr.io/org/agent:v1 as
                              org/agent:v1: the reference without its registry host.
  --advertise HOST[:PORT]     The address nodes reach this registry at, when it is not the listen
                              address (a guest-forward target, a NAT, a name in the node's
                              /etc/hosts; needed with a --listen on every interface). Written into
                              --client-config; the port defaults to the one listened on.
  -h, --help                  Show this help.

Examples:
  localregistry serve --image app:latest=bazel-bin/app/image --listen 127.0.0.1:0
  localregistry serve --manifest bazel-bin/e2e/images.prototxt \\
      --runfiles bazel-bin/e2e/test.runfiles --ready-file /tmp/registry-url
  localregistry serve --image tools=./layouts/tools --image base:=./layouts/base --log-requests
  localregistry serve --manifest images.prototxt --listen 198.18.0.1:0 --tls \\
      --hostname registry.test.internal --advertise registry.test.internal \\
      --client-config /tmp/node-config --mirror-for docker.io --mirror-for ghcr.io

Exit status: 0 after a stop signal, 1 when loading, listening or writing a file fails, 2 for bad usage;
every failure is one line on stderr.
`

export const PULL_HELP = `Usage: localregistry pull [options] <host[:port]/repository[:tag][@digest]> <dir>

Copies an image or index (with every image in it) from a registry into the OCI image
layout <dir>, creating it or adding to it. Blobs already in <dir> are not fetched again,
everything is verified against its digest, and an interrupted pull leaves <dir> as it
was. Pulled by tag, the layout entry is named after the tag
(org.opencontainers.image.ref.name); with tag and digest, the tag is fetched and must
have that digest. Prints the digest of what was written on stdout.

Pulls may run at once into one <dir>: each keeps the others' entries (index.json is
updated under a lock file, .index.json.lock). Temporary files that a killed pull left
are removed by the next pull into <dir>.

Plain HTTP is used for this machine (localhost, 127.0.0.0/8, [::1], 0.0.0.0, [::]);
HTTPS for everything else. --tls or --plain-http chooses for any host. HTTPS trusts
Node's CAs, the system store and each --ca-file. Transient failures are retried,
broken downloads resumed.

Nothing waits forever: a connection must open within ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s, and a registry that sends no
byte for ${DEFAULT_IDLE_TIMEOUT_MS / 1000} s is given up on (the download resumed). A resume renews the retries
only after ${MIN_RESUME_PROGRESS_BYTES / 1024} KiB of progress, so a registry that keeps cutting the connection
fails the pull after 6 attempts. --timeout bounds the whole pull.

Credentials, when the registry asks for them: --username with the password on stdin, or
else what docker login left in Docker's config ($DOCKER_CONFIG/config.json, default
~/.docker/config.json): its credHelpers and credsStore (docker-credential-* helpers on
PATH) and auths, as Docker reads them. They never appear in a message, and never go
over plain HTTP except to this machine or to a plain-HTTP registry's own host.

Options:
  --tls                  Use HTTPS for any host, this machine included.
  --plain-http           Use plain HTTP for any host.
  --ca-file FILE         Also trust this CA certificate (PEM) for HTTPS (repeatable).
  --platform OS/ARCH     Pull only this platform's image of an index (e.g. linux/arm64,
                         linux/arm/v7).
  --timeout DURATION     Give up when the whole pull takes longer (e.g. 90, 90s, 5m).
  -u, --username USER    Log in as USER, with the password read from stdin
  --password-stdin       (both are needed: a password argument is visible to others).
  -q, --quiet            No progress line, even on a terminal.
  -h, --help             Show this help.

Examples:
  localregistry pull 127.0.0.1:5000/app:latest ./app-layout
  localregistry pull --tls --ca-file "$TMP/ca.pem" 127.0.0.1:5000/app:latest ./app
  localregistry pull --plain-http registry.internal:5000/base@sha256:... ./base
  printf %s "$TOKEN" | localregistry pull -u ci --password-stdin --timeout 10m \\
      registry.example.com/team/app:v2 ./app
`
