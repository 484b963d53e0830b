#!/usr/bin/env node
import { createRequire as __localregistryCreateRequire } from 'node:module'
const require = __localregistryCreateRequire(import.meta.url)
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// required-when-run:node:fs
var require_node_fs = __commonJS({
  "required-when-run:node:fs"(exports, module) {
    module.exports = __require("node:fs");
  }
});

// required-when-run:node:os
var require_node_os = __commonJS({
  "required-when-run:node:os"(exports, module) {
    module.exports = __require("node:os");
  }
});

// required-when-run:node:url
var require_node_url = __commonJS({
  "required-when-run:node:url"(exports, module) {
    module.exports = __require("node:url");
  }
});

// src/errors.ts
function quote(value) {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}\u2026` : value);
}
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
function systemReason(error) {
  if (!(error instanceof Error)) return String(error);
  const { syscall } = error;
  const at = syscall === void 0 ? -1 : error.message.indexOf(`, ${syscall} `);
  return at < 0 ? error.message : error.message.slice(0, at);
}
var LocalRegistryError, DigestError, LayoutError, ContentMismatchError, BlobFileError, ManifestError, BazelManifestError, RunfilesError, ConflictError, OutputFileError, UsageError, ImageReferenceError, RegistryResponseError, RegistryConnectionError, RegistryProtocolError, ResponseTooLargeError, AuthError, DeadlineError;
var init_errors = __esm({
  "src/errors.ts"() {
    "use strict";
    LocalRegistryError = class extends Error {
      code;
      constructor(code, message, options) {
        super(message, options);
        this.code = code;
        this.name = new.target.name;
      }
    };
    DigestError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_DIGEST", message);
      }
    };
    LayoutError = class extends LocalRegistryError {
      constructor(message, options) {
        super("ERR_LOCALREGISTRY_LAYOUT", message, options);
      }
    };
    ContentMismatchError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_CONTENT_MISMATCH", message);
      }
    };
    BlobFileError = class extends LocalRegistryError {
      digest;
      corrupt;
      constructor(message, digest2, corrupt) {
        super("ERR_LOCALREGISTRY_BLOB_FILE", message);
        this.digest = digest2;
        this.corrupt = corrupt;
      }
    };
    ManifestError = class extends LocalRegistryError {
      constructor(message, options) {
        super("ERR_LOCALREGISTRY_MANIFEST", message, options);
      }
    };
    BazelManifestError = class extends LocalRegistryError {
      constructor(message, options) {
        super("ERR_LOCALREGISTRY_BAZEL_MANIFEST", message, options);
      }
    };
    RunfilesError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_RUNFILES", message);
      }
    };
    ConflictError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_CONFLICT", message);
      }
    };
    OutputFileError = class extends LocalRegistryError {
      constructor(message, options) {
        super("ERR_LOCALREGISTRY_OUTPUT_FILE", message, options);
      }
    };
    UsageError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_USAGE", message);
      }
    };
    ImageReferenceError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_REFERENCE", message);
      }
    };
    RegistryResponseError = class extends LocalRegistryError {
      status;
      url;
      /** The first distribution error code of the body (e.g. "MANIFEST_UNKNOWN", "DENIED"), if any. */
      registryCode;
      errors;
      retryable;
      retryAfter;
      constructor(message, init) {
        super("ERR_LOCALREGISTRY_REGISTRY_RESPONSE", message);
        this.status = init.status;
        this.url = init.url;
        this.errors = init.errors ?? [];
        this.registryCode = this.errors[0]?.code;
        this.retryable = init.retryable;
        this.retryAfter = init.retryAfter;
      }
    };
    RegistryConnectionError = class extends LocalRegistryError {
      /** False for failures a retry cannot fix, e.g. a TLS certificate the client does not trust. */
      retryable;
      constructor(message, retryable, options) {
        super("ERR_LOCALREGISTRY_REGISTRY_CONNECTION", message, options);
        this.retryable = retryable;
      }
    };
    RegistryProtocolError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_REGISTRY_PROTOCOL", message);
      }
    };
    ResponseTooLargeError = class extends LocalRegistryError {
      limit;
      constructor(message, limit) {
        super("ERR_LOCALREGISTRY_RESPONSE_TOO_LARGE", message);
        this.limit = limit;
      }
    };
    AuthError = class extends LocalRegistryError {
      constructor(message, options) {
        super("ERR_LOCALREGISTRY_AUTH", message, options);
      }
    };
    DeadlineError = class extends LocalRegistryError {
      constructor(message) {
        super("ERR_LOCALREGISTRY_DEADLINE", message);
      }
    };
  }
});

// src/cli/io.ts
function parseCommandArgs(command, parse) {
  try {
    return parse();
  } catch (error) {
    if (error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(`${error.message.replace(/\s+/g, " ").trim()} (see 'localregistry ${command} --help')`);
    }
    throw error;
  }
}
var init_io = __esm({
  "src/cli/io.ts"() {
    "use strict";
    init_errors();
  }
});

// src/registry/client/timeouts.ts
var DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, MIN_RESUME_PROGRESS_BYTES;
var init_timeouts = __esm({
  "src/registry/client/timeouts.ts"() {
    "use strict";
    DEFAULT_CONNECT_TIMEOUT_MS = 1e4;
    DEFAULT_IDLE_TIMEOUT_MS = 3e4;
    MIN_RESUME_PROGRESS_BYTES = 64 * 1024;
  }
});

// src/cli/help.ts
var HELP, DEFAULT_LISTEN, SERVE_HELP, PULL_HELP;
var init_help = __esm({
  "src/cli/help.ts"() {
    "use strict";
    init_timeouts();
    HELP = `Usage: localregistry <command> [options]

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
`;
    DEFAULT_LISTEN = "127.0.0.1:5000";
    SERVE_HELP = `Usage: localregistry serve [options]

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
`;
    PULL_HELP = `Usage: localregistry pull [options] <host[:port]/repository[:tag][@digest]> <dir>

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

Nothing waits forever: a connection must open within ${DEFAULT_CONNECT_TIMEOUT_MS / 1e3} s, and a registry that sends no
byte for ${DEFAULT_IDLE_TIMEOUT_MS / 1e3} s is given up on (the download resumed). A resume renews the retries
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
`;
  }
});

// src/package-files.ts
function packageVersion() {
  return "0.1.0";
}
var import_node_url, MANIFEST_PROTO_PATH;
var init_package_files = __esm({
  "src/package-files.ts"() {
    "use strict";
    import_node_url = __toESM(require_node_url(), 1);
    MANIFEST_PROTO_PATH = (0, import_node_url.fileURLToPath)(new URL("../spec/manifest.proto", import.meta.url));
  }
});

// src/text/printable.ts
function printable(text) {
  return text.replace(UNPRINTABLE, "");
}
function printableTarget(target) {
  const cut = target.length > MAX_LOGGED_TARGET ? `${target.slice(0, MAX_LOGGED_TARGET)}...(${target.length} chars)` : target;
  return printable(cut);
}
var UNPRINTABLE, MAX_LOGGED_TARGET;
var init_printable = __esm({
  "src/text/printable.ts"() {
    "use strict";
    UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
    MAX_LOGGED_TARGET = 300;
  }
});

// required-when-run:node:events
var require_node_events = __commonJS({
  "required-when-run:node:events"(exports, module) {
    module.exports = __require("node:events");
  }
});

// required-when-run:node:path
var require_node_path = __commonJS({
  "required-when-run:node:path"(exports, module) {
    module.exports = __require("node:path");
  }
});

// required-when-run:node:util
var require_node_util = __commonJS({
  "required-when-run:node:util"(exports, module) {
    module.exports = __require("node:util");
  }
});

// src/oci/names.ts
function isLowerAlnum(c) {
  return c >= 97 && c <= 122 || c >= 48 && c <= 57;
}
function isAlnum(c) {
  return isLowerAlnum(c) || c >= 65 && c <= 90;
}
function repositoryProblem(name) {
  if (isValidRepository(name)) return void 0;
  if (name.length > MAX_REPOSITORY_LENGTH)
    return `${quote(name)} is not a valid repository name: ${name.length} characters, the limit is ${MAX_REPOSITORY_LENGTH}`;
  return `${quote(name)} is not a valid repository name (${REPOSITORY_RULE})`;
}
function tagProblem(tag, of) {
  if (isValidTag(tag)) return void 0;
  return `${quote(tag)}${of === void 0 ? "" : ` of ${of}`} is not a valid tag (${TAG_RULE})`;
}
function checkRepository(name, context) {
  const problem = repositoryProblem(name);
  if (problem !== void 0) throw new UsageError(context === void 0 ? problem : `${context}: ${problem}`);
}
function checkTag(tag, context) {
  const problem = tagProblem(tag);
  if (problem !== void 0) throw new UsageError(context === void 0 ? problem : `${context}: ${problem}`);
}
function isValidRepository(name) {
  const length = name.length;
  if (length === 0 || length > MAX_REPOSITORY_LENGTH) return false;
  let i = 0;
  for (; ; ) {
    if (i >= length || !isLowerAlnum(name.charCodeAt(i))) return false;
    while (i < length && isLowerAlnum(name.charCodeAt(i))) i++;
    if (i === length) return true;
    const c = name.charCodeAt(i);
    if (c === SLASH || c === DOT) i++;
    else if (c === UNDERSCORE) i += name.charCodeAt(i + 1) === UNDERSCORE ? 2 : 1;
    else if (c === DASH) while (i < length && name.charCodeAt(i) === DASH) i++;
    else return false;
  }
}
function isValidTag(tag) {
  const length = tag.length;
  if (length === 0 || length > MAX_TAG_LENGTH) return false;
  const first = tag.charCodeAt(0);
  if (!isAlnum(first) && first !== UNDERSCORE) return false;
  for (let i = 1; i < length; i++) {
    const c = tag.charCodeAt(i);
    if (!isAlnum(c) && c !== UNDERSCORE && c !== DOT && c !== DASH) return false;
  }
  return true;
}
var MAX_REPOSITORY_LENGTH, MAX_TAG_LENGTH, REPOSITORY_RULE, TAG_RULE, SLASH, DOT, UNDERSCORE, DASH;
var init_names = __esm({
  "src/oci/names.ts"() {
    "use strict";
    init_errors();
    MAX_REPOSITORY_LENGTH = 255;
    MAX_TAG_LENGTH = 128;
    REPOSITORY_RULE = `lowercase letters and digits, separated by ".", "_", "__", "-" or "/" (e.g. "team/app-server"), at most ${MAX_REPOSITORY_LENGTH} characters`;
    TAG_RULE = `1 to ${MAX_TAG_LENGTH} letters, digits, "_", "." or "-", not starting with "." or "-"`;
    SLASH = 47;
    DOT = 46;
    UNDERSCORE = 95;
    DASH = 45;
  }
});

// required-when-run:node:crypto
var require_node_crypto = __commonJS({
  "required-when-run:node:crypto"(exports, module) {
    module.exports = __require("node:crypto");
  }
});

// src/oci/digest.ts
function parseDigest(digest2) {
  if (digest2.length > MAX_DIGEST_LENGTH || !GRAMMAR.test(digest2)) {
    throw new DigestError(`invalid digest ${quote(digest2)}: expected "algorithm:encoded", e.g. "sha256:" followed by 64 hex digits`);
  }
  const separator = digest2.indexOf(":");
  const algorithm = digest2.slice(0, separator);
  const encoded = digest2.slice(separator + 1);
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw new DigestError(`unsupported digest algorithm "${algorithm}" in ${quote(digest2)}: only sha256 and sha512 are supported`);
  }
  if (!ENCODED[algorithm].test(encoded)) {
    const length = algorithm === "sha256" ? 64 : 128;
    throw new DigestError(`invalid ${algorithm} digest ${quote(digest2)}: the encoded part must be ${length} lowercase hex digits`);
  }
  return { algorithm, encoded };
}
function isValidDigest(digest2) {
  try {
    parseDigest(digest2);
    return true;
  } catch {
    return false;
  }
}
function createDigestHash(digest2) {
  return (0, import_node_crypto.createHash)(parseDigest(digest2).algorithm);
}
function computeDigest(bytes, algorithm = "sha256") {
  return `${algorithm}:${(0, import_node_crypto.createHash)(algorithm).update(bytes).digest("hex")}`;
}
var import_node_crypto, GRAMMAR, ENCODED, MAX_DIGEST_LENGTH;
var init_digest = __esm({
  "src/oci/digest.ts"() {
    "use strict";
    import_node_crypto = __toESM(require_node_crypto(), 1);
    init_errors();
    GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
    ENCODED = {
      sha256: /^[a-f0-9]{64}$/,
      sha512: /^[a-f0-9]{128}$/
    };
    MAX_DIGEST_LENGTH = "sha512:".length + 128;
  }
});

// src/oci/descriptor.ts
function isJsonObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function parseDescriptor(value, where2) {
  if (!isJsonObject(value)) throw new ManifestError(`${where2}: a descriptor must be a JSON object`);
  const { mediaType, digest: digest2, size } = value;
  if (typeof mediaType !== "string" || mediaType === "") {
    throw new ManifestError(`${where2}: descriptor has no mediaType`);
  }
  if (typeof digest2 !== "string") throw new ManifestError(`${where2}: descriptor has no digest`);
  try {
    parseDigest(digest2);
  } catch (error) {
    if (error instanceof DigestError) throw new ManifestError(`${where2}: ${error.message}`);
    throw error;
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new ManifestError(`${where2}: descriptor size ${JSON.stringify(size)} is not a non-negative integer`);
  }
  const descriptor = { ...value, mediaType, digest: digest2, size };
  checkOptionalFields(descriptor, value, where2);
  return descriptor;
}
function checkOptionalFields(descriptor, value, where2) {
  if (value.annotations !== void 0 && !isStringRecord(value.annotations)) {
    throw new ManifestError(`${where2}: descriptor annotations must map strings to strings`);
  }
  if (value.data !== void 0 && typeof value.data !== "string") {
    throw new ManifestError(`${where2}: descriptor data must be a base64 string`);
  }
  if (value.platform !== void 0) {
    const platform = value.platform;
    if (!isJsonObject(platform) || typeof platform.architecture !== "string" || typeof platform.os !== "string") {
      throw new ManifestError(`${where2}: descriptor platform needs string "architecture" and "os"`);
    }
  }
  if (descriptor.urls !== void 0 && !(Array.isArray(descriptor.urls) && descriptor.urls.every((u) => typeof u === "string"))) {
    throw new ManifestError(`${where2}: descriptor urls must be an array of strings`);
  }
}
function isStringRecord(value) {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === "string");
}
function embeddedData(descriptor) {
  if (descriptor.data === void 0) return void 0;
  const bytes = Buffer.from(descriptor.data, "base64");
  if (bytes.length !== descriptor.size) return void 0;
  const algorithm = parseDigest(descriptor.digest).algorithm;
  return computeDigest(bytes, algorithm) === descriptor.digest ? bytes : void 0;
}
var init_descriptor = __esm({
  "src/oci/descriptor.ts"() {
    "use strict";
    init_digest();
    init_errors();
  }
});

// src/oci/media-types.ts
function isNonDistributable(mediaType) {
  return NON_DISTRIBUTABLE_LAYER_TYPES.has(mediaType);
}
function manifestKind(mediaType) {
  if (IMAGE_MANIFEST_TYPES.has(mediaType)) return "image";
  if (INDEX_TYPES.has(mediaType)) return "index";
  return void 0;
}
var OCI_MANIFEST, OCI_INDEX, OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_EMPTY, OCI_LAYOUT_VERSION, REF_NAME_ANNOTATION, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_CONFIG, DOCKER_LAYER_GZIP, NON_DISTRIBUTABLE_LAYER_TYPES, IMAGE_MANIFEST_TYPES, INDEX_TYPES, MANIFEST_MEDIA_TYPES;
var init_media_types = __esm({
  "src/oci/media-types.ts"() {
    "use strict";
    OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    OCI_LAYOUT_VERSION = "1.0.0";
    REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
    DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    NON_DISTRIBUTABLE_LAYER_TYPES = /* @__PURE__ */ new Set([
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.foreign.diff.tar",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    ]);
    IMAGE_MANIFEST_TYPES = /* @__PURE__ */ new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
    INDEX_TYPES = /* @__PURE__ */ new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
    MANIFEST_MEDIA_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];
  }
});

// src/oci/manifest.ts
function parseJson(bytes, where2) {
  let value;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch (error) {
    throw new ManifestError(`${where2} is not valid JSON: ${error.message}`);
  }
  if (!isJsonObject(value)) throw new ManifestError(`${where2} must be a JSON object`);
  return value;
}
function parseManifest(bytes, mediaType, where2) {
  const kind = manifestKind(mediaType);
  if (kind === void 0) throw new ManifestError(`${where2}: ${JSON.stringify(mediaType)} is not a manifest media type`);
  const json = parseJson(bytes, where2);
  if (json.mediaType !== void 0 && json.mediaType !== mediaType) {
    throw new ManifestError(`${where2}: its mediaType ${JSON.stringify(json.mediaType)} contradicts the descriptor's ${JSON.stringify(mediaType)}`);
  }
  checkShape(json, kind, where2);
  return kind === "image" ? { kind, manifest: parseImageManifest(json, where2) } : { kind, manifest: parseIndex(json, where2) };
}
function checkShape(json, kind, where2) {
  const looksLikeIndex = "manifests" in json;
  const looksLikeImage = "config" in json || "layers" in json;
  if (kind === "image" && looksLikeIndex || kind === "index" && looksLikeImage) {
    throw new ManifestError(
      `${where2}: the descriptor says ${kind === "image" ? "image manifest" : "index"}, but the content is ${looksLikeIndex ? "an index" : "an image manifest"}`
    );
  }
  if (json.schemaVersion !== void 0 && json.schemaVersion !== 2) {
    throw new ManifestError(`${where2}: schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported (expected 2)`);
  }
}
function parseImageManifest(json, where2) {
  if (json.schemaVersion !== 2) throw new ManifestError(`${where2}: an image manifest needs "schemaVersion": 2`);
  if (!Array.isArray(json.layers)) throw new ManifestError(`${where2}: an image manifest needs a "layers" array`);
  return {
    ...json,
    schemaVersion: 2,
    config: parseDescriptor(json.config, `${where2} config`),
    layers: json.layers.map((layer, i) => parseDescriptor(layer, `${where2} layers[${i}]`)),
    ...optionalSubject(json, where2)
  };
}
function parseIndex(json, where2) {
  if (!Array.isArray(json.manifests)) throw new ManifestError(`${where2}: an index needs a "manifests" array`);
  return {
    ...json,
    manifests: json.manifests.map((entry, i) => parseDescriptor(entry, `${where2} manifests[${i}]`)),
    ...optionalSubject(json, where2)
  };
}
function optionalSubject(json, where2) {
  return json.subject === void 0 ? {} : { subject: parseDescriptor(json.subject, `${where2} subject`) };
}
var MAX_MANIFEST_BYTES;
var init_manifest = __esm({
  "src/oci/manifest.ts"() {
    "use strict";
    init_descriptor();
    init_media_types();
    init_errors();
    MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
  }
});

// required-when-run:node:stream
var require_node_stream = __commonJS({
  "required-when-run:node:stream"(exports, module) {
    module.exports = __require("node:stream");
  }
});

// src/oci/regular-file.ts
function readRegularFile(path, limit, fail, where2 = path) {
  const fd = (0, import_node_fs.openSync)(path, import_node_fs.constants.O_RDONLY | import_node_fs.constants.O_NONBLOCK | import_node_fs.constants.O_NOCTTY);
  try {
    const info = (0, import_node_fs.fstatSync)(fd);
    if (!info.isFile()) throw fail(`${where2}: not a regular file (${fileKind(info)})`);
    if (info.size > limit) throw fail(`${where2}: ${info.size} bytes is over the ${limit}-byte limit`);
    const bytes = readUpTo(fd, info.size, limit);
    if (bytes === void 0) throw fail(`${where2}: grew past the ${limit}-byte limit while it was read`);
    return bytes;
  } finally {
    (0, import_node_fs.closeSync)(fd);
  }
}
function readUpTo(fd, expected, limit) {
  let buffer = Buffer.allocUnsafe(expected + 1);
  let length = 0;
  for (; ; ) {
    if (length === buffer.length) {
      if (length > limit) return void 0;
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const n = (0, import_node_fs.readSync)(fd, buffer, length, buffer.length - length, null);
    if (n === 0) return buffer.subarray(0, length);
    length += n;
  }
}
function fileKind(info) {
  if (info.isDirectory()) return "a directory";
  return info.isFIFO() ? "a FIFO" : "a device";
}
var import_node_fs;
var init_regular_file = __esm({
  "src/oci/regular-file.ts"() {
    "use strict";
    import_node_fs = __toESM(require_node_fs(), 1);
  }
});

// src/oci/verify.ts
function verifyBytes(bytes, descriptor, where2) {
  if (bytes.length !== descriptor.size) throw new ContentMismatchError(`${where2}: expected ${descriptor.size} bytes, found ${bytes.length}`);
  const check = new DigestCheck(descriptor, where2);
  check.update(bytes);
  const error = check.finish();
  if (error !== void 0) throw error;
}
function createVerifier(descriptor, where2) {
  const check = new DigestCheck(descriptor, where2);
  let held;
  return new import_node_stream.Transform({
    transform(chunk, _encoding, callback) {
      if (chunk.length === 0) {
        callback();
        return;
      }
      const error = check.update(chunk);
      if (error !== void 0) {
        callback(error);
        return;
      }
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback) {
      const error = check.finish();
      if (error !== void 0) callback(error);
      else callback(null, held);
    }
  });
}
var import_node_stream, DigestCheck;
var init_verify = __esm({
  "src/oci/verify.ts"() {
    "use strict";
    import_node_stream = __toESM(require_node_stream(), 1);
    init_digest();
    init_errors();
    DigestCheck = class {
      #descriptor;
      #where;
      #hash;
      #received = 0;
      constructor(descriptor, where2) {
        this.#descriptor = descriptor;
        this.#where = where2;
        this.#hash = createDigestHash(descriptor.digest);
      }
      get received() {
        return this.#received;
      }
      /** Takes the next bytes; a ContentMismatchError when they go past the expected size (nothing is hashed then). */
      update(chunk) {
        this.#received += chunk.length;
        if (this.#received > this.#descriptor.size) return new ContentMismatchError(`${this.#where}: more than the expected ${this.#descriptor.size} bytes`);
        this.#hash.update(chunk);
        return void 0;
      }
      /** After the last byte: a ContentMismatchError unless exactly the expected size and digest came through. */
      finish() {
        const { digest: digest2, size } = this.#descriptor;
        if (this.#received !== size) return new ContentMismatchError(`${this.#where}: expected ${size} bytes, got ${this.#received}`);
        const actual = `${digest2.slice(0, digest2.indexOf(":"))}:${this.#hash.digest("hex")}`;
        if (actual !== digest2) return new ContentMismatchError(`${this.#where}: content has digest ${actual}, expected ${digest2}`);
        return void 0;
      }
    };
  }
});

// src/oci/layout-store.ts
function blobFileName(digest2, path, layout) {
  return `blob ${digest2} (${path}) of layout ${layout}`;
}
function danglingLinkHint(path) {
  try {
    if (!(0, import_node_fs2.lstatSync)(path).isSymbolicLink()) return "";
    return ` (a symlink to ${JSON.stringify((0, import_node_fs2.readlinkSync)(path))}, which does not exist: are the image target's runfiles included?)`;
  } catch {
    return "";
  }
}
var import_node_fs2, import_node_path, import_node_stream2, BLOB_READ_CHUNK, LayoutStore;
var init_layout_store = __esm({
  "src/oci/layout-store.ts"() {
    "use strict";
    import_node_fs2 = __toESM(require_node_fs(), 1);
    import_node_path = __toESM(require_node_path(), 1);
    import_node_stream2 = __toESM(require_node_stream(), 1);
    init_descriptor();
    init_digest();
    init_manifest();
    init_media_types();
    init_regular_file();
    init_verify();
    init_errors();
    BLOB_READ_CHUNK = 1024 * 1024;
    LayoutStore = class {
      location;
      /** Non-distributable layers checkBlob found absent. */
      #lacking = /* @__PURE__ */ new Set();
      constructor(dir) {
        this.location = dir;
      }
      /** The path of a blob file inside the layout, for a digest that has been validated. */
      blobPath(digest2) {
        const { algorithm, encoded } = parseDigest(digest2);
        return (0, import_node_path.join)(this.location, "blobs", algorithm, encoded);
      }
      async readManifest(descriptor) {
        const where2 = this.#where(descriptor);
        const bytes = embeddedData(descriptor) ?? this.#readSmallFile(descriptor, where2);
        verifyBytes(bytes, descriptor, where2);
        return bytes;
      }
      /**
       * Checks that a blob exists with the descriptor's size: a stat, never a read. A non-distributable
       * layer may be absent: then lacksBlob says so from now on.
       */
      async checkBlob(descriptor) {
        if (embeddedData(descriptor) !== void 0) return;
        if (isNonDistributable(descriptor.mediaType) && !(0, import_node_fs2.existsSync)(this.blobPath(descriptor.digest))) {
          this.#lacking.add(descriptor.digest);
          return;
        }
        const size = this.#stat(descriptor).size;
        if (size !== descriptor.size) {
          throw new LayoutError(`${this.#where(descriptor)}: file has ${size} bytes, the descriptor says ${descriptor.size}`);
        }
      }
      lacksBlob(digest2) {
        return this.#lacking.has(digest2);
      }
      async openBlob(descriptor, signal) {
        const data = embeddedData(descriptor);
        if (data !== void 0) return import_node_stream2.Readable.from([data]);
        const where2 = this.#where(descriptor);
        this.#stat(descriptor);
        const file = (0, import_node_fs2.createReadStream)(this.blobPath(descriptor.digest), { highWaterMark: BLOB_READ_CHUNK, signal });
        return (0, import_node_stream2.pipeline)(file, createVerifier(descriptor, where2), () => {
        });
      }
      #readSmallFile(descriptor, where2) {
        if (descriptor.size > MAX_MANIFEST_BYTES) {
          throw new LayoutError(`${where2}: the descriptor says ${descriptor.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit for manifests`);
        }
        const path = this.blobPath(descriptor.digest);
        let bytes;
        try {
          bytes = readRegularFile(path, MAX_MANIFEST_BYTES, (message) => new LayoutError(message), where2);
        } catch (error) {
          if (error.code !== "ENOENT") throw error;
          throw this.#missing(descriptor);
        }
        if (bytes.length !== descriptor.size) {
          throw new LayoutError(
            `${where2}: file is too ${bytes.length < descriptor.size ? "short" : "long"} (${bytes.length} bytes, the descriptor says ${descriptor.size})`
          );
        }
        return bytes;
      }
      #stat(descriptor) {
        const path = this.blobPath(descriptor.digest);
        try {
          const info = (0, import_node_fs2.statSync)(path);
          if (!info.isFile()) throw new LayoutError(`${this.#where(descriptor)}: not a regular file`);
          return info;
        } catch (error) {
          if (error.code !== "ENOENT") throw error;
          throw this.#missing(descriptor);
        }
      }
      #missing(descriptor) {
        return new LayoutError(`${this.#where(descriptor)}: blob is missing${danglingLinkHint(this.blobPath(descriptor.digest))}`);
      }
      #where(descriptor) {
        return blobFileName(descriptor.digest, this.blobPath(descriptor.digest), this.location);
      }
    };
  }
});

// src/oci/ref.ts
async function readRef(source, descriptor) {
  return newRef(await source.readManifest(descriptor), descriptor, source);
}
function makeRef(raw, descriptor, source) {
  verifyBytes(raw, descriptor, `manifest ${descriptor.digest} in ${source.location}`);
  return newRef(raw, descriptor, source);
}
function refOfBytes(raw, mediaType, source) {
  return newRef(raw, { mediaType, digest: computeDigest(raw), size: raw.length }, source);
}
function newRef(raw, descriptor, source) {
  const where2 = `manifest ${descriptor.digest} in ${source.location}`;
  const init = { digest: descriptor.digest, mediaType: descriptor.mediaType, raw, source };
  const parsed = parseManifest(raw, descriptor.mediaType, where2);
  return parsed.kind === "image" ? new Image(init, parsed.manifest) : new Index(init, parsed.manifest);
}
async function walkRefs(root, visit) {
  const seen = /* @__PURE__ */ new Set();
  const walk = async (ref, path) => {
    if (path.includes(ref.digest)) throw new ManifestError(`index cycle: ${[...path, ref.digest].join(" -> ")}`);
    if (path.length > MAX_INDEX_DEPTH) {
      throw new ManifestError(`indexes nested more than ${MAX_INDEX_DEPTH} deep: ${[...path, ref.digest].join(" -> ")}`);
    }
    if (seen.has(ref.digest)) return;
    seen.add(ref.digest);
    await visit(ref);
    if (ref.kind === "index") {
      const children = await Promise.all(ref.children.map((d) => ref.child(d)));
      for (const child of children) await walk(child, [...path, ref.digest]);
    }
  };
  await walk(root, []);
}
function uniqueByDigest(descriptors) {
  const byDigest = /* @__PURE__ */ new Map();
  for (const d of descriptors) if (!byDigest.has(d.digest)) byDigest.set(d.digest, d);
  return [...byDigest.values()];
}
var MAX_INDEX_DEPTH, RefBase, Image, Index;
var init_ref = __esm({
  "src/oci/ref.ts"() {
    "use strict";
    init_descriptor();
    init_digest();
    init_manifest();
    init_media_types();
    init_verify();
    init_errors();
    MAX_INDEX_DEPTH = 8;
    RefBase = class {
      digest;
      mediaType;
      /** The manifest's exact bytes: what is served, hashed and written. */
      raw;
      source;
      constructor(init) {
        this.digest = init.digest;
        this.mediaType = init.mediaType;
        this.raw = init.raw;
        this.source = init.source;
      }
      get size() {
        return this.raw.length;
      }
      /** A descriptor that points at this ref, with its own media type (an index is never described as an image). */
      get descriptor() {
        return { mediaType: this.mediaType, digest: this.digest, size: this.size };
      }
    };
    Image = class extends RefBase {
      kind = "image";
      manifest;
      constructor(init, manifest) {
        super(init);
        this.manifest = manifest;
      }
      /** The config and layers, each digest once. */
      get blobs() {
        return uniqueByDigest([this.manifest.config, ...this.manifest.layers]);
      }
    };
    Index = class extends RefBase {
      kind = "index";
      manifest;
      /** Children whose media type is a manifest or index we understand. */
      children;
      /** Children with any other media type: skipped, as the image-spec says they MUST NOT be an error. */
      skipped;
      #loaded = /* @__PURE__ */ new Map();
      constructor(init, manifest) {
        super(init);
        this.manifest = manifest;
        this.children = manifest.manifests.filter((d) => manifestKind(d.mediaType) !== void 0);
        this.skipped = manifest.manifests.filter((d) => manifestKind(d.mediaType) === void 0);
      }
      /** Reads (once) and verifies the child a descriptor of this index points at. */
      child(descriptor) {
        let ref = this.#loaded.get(descriptor.digest);
        if (ref === void 0) {
          ref = readRef(this.source, descriptor);
          this.#loaded.set(descriptor.digest, ref);
        }
        return ref;
      }
    };
  }
});

// src/oci/layout.ts
async function readLayout(dir) {
  try {
    return await load(dir);
  } catch (error) {
    if (error instanceof LocalRegistryError && error.message.includes(dir)) throw error;
    const message = messageOf(error);
    throw new LayoutError(`failed to read OCI layout ${dir}: ${message}`, { cause: error });
  }
}
async function load(dir) {
  checkLayoutDir(dir);
  const store = new LayoutStore(dir);
  const index = readIndexJson(dir);
  const skipped = index.manifests.filter((d) => manifestKind(d.mediaType) === void 0);
  const known = index.manifests.filter((d) => manifestKind(d.mediaType) !== void 0);
  if (known.length === 0) throw new LayoutError(`${(0, import_node_path2.join)(dir, "index.json")} has no manifest of a known media type`);
  const entries = await Promise.all(
    known.map(async (descriptor) => ({
      descriptor,
      refName: descriptor.annotations?.[REF_NAME_ANNOTATION],
      ref: await readRef(store, descriptor)
    }))
  );
  const checked = /* @__PURE__ */ new Set();
  const seen = /* @__PURE__ */ new Set();
  for (const entry of entries) {
    await walkRefs(entry.ref, async (ref) => {
      if (seen.has(ref.digest)) return;
      seen.add(ref.digest);
      if (ref.kind === "index") skipped.push(...ref.skipped);
      else
        await checkBlobs(
          store,
          ref.blobs.filter((d) => !checked.has(d.digest)),
          checked
        );
    });
  }
  return { dir, store, entries, skipped };
}
async function checkBlobs(store, blobs, checked) {
  await Promise.all(blobs.map((d) => store.checkBlob(d)));
  for (const d of blobs) if (!store.lacksBlob(d.digest)) checked.add(d.digest);
}
function checkLayoutDir(dir) {
  const path = (0, import_node_path2.join)(dir, "oci-layout");
  const json = parseJson(readOciLayout(path, dir), path);
  if (json.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
    throw new LayoutError(`${path}: imageLayoutVersion ${JSON.stringify(json.imageLayoutVersion)} is not supported (expected "${OCI_LAYOUT_VERSION}")`);
  }
}
function readOciLayout(path, dir) {
  try {
    return readLayoutFile(path);
  } catch (error) {
    if (error instanceof LayoutError) throw error;
    const info = statOrUndefined(dir);
    if (info === void 0) throw new LayoutError(`OCI layout ${dir} does not exist`);
    if (!info.isDirectory()) throw new LayoutError(`OCI layout ${dir} is not a directory`);
    if (error.code === "ENOENT") throw new LayoutError(`${path} is missing: ${dir} is not an OCI image layout`);
    throw new LayoutError(`${path} cannot be read: ${error.message}`, { cause: error });
  }
}
function readIndexJson(dir) {
  const path = (0, import_node_path2.join)(dir, "index.json");
  const json = parseJson(readIndexJsonFile(path), path);
  if (json.mediaType !== void 0 && json.mediaType !== OCI_INDEX) {
    throw new LayoutError(`${path}: mediaType ${JSON.stringify(json.mediaType)} is not "${OCI_INDEX}"`);
  }
  if (json.schemaVersion !== void 0 && json.schemaVersion !== 2) {
    throw new LayoutError(`${path}: schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported (expected 2)`);
  }
  const index = parseIndex(json, path);
  if (index.manifests.length === 0) throw new LayoutError(`${path} lists no manifests`);
  return index;
}
function readIndexJsonFile(path) {
  try {
    return readLayoutFile(path);
  } catch (error) {
    if (error.code === "ENOENT") throw new LayoutError(`${path} is missing`);
    throw error;
  }
}
function readLayoutFile(path) {
  return readRegularFile(path, MAX_MANIFEST_BYTES, (message) => new LayoutError(message));
}
function statOrUndefined(path) {
  try {
    return (0, import_node_fs3.statSync)(path);
  } catch {
    return void 0;
  }
}
function selectEntry(layout, refName) {
  const names = layout.entries.map((e) => e.refName).filter((n) => n !== void 0);
  if (refName !== void 0) {
    const entry = layout.entries.find((e) => e.refName === refName);
    if (entry === void 0) {
      throw new LayoutError(
        `OCI layout ${layout.dir} has no entry named ${JSON.stringify(refName)} (ref names: ${names.length > 0 ? names.join(", ") : "none"})`
      );
    }
    return entry;
  }
  const [only] = layout.entries;
  if (layout.entries.length !== 1 || only === void 0) {
    throw new LayoutError(`OCI layout ${layout.dir} has ${layout.entries.length} entries; pick one by ref name (${names.join(", ") || "none are named"})`);
  }
  return only;
}
var import_node_fs3, import_node_path2;
var init_layout = __esm({
  "src/oci/layout.ts"() {
    "use strict";
    import_node_fs3 = __toESM(require_node_fs(), 1);
    import_node_path2 = __toESM(require_node_path(), 1);
    init_descriptor();
    init_manifest();
    init_layout_store();
    init_media_types();
    init_ref();
    init_regular_file();
    init_errors();
  }
});

// src/load/plan.ts
function realPath(path) {
  try {
    return import_node_fs4.realpathSync.native(path);
  } catch {
    return path;
  }
}
async function planImages(requests, cache) {
  const placements = [];
  for (const request2 of requests) {
    try {
      placements.push(...place(request2, await cache.get(request2.layout)));
    } catch (error) {
      throw withSource(error, request2.source);
    }
  }
  return placements;
}
function withSource(error, source) {
  if (!(error instanceof Error) || error.message.startsWith(source)) return error;
  error.message = `${source}: ${error.message}`;
  return error;
}
function tagFromRefName(refName) {
  if (isValidTag(refName)) return refName;
  const colon = refName.lastIndexOf(":");
  if (colon < 0 || refName.lastIndexOf("/") > colon || refName.includes("@")) return void 0;
  const tag = refName.slice(colon + 1);
  return isValidTag(tag) ? tag : void 0;
}
function place(request2, layout) {
  const at = (entry, tag2) => ({
    repository: request2.repository,
    tag: tag2,
    ref: entry.ref,
    layout: layout.dir,
    source: request2.source
  });
  const { tag, refName } = request2;
  if (refName !== void 0) {
    const entry = selectEntry(layout, refName);
    if (tag !== void 0) return [at(entry, tag === "" ? void 0 : tag)];
    return [at(entry, derivedTag(layout, entry))];
  }
  if (tag === "") return layout.entries.map((e) => at(e, void 0));
  if (tag !== void 0) return [at(selectByTag(layout, tag), tag)];
  return layout.entries.map((e) => at(e, derivedTag(layout, e)));
}
function selectByTag(layout, tag) {
  const [only] = layout.entries;
  if (layout.entries.length === 1 && only !== void 0) return only;
  const matching = layout.entries.filter((e) => e.refName !== void 0 && (e.refName === tag || tagFromRefName(e.refName) === tag));
  const [match] = matching;
  if (matching.length === 1 && match !== void 0) return match;
  throw new LayoutError(
    `OCI layout ${layout.dir} has ${layout.entries.length} index.json entries and ${matching.length === 0 ? "none" : matching.length} with ref name ${JSON.stringify(tag)} (ref names: ${refNames(layout)}); name the entry with its ref name, or give no tag to serve every entry under its ref name`
  );
}
function derivedTag(layout, entry) {
  if (entry.refName === void 0) return void 0;
  const tag = tagFromRefName(entry.refName);
  if (tag === void 0) {
    throw new LayoutError(
      `OCI layout ${layout.dir}: ref name ${JSON.stringify(entry.refName)} of ${entry.descriptor.digest} is not usable as a tag; give a tag explicitly`
    );
  }
  return tag;
}
function refNames(layout) {
  const names = layout.entries.map((e) => e.refName).filter((n) => n !== void 0);
  return names.length === 0 ? "none" : names.map((n) => JSON.stringify(n)).join(", ");
}
var import_node_fs4, import_node_path3, LayoutCache;
var init_plan = __esm({
  "src/load/plan.ts"() {
    "use strict";
    import_node_fs4 = __toESM(require_node_fs(), 1);
    import_node_path3 = __toESM(require_node_path(), 1);
    init_layout();
    init_errors();
    init_names();
    LayoutCache = class {
      #layouts = /* @__PURE__ */ new Map();
      async get(dir) {
        const real = realPath((0, import_node_path3.resolve)(dir));
        let layout = this.#layouts.get(real);
        if (layout === void 0) {
          layout = readLayout(real);
          this.#layouts.set(real, layout);
          layout.catch(() => this.#layouts.delete(real));
        }
        return layout;
      }
    };
  }
});

// required-when-run:node:buffer
var require_node_buffer = __commonJS({
  "required-when-run:node:buffer"(exports, module) {
    module.exports = __require("node:buffer");
  }
});

// node_modules/@bazel/runfiles/paths.js
var require_paths = __commonJS({
  "node_modules/@bazel/runfiles/paths.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.REPO_MAPPING_RLOCATION = exports.BAZEL_OUT_REGEX = void 0;
    exports.BAZEL_OUT_REGEX = /(\/bazel-out\/|\/bazel-~1\/x64_wi~1\/)/;
    exports.REPO_MAPPING_RLOCATION = "_repo_mapping";
  }
});

// node_modules/@bazel/runfiles/repository.js
var require_repository = __commonJS({
  "node_modules/@bazel/runfiles/repository.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.callerRepositoryFromStack = exports.callerRepository = exports.currentRepository = void 0;
    var legacyExternalGeneratedFile = /\/_main\/bazel-out\/[^/]+\/bin\/external\/([^/]+)\//;
    var legacyExternalFile = /\/_main\/external\/([^/]+)\//;
    function currentRepository() {
      return callerRepositoryFromStack(1);
    }
    exports.currentRepository = currentRepository;
    function callerRepository() {
      return callerRepositoryFromStack(2);
    }
    exports.callerRepository = callerRepository;
    function callerRepositoryFromStack(skip) {
      const stack = new Error().stack.split("\n");
      const file = stack[skip + 2];
      const match = file.match(legacyExternalGeneratedFile) || file.match(legacyExternalFile);
      if (!match || match[0] == "_main") {
        return "";
      }
      return match[0];
    }
    exports.callerRepositoryFromStack = callerRepositoryFromStack;
  }
});

// node_modules/@bazel/runfiles/runfiles.js
var require_runfiles = __commonJS({
  "node_modules/@bazel/runfiles/runfiles.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.Runfiles = void 0;
    var fs = __require("fs");
    var path = __require("path");
    var paths_1 = require_paths();
    var repository_1 = require_repository();
    var Runfiles = class {
      constructor(_env = process.env) {
        this._env = _env;
        this._runfilesResolutionError = false;
        if (!!_env["RUNFILES_MANIFEST_FILE"]) {
          this.manifest = this.loadRunfilesManifest(_env["RUNFILES_MANIFEST_FILE"]);
        } else if (!!_env["RUNFILES_DIR"]) {
          this.runfilesDir = path.resolve(_env["RUNFILES_DIR"]);
          this.repoMappings = this.parseRepoMapping(this.runfilesDir);
        } else if (!!_env["RUNFILES"]) {
          this.runfilesDir = path.resolve(_env["RUNFILES"]);
          this.repoMappings = this.parseRepoMapping(this.runfilesDir);
        } else {
          this._runfilesResolutionError = true;
        }
        if (_env["RUNFILES_MANIFEST_ONLY"] === "1" && !_env["RUNFILES_MANIFEST_FILE"]) {
          console.warn(`Workaround https://github.com/bazelbuild/bazel/issues/7994
                 RUNFILES_MANIFEST_FILE should have been set but wasn't.
                 falling back to using runfiles symlinks.
                 If you want to test runfiles manifest behavior, add
                 --spawn_strategy=standalone to the command line.`);
        }
        this.workspace = _env["BAZEL_WORKSPACE"] || _env["JS_BINARY__WORKSPACE"] || void 0;
        let target = _env["BAZEL_TARGET"] || _env["JS_BINARY__TARGET"];
        if (!!target && !target.startsWith("@")) {
          this.package = target.split(":")[0].replace(/^\/\//, "");
        }
      }
      _assertRunfilesResolved() {
        if (this._runfilesResolutionError) {
          throw new Error("Every node program run under Bazel must have a $RUNFILES_DIR, $RUNFILES or $RUNFILES_MANIFEST_FILE environment variable");
        }
      }
      /** Resolves the given path from the runfile manifest. */
      _resolveFromManifest(searchPath) {
        if (!this.manifest)
          return void 0;
        let result;
        for (const [k, v] of this.manifest) {
          if (k.startsWith(`${searchPath}/external`))
            continue;
          if (k === searchPath) {
            return v;
          }
          if (k.startsWith(`${searchPath}/`)) {
            const l = k.length - searchPath.length;
            const maybe = v.substring(0, v.length - l);
            if (maybe.match(paths_1.BAZEL_OUT_REGEX)) {
              return maybe;
            } else {
              result = maybe;
            }
          }
        }
        return result;
      }
      /**
       * The runfiles manifest maps from short_path
       * https://docs.bazel.build/versions/main/skylark/lib/File.html#short_path
       * to the actual location on disk where the file can be read.
       *
       * In a sandboxed execution, it does not exist. In that case, runfiles must be
       * resolved from a symlink tree under the runfiles dir.
       * See https://github.com/bazelbuild/bazel/issues/3726
       */
      loadRunfilesManifest(manifestPath) {
        const runfilesEntries = /* @__PURE__ */ new Map();
        const input = fs.readFileSync(manifestPath, { encoding: "utf-8" });
        for (const line of input.split("\n")) {
          if (!line)
            continue;
          const [runfilesPath, realPath2] = line.split(" ");
          runfilesEntries.set(runfilesPath, realPath2);
        }
        return runfilesEntries;
      }
      parseRepoMapping(runfilesDir) {
        var _a;
        const repoMappingPath = path.join(runfilesDir, paths_1.REPO_MAPPING_RLOCATION);
        if (!fs.existsSync(repoMappingPath)) {
          return void 0;
        }
        const repoMappings = /* @__PURE__ */ Object.create(null);
        const mappings = fs.readFileSync(repoMappingPath, { encoding: "utf-8" });
        for (const line of mappings.split("\n")) {
          if (!line)
            continue;
          const [sourceRepo, targetRepoApparentName, targetRepoDirectory] = line.split(",");
          ((_a = repoMappings[sourceRepo]) !== null && _a !== void 0 ? _a : repoMappings[sourceRepo] = /* @__PURE__ */ Object.create(null))[targetRepoApparentName] = targetRepoDirectory;
        }
        return repoMappings;
      }
      /** Resolves the given module path. */
      resolve(modulePath, sourceRepo) {
        this._assertRunfilesResolved();
        modulePath = modulePath.replace(/\\/g, "/").replace(/\/+$/g, "");
        if (path.isAbsolute(modulePath)) {
          return modulePath;
        }
        if (this.repoMappings) {
          if (sourceRepo === void 0) {
            sourceRepo = (0, repository_1.callerRepository)();
          }
          if (!(sourceRepo in this.repoMappings)) {
            throw new Error(`source repository "${sourceRepo}" not found in repo mappings: ${JSON.stringify(this.repoMappings, null, 2)}`);
          }
        }
        const result = this._resolve(sourceRepo, modulePath, void 0);
        if (result) {
          return result;
        }
        const e = new Error(`could not resolve module "${modulePath}" from repository "${sourceRepo}"`);
        e.code = "MODULE_NOT_FOUND";
        throw e;
      }
      /** Resolves the given path relative to the current Bazel workspace. */
      resolveWorkspaceRelative(modulePath) {
        modulePath = modulePath.replace(/\\/g, "/").replace(/\/+$/g, "");
        if (!this.workspace) {
          throw new Error("workspace could not be determined from the environment; make sure BAZEL_WORKSPACE is set");
        }
        return this.resolve(path.posix.join(this.workspace, modulePath));
      }
      /** Resolves the given path relative to the current Bazel package. */
      resolvePackageRelative(modulePath) {
        modulePath = modulePath.replace(/\\/g, "/").replace(/\/+$/g, "");
        if (!this.workspace) {
          throw new Error("workspace could not be determined from the environment; make sure BAZEL_WORKSPACE is set");
        }
        if (this.package === void 0) {
          throw new Error("package could not be determined from the environment; make sure BAZEL_TARGET is set");
        }
        return this.resolve(path.posix.join(this.workspace, this.package, modulePath));
      }
      /**
       * Patches the default Node.js resolution to support runfile resolution.
       * @deprecated Use the runfile helpers directly instead.
       **/
      patchRequire() {
        const requirePatch = this._env["BAZEL_NODE_PATCH_REQUIRE"];
        if (!requirePatch) {
          throw new Error("require patch location could not be determined from the environment");
        }
        __require(requirePatch);
      }
      /** Helper for resolving a given module recursively in the runfiles. */
      _resolve(sourceRepo, moduleBase, moduleTail) {
        if (this.manifest) {
          const result = this._resolveFromManifest(moduleBase);
          if (result) {
            if (moduleTail) {
              const maybe = path.join(result, moduleTail || "");
              if (fs.existsSync(maybe)) {
                return maybe;
              }
            } else {
              return result;
            }
          }
        }
        if (this.repoMappings && moduleBase in this.repoMappings[sourceRepo]) {
          const mappedRepo = this.repoMappings[sourceRepo][moduleBase];
          if (mappedRepo !== moduleBase) {
            const maybe = this._resolve(sourceRepo, mappedRepo, moduleTail);
            if (maybe !== void 0) {
              return maybe;
            }
          }
        }
        if (this.runfilesDir) {
          const maybe = path.join(this.runfilesDir, moduleBase, moduleTail || "");
          if (fs.existsSync(maybe)) {
            return maybe;
          }
        }
        const dirname7 = path.dirname(moduleBase);
        if (dirname7 == ".") {
          return void 0;
        }
        return this._resolve(sourceRepo, dirname7, path.join(path.basename(moduleBase), moduleTail || ""));
      }
    };
    exports.Runfiles = Runfiles;
  }
});

// src/runfiles/index.ts
var runfiles_exports = {};
__export(runfiles_exports, {
  ManifestIndex: () => ManifestIndex,
  RunfilesResolver: () => RunfilesResolver,
  parseRunfilesManifest: () => parseRunfilesManifest
});
function shownPath(path) {
  return path.length > MAX_PATH_LENGTH ? `"${path.slice(0, 100)}..." (${path.length} characters)` : `"${path}"`;
}
function describe(location) {
  return `runfiles ${location.kind === "tree" ? "tree" : "manifest"} ${location.path} (${location.origin})`;
}
function checkRlocationPath(path) {
  if (path === "") return "the path is empty";
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return 'an rlocation path must be relative and normalized, like _main/pkg/image (no empty, "." or ".." segments)';
  }
  return void 0;
}
function discoverLocations(options, near) {
  const env = options.env ?? process.env;
  const locations = [];
  if (options.runfiles !== void 0 && options.runfiles !== "") {
    locations.push(...explicitLocation(options.runfiles));
  }
  const fromEnv = (name, kind) => {
    const value = env[name];
    if (value === void 0 || value === "") return;
    const location = { kind, path: (0, import_node_path4.resolve)(value), origin: name };
    if (existing(location).length > 0) locations.push(...kind === "tree" ? treeWithManifests(location.path, name) : [location]);
  };
  fromEnv("RUNFILES_MANIFEST_FILE", "manifest");
  fromEnv("RUNFILES_DIR", "tree");
  fromEnv("TEST_SRCDIR", "tree");
  for (const file of near) locations.push(...enclosingTrees(file));
  const program = options.program ?? process.argv[1] ?? "";
  if (program !== "") locations.push(...programLocations(program));
  return locations;
}
function explicitLocation(path) {
  const abs = (0, import_node_path4.resolve)(path);
  const info = (0, import_node_fs5.statSync)(abs, { throwIfNoEntry: false });
  if (info === void 0) throw new RunfilesError(`--runfiles ${path}: ${abs} does not exist (expected a runfiles directory or a runfiles manifest file)`);
  if (info.isDirectory()) return treeWithManifests(abs, "--runfiles");
  return [{ kind: "manifest", path: abs, origin: "--runfiles" }];
}
function treeWithManifests(dir, origin) {
  return [
    { kind: "tree", path: dir, origin },
    ...existing({ kind: "manifest", path: (0, import_node_path4.join)(dir, "MANIFEST"), origin }),
    ...existing({ kind: "manifest", path: `${dir}_manifest`, origin })
  ];
}
function enclosingTrees(file) {
  const abs = (0, import_node_path4.resolve)(file);
  const found = [];
  for (let dir = (0, import_node_path4.dirname)(abs); dir !== (0, import_node_path4.dirname)(dir); dir = (0, import_node_path4.dirname)(dir)) {
    if ((0, import_node_path4.basename)(dir).endsWith(".runfiles")) found.push(...treeWithManifests(dir, `the runfiles tree holding ${abs}`));
  }
  return found;
}
function programLocations(program) {
  const abs = (0, import_node_path4.resolve)(program);
  return [
    ...existing({ kind: "tree", path: `${abs}.runfiles`, origin: "<program>.runfiles" }),
    ...existing({ kind: "manifest", path: `${abs}.runfiles_manifest`, origin: "<program>.runfiles_manifest" }),
    ...existing({ kind: "manifest", path: (0, import_node_path4.join)(`${abs}.runfiles`, "MANIFEST"), origin: "<program>.runfiles/MANIFEST" }),
    ...enclosingTrees(abs)
  ];
}
function existing(location) {
  const info = (0, import_node_fs5.statSync)(location.path, { throwIfNoEntry: false });
  if (info === void 0) return [];
  return location.kind === "tree" === info.isDirectory() ? [location] : [];
}
function dedupe(locations) {
  const seen = /* @__PURE__ */ new Set();
  return locations.filter((l) => {
    const key = `${l.kind}:${l.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
function openSource(location) {
  return location.kind === "tree" ? treeSource(location) : manifestSource(location);
}
function treeSource(location) {
  let runfiles;
  return {
    location,
    lookup(path) {
      const direct = (0, import_node_path4.join)(location.path, path);
      if ((0, import_node_fs5.existsSync)(direct)) return { found: direct };
      runfiles ??= openTree(location.path);
      try {
        return { found: runfiles.resolve(path, "") };
      } catch {
        return { missed: `${direct} does not exist` };
      }
    }
  };
}
function openTree(dir) {
  const mapping = (0, import_node_path4.join)(dir, "_repo_mapping");
  if ((0, import_node_fs5.existsSync)(mapping)) readRunfilesFile(mapping, "repository mapping");
  return new import_runfiles.Runfiles({ RUNFILES_DIR: dir });
}
function readRunfilesFile(file, what) {
  try {
    return readRegularFile(file, import_node_buffer.constants.MAX_STRING_LENGTH, (message) => new RunfilesError(`${what} ${message}`)).toString("utf8");
  } catch (error) {
    if (error instanceof RunfilesError) throw error;
    throw new RunfilesError(`failed to read ${what} ${file}: ${messageOf(error)}`);
  }
}
function manifestSource(location) {
  let index;
  return {
    location,
    lookup(path) {
      index ??= ManifestIndex.read(location.path);
      const found = index.lookup(path);
      return found === void 0 ? { missed: `no entry for ${path}, a directory above it, or files below it` } : { found };
    }
  };
}
function parseRunfilesManifest(text) {
  const entries = /* @__PURE__ */ new Map();
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") continue;
    const escaped = line.startsWith(" ");
    const body = escaped ? line.slice(1) : line;
    const space = body.indexOf(" ");
    const key = space < 0 ? body : body.slice(0, space);
    const value = space < 0 ? "" : body.slice(space + 1);
    entries.set(escaped ? unescape(key) : key, escaped ? unescape(value) : value);
  }
  return entries;
}
function unescape(s) {
  return s.replace(/\\([snb])/g, (_, c) => c === "s" ? " " : c === "n" ? "\n" : "\\");
}
var import_node_fs5, import_node_buffer, import_node_path4, import_runfiles, RunfilesResolver, MAX_PATH_LENGTH, ManifestIndex;
var init_runfiles = __esm({
  "src/runfiles/index.ts"() {
    "use strict";
    import_node_fs5 = __toESM(require_node_fs(), 1);
    import_node_buffer = __toESM(require_node_buffer(), 1);
    import_node_path4 = __toESM(require_node_path(), 1);
    import_runfiles = __toESM(require_runfiles(), 1);
    init_errors();
    init_regular_file();
    RunfilesResolver = class _RunfilesResolver {
      locations;
      #sources;
      constructor(locations) {
        this.locations = dedupe(locations);
        this.#sources = this.locations.map(openSource);
      }
      /**
       * The locations from the options and environment, plus the trees holding `near` files (e.g. the
       * manifests being read). Only places that exist are kept.
       */
      static discover(options = {}, near = []) {
        return new _RunfilesResolver(discoverLocations(options, near));
      }
      /** A resolver that also looks in the trees holding `files`, after this one's locations. */
      withFilesNear(files) {
        const extra = files.flatMap((f) => enclosingTrees(f));
        return extra.length === 0 ? this : new _RunfilesResolver([...this.locations, ...extra]);
      }
      /** The real path of an rlocation path, or a RunfilesError naming `what`, the path and every place looked at. */
      rlocation(path, what) {
        const result = this.tryRlocation(path);
        if ("found" in result) return result.found;
        throw new RunfilesError(`${what}: runfiles path ${shownPath(path)} does not resolve: ${result.looked}`);
      }
      /** Like rlocation, without throwing: `looked` says where it looked and what was missing. */
      tryRlocation(path) {
        if (path.length > MAX_PATH_LENGTH) return { looked: `it is ${path.length} characters long, and no path is longer than ${MAX_PATH_LENGTH}` };
        if ((0, import_node_path4.isAbsolute)(path)) {
          return (0, import_node_fs5.existsSync)(path) ? { found: path } : { looked: `it is an absolute path, and ${path} does not exist` };
        }
        const problem = checkRlocationPath(path);
        if (problem !== void 0) return { looked: problem };
        const missed = [];
        for (const source of this.#sources) {
          const result = source.lookup(path);
          if ("found" in result) return result;
          missed.push(`${describe(source.location)}: ${result.missed}`);
        }
        if (missed.length === 0) {
          return {
            looked: "no runfiles found (RUNFILES_DIR and RUNFILES_MANIFEST_FILE are unset, and no <program>.runfiles or enclosing *.runfiles tree exists); run under Bazel or pass --runfiles DIR_OR_MANIFEST"
          };
        }
        return { looked: `looked in ${missed.join("; ")}` };
      }
    };
    MAX_PATH_LENGTH = 4096;
    ManifestIndex = class _ManifestIndex {
      file;
      #entries;
      #sortedKeys;
      constructor(file, entries) {
        this.file = file;
        this.#entries = entries;
      }
      static read(file) {
        return new _ManifestIndex(file, parseRunfilesManifest(readRunfilesFile(file, "runfiles manifest")));
      }
      /** The real path for an rlocation path, or undefined. */
      lookup(path) {
        const exact = this.#entries.get(path);
        if (exact !== void 0) return exact === "" ? void 0 : exact;
        for (let end = path.lastIndexOf("/"); end > 0; end = path.lastIndexOf("/", end - 1)) {
          const dir = this.#entries.get(path.slice(0, end));
          if (dir === void 0 || dir === "") continue;
          const candidate = (0, import_node_path4.join)(dir, path.slice(end + 1));
          if ((0, import_node_fs5.existsSync)(candidate)) return candidate;
        }
        return this.#fromChildren(path);
      }
      /** A directory not listed itself but whose files are: derive it from one file's real path. */
      #fromChildren(path) {
        this.#sortedKeys ??= [...this.#entries.keys()].sort();
        const keys = this.#sortedKeys;
        const prefix = `${path}/`;
        let lo = 0;
        let hi = keys.length;
        while (lo < hi) {
          const mid = lo + hi >>> 1;
          if ((keys[mid] ?? "") < prefix) lo = mid + 1;
          else hi = mid;
        }
        for (let i = lo; i < keys.length; i++) {
          const key = keys[i] ?? "";
          if (!key.startsWith(prefix)) return void 0;
          const real = this.#entries.get(key) ?? "";
          const tail = key.slice(path.length);
          if (real.endsWith(tail)) return real.slice(0, real.length - tail.length);
        }
        return void 0;
      }
    };
  }
});

// src/manifest/text-format.ts
function parseTextFormat(text, schema) {
  return new Reader(typeof text === "string" ? text : decodeUtf8(text)).message(schema, void 0, { line: 1, column: 1 });
}
function decodeUtf8(bytes) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString("utf8");
  if ((0, import_node_buffer2.isUtf8)(buffer)) return text;
  for (let i = text.indexOf(REPLACEMENT); ; i = text.indexOf(REPLACEMENT, i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!buffer.subarray(at, at + 3).equals(REPLACEMENT_BYTES)) {
      const { line, column } = position(lineStarts(text), i);
      throw new TextFormatError(`byte 0x${buffer[at]?.toString(16).padStart(2, "0")} is not UTF-8: the text format is UTF-8 text`, line, column);
    }
  }
}
function position(starts, offset) {
  let [lo, hi] = [0, starts.length - 1];
  while (lo < hi) {
    const mid = lo + hi + 1 >>> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}
function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}
function describe2(token) {
  return token.kind === "end" ? "the end of the text" : shown(token.text);
}
function shown(text) {
  return text.length > MAX_SHOWN ? `'${text.slice(0, MAX_SHOWN)}'... (${text.length} characters)` : `'${text}'`;
}
function decodeString(literal, fail) {
  const body = literal.slice(1, -1);
  if (!body.includes("\\") && body.isWellFormed()) return body;
  const bytes = [];
  let i = 0;
  while (i < body.length) {
    const escape = body.indexOf("\\", i);
    const plain = body.slice(i, escape < 0 ? body.length : escape);
    for (const byte of Buffer.from(plain, "utf8")) bytes.push(byte);
    if (escape < 0) break;
    i = decodeEscape(body, escape, bytes, (message) => fail(message, escape + 1));
  }
  try {
    return UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw fail("a string that is not valid UTF-8", 0);
  }
}
function decodeEscape(body, at, bytes, fail) {
  const c = body[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== void 0) {
    bytes.push(simple);
    return at + 2;
  }
  const octal = /^[0-7]{1,3}/.exec(body.slice(at + 1, at + 4))?.[0];
  if (octal !== void 0) {
    const value = Number.parseInt(octal, 8);
    if (value > 255) throw fail(`octal escape '\\${octal}' is more than a byte`);
    bytes.push(value);
    return at + 1 + octal.length;
  }
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(body.slice(at + 1, at + 4))?.[1];
  if (hex !== void 0) {
    bytes.push(Number.parseInt(hex, 16));
    return at + 2 + hex.length;
  }
  const unicode = c === "u" ? /^[0-9A-Fa-f]{4}/.exec(body.slice(at + 2)) : c === "U" ? /^[0-9A-Fa-f]{8}/.exec(body.slice(at + 2)) : null;
  if (unicode !== null) {
    let code = Number.parseInt(unicode[0], 16);
    let end = at + 2 + unicode[0].length;
    const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(body.slice(end))?.[1];
    if (code >= 55296 && code <= 56319 && low !== void 0) {
      code = 65536 + (code - 55296 << 10) + (Number.parseInt(low, 16) - 56320);
      end += 6;
    }
    if (code > 1114111 || code >= 55296 && code <= 57343) throw fail(`'\\${c}${unicode[0]}' is not a Unicode scalar value`);
    for (const byte of Buffer.from(String.fromCodePoint(code), "utf8")) bytes.push(byte);
    return end;
  }
  throw fail(`unknown escape '\\${c}'`);
}
var import_node_buffer2, IMAGE, MANIFEST, TextFormatError, REPLACEMENT, REPLACEMENT_BYTES, WHITESPACE, IDENTIFIER, OTHER, SIMPLE_ESCAPES, UTF8, Reader, MAX_SHOWN;
var init_text_format = __esm({
  "src/manifest/text-format.ts"() {
    "use strict";
    import_node_buffer2 = __toESM(require_node_buffer(), 1);
    IMAGE = {
      name: "localregistry.Image",
      fields: {
        repository: { repeated: false, type: "string" },
        tag: { repeated: false, type: "string" },
        path: { repeated: false, type: "string" }
      }
    };
    MANIFEST = {
      name: "localregistry.Manifest",
      fields: { images: { repeated: true, type: IMAGE } }
    };
    TextFormatError = class extends Error {
      line;
      column;
      constructor(message, line, column) {
        super(message);
        this.name = "TextFormatError";
        this.line = line;
        this.column = column;
      }
    };
    REPLACEMENT = "\uFFFD";
    REPLACEMENT_BYTES = Buffer.from(REPLACEMENT);
    WHITESPACE = /[ \t\n\v\f\r]/;
    IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
    OTHER = /[^ \t\n\v\f\r{}<>[\]:,;#"']+/y;
    SIMPLE_ESCAPES = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "'": 39, '"': 34, "?": 63 };
    UTF8 = new TextDecoder("utf-8", { fatal: true });
    Reader = class {
      #text;
      #offset = 0;
      #peeked;
      #lineStarts;
      constructor(text) {
        this.#text = text;
      }
      /** The fields of a message up to `close` (the end of the text when undefined). */
      message(schema, close, at) {
        const message = { ...at, fields: /* @__PURE__ */ new Map() };
        for (; ; ) {
          const token = this.#next();
          if (close === void 0 ? token.kind === "end" : token.kind === "symbol" && token.text === close) return message;
          if (token.kind !== "identifier") {
            const expected = close === void 0 ? "a field name" : `a field name or '${close}'`;
            throw this.#error(token, `expected ${expected}, found ${describe2(token)}`);
          }
          this.#field(schema, message, token);
          const separator = this.#peek();
          if (separator.kind === "symbol" && (separator.text === "," || separator.text === ";")) this.#next();
        }
      }
      #field(schema, message, name) {
        const field = schema.fields[name.text];
        if (field === void 0) throw this.#error(name, `${schema.name}: unknown field ${shown(name.text)}`);
        const qualified = `${schema.name}.${name.text}`;
        const colon = this.#peek();
        const hasColon = colon.kind === "symbol" && colon.text === ":";
        if (hasColon) this.#next();
        else if (field.type === "string") throw this.#error(colon, `${qualified}: expected ':', found ${describe2(colon)}`);
        const values = this.#isSymbol(this.#peek(), "[") ? this.#list(field, qualified) : [this.#value(field, qualified)];
        const previous = message.fields.get(name.text);
        if (field.repeated) {
          if (Array.isArray(previous)) previous.push(...values);
          else message.fields.set(name.text, values);
          return;
        }
        if (previous !== void 0) throw this.#error(name, `${qualified}: multiple values`);
        message.fields.set(name.text, values[0]);
      }
      #list(field, qualified) {
        const open4 = this.#next();
        if (!field.repeated) throw this.#error(open4, `${qualified}: a list for a field that is not repeated`);
        const values = [];
        if (this.#isSymbol(this.#peek(), "]")) {
          this.#next();
          return values;
        }
        for (; ; ) {
          values.push(this.#value(field, qualified));
          const token = this.#next();
          if (this.#isSymbol(token, "]")) return values;
          if (!this.#isSymbol(token, ",")) throw this.#error(token, `${qualified}: expected ',' or ']', found ${describe2(token)}`);
        }
      }
      #value(field, qualified) {
        const token = this.#next();
        if (field.type === "string") {
          if (token.kind !== "string") throw this.#error(token, `${qualified}: expected a string, found ${describe2(token)}`);
          let value = decodeString(token.text, (message, at) => this.#error({ ...token, offset: token.offset + at }, `${qualified}: ${message}`));
          while (this.#peek().kind === "string") {
            const next = this.#next();
            value += decodeString(next.text, (message, at) => this.#error({ ...next, offset: next.offset + at }, `${qualified}: ${message}`));
          }
          return value;
        }
        if (!this.#isSymbol(token, "{") && !this.#isSymbol(token, "<")) {
          throw this.#error(token, `${qualified}: expected a message ('{' or '<'), found ${describe2(token)}`);
        }
        return this.message(field.type, token.text === "{" ? "}" : ">", this.#position(token.offset));
      }
      #isSymbol(token, symbol) {
        return token.kind === "symbol" && token.text === symbol;
      }
      #peek() {
        this.#peeked ??= this.#scan();
        return this.#peeked;
      }
      #next() {
        const token = this.#peek();
        this.#peeked = void 0;
        return token;
      }
      #scan() {
        const text = this.#text;
        let i = this.#offset;
        for (; ; ) {
          while (i < text.length && WHITESPACE.test(text[i])) i++;
          if (text[i] !== "#") break;
          while (i < text.length && text[i] !== "\n") i++;
        }
        const start = i;
        const c = text[i];
        let kind;
        if (c === void 0) kind = "end";
        else if ("{}<>[]:,;".includes(c)) {
          kind = "symbol";
          i++;
        } else if (c === '"' || c === "'") {
          kind = "string";
          for (i++; i < text.length && text[i] !== c && text[i] !== "\n"; i++) if (text[i] === "\\" && text[i + 1] !== "\n") i++;
          if (text[i] !== c) throw this.#error({ kind, text: "", offset: start }, "a string that does not end on its line");
          i++;
        } else {
          const pattern = /[A-Za-z_]/.test(c) ? IDENTIFIER : OTHER;
          pattern.lastIndex = i;
          pattern.test(text);
          kind = pattern === IDENTIFIER ? "identifier" : "other";
          i = pattern.lastIndex;
        }
        this.#offset = i;
        return { kind, text: text.slice(start, i), offset: start };
      }
      /** Line and column of an offset (the line starts found once: a manifest may list 10,000 images). */
      #position(offset) {
        this.#lineStarts ??= lineStarts(this.#text);
        return position(this.#lineStarts, offset);
      }
      #error(token, message) {
        const { line, column } = this.#position(token.offset);
        return new TextFormatError(message, line, column);
      }
    };
    MAX_SHOWN = 100;
  }
});

// src/manifest/index.ts
var manifest_exports = {};
__export(manifest_exports, {
  MANIFEST_PROTO_PATH: () => MANIFEST_PROTO_PATH,
  MAX_MANIFEST_FILE_BYTES: () => MAX_MANIFEST_FILE_BYTES,
  parseBazelManifest: () => parseBazelManifest,
  readBazelManifest: () => readBazelManifest
});
async function readBazelManifest(file) {
  let bytes;
  try {
    bytes = readRegularFile(file, MAX_MANIFEST_FILE_BYTES, (message) => new BazelManifestError(message));
  } catch (error) {
    if (error instanceof BazelManifestError) throw error;
    throw new BazelManifestError(`failed to read manifest ${file}: ${messageOf(error)}`, { cause: error });
  }
  return parseBazelManifest(bytes, file);
}
function parseBazelManifest(text, file) {
  let manifest;
  try {
    manifest = parseTextFormat(text, MANIFEST);
  } catch (error) {
    if (!(error instanceof TextFormatError)) throw error;
    throw new BazelManifestError(`${file}:${error.line}:${error.column}: ${error.message}`);
  }
  const images = manifest.fields.get("images") ?? [];
  return images.map((image, i) => checkImage(image, file, i));
}
function checkImage(image, file, i) {
  const field = (name) => image.fields.get(name) ?? "";
  const [repository, tag, path, line] = [field("repository"), field("tag"), field("path"), image.line];
  const fail = (what) => {
    throw new BazelManifestError(`${file}:${line}: images[${i}]: ${what}`);
  };
  if (repository === "") fail("repository is missing");
  const repositoryWrong = repositoryProblem(repository);
  if (repositoryWrong !== void 0) fail(`repository ${repositoryWrong}`);
  const tagWrong = tag === "" ? void 0 : tagProblem(tag, repository);
  if (tagWrong !== void 0) fail(`tag ${tagWrong}`);
  if (path === "") fail(`path of ${repository}${tag === "" ? "" : `:${tag}`} is missing`);
  return { repository, tag, path, file, line };
}
var MAX_MANIFEST_FILE_BYTES;
var init_manifest2 = __esm({
  "src/manifest/index.ts"() {
    "use strict";
    init_errors();
    init_regular_file();
    init_package_files();
    init_names();
    init_text_format();
    MAX_MANIFEST_FILE_BYTES = 64 * 1024 * 1024;
  }
});

// src/load/loader.ts
function manifestRequest(image, resolver) {
  const name = image.tag === "" ? `${image.repository} (digest-only)` : `${image.repository}:${image.tag}`;
  const source = `${image.file}:${image.line}`;
  const layout = resolver.rlocation(image.path, `image ${name} (${source})`);
  return { repository: image.repository, tag: image.tag, layout, source };
}
function checkNames(image, source) {
  checkRepository(image.repository, source);
  if (image.tag !== void 0 && image.tag !== "") checkTag(image.tag, source);
}
async function readManifests(files) {
  const { readBazelManifest: readBazelManifest3 } = await Promise.resolve().then(() => (init_manifest2(), manifest_exports));
  return (await Promise.all(files.map((m) => readBazelManifest3(m)))).flat();
}
var import_node_fs6, import_node_path5, Loader;
var init_loader = __esm({
  "src/load/loader.ts"() {
    "use strict";
    import_node_fs6 = __toESM(require_node_fs(), 1);
    import_node_path5 = __toESM(require_node_path(), 1);
    init_errors();
    init_names();
    init_plan();
    Loader = class {
      #cache = new LayoutCache();
      #runfiles;
      #near;
      #resolver;
      #count = 0;
      constructor(runfiles, near) {
        this.#runfiles = runfiles;
        this.#near = near;
      }
      /**
       * Discovered on first use, and its module imported then (as the manifest parser's is), so that
       * images given as plain directories never load runfiles code.
       */
      async #runfilesResolver() {
        if (this.#resolver === void 0) {
          const { RunfilesResolver: RunfilesResolver3 } = await Promise.resolve().then(() => (init_runfiles(), runfiles_exports));
          this.#resolver ??= RunfilesResolver3.discover({ runfiles: this.#runfiles }, this.#near);
        }
        return this.#resolver;
      }
      async load(manifests, images) {
        if (this.#runfiles !== void 0) await this.#runfilesResolver();
        const fromManifests = manifests.length === 0 ? [] : await readManifests(manifests);
        const requests = [];
        if (fromManifests.length > 0) {
          const resolver = await this.#runfilesResolver();
          requests.push(...fromManifests.map((image) => manifestRequest(image, resolver)));
        }
        for (const image of images) requests.push(await this.#imageRequest(image));
        return planImages(requests, this.#cache);
      }
      async #imageRequest(image) {
        const i = this.#count++;
        const name = `${image.repository}${image.tag === void 0 || image.tag === "" ? "" : `:${image.tag}`}`;
        const source = image.source ?? `images[${i}] (${name}=${image.layout})`;
        checkNames(image, source);
        return { repository: image.repository, tag: image.tag, layout: await this.#layoutPath(image.layout, source), refName: image.refName, source };
      }
      /** A filesystem path when it exists (or is absolute), else a runfiles path. */
      async #layoutPath(layout, source) {
        if ((0, import_node_path5.isAbsolute)(layout) || (0, import_node_fs6.existsSync)(layout)) return (0, import_node_path5.resolve)(layout);
        const result = (await this.#runfilesResolver()).tryRlocation(layout);
        if ("found" in result) return result.found;
        throw new RunfilesError(`${source}: ${(0, import_node_path5.resolve)(layout)} does not exist, and "${layout}" as a runfiles path does not resolve: ${result.looked}`);
      }
    };
  }
});

// src/content/registry.ts
async function preparePlacement({ repository, tag, ref, source, layout }) {
  checkRepository(repository);
  const tagged = tag === void 0 || tag === "" ? void 0 : tag;
  if (tagged !== void 0) checkTag(tagged);
  const refs = [];
  await walkRefs(ref, (r) => {
    refs.push(r);
  });
  const claim = { digest: ref.digest, source, layout: layout ?? ref.source.location };
  return { repository, tag: tagged, claim, refs: refs.map((r) => prepareRef(r, repository)) };
}
function describeClaim({ digest: digest2, source, layout }) {
  return source === void 0 ? `${digest2} in ${layout}` : `${source} (${digest2} in ${layout})`;
}
function prepareRef(ref, repository) {
  const source = ref.source;
  const blobs = ref.kind === "image" ? ref.blobs.filter((d) => source.lacksBlob?.(d.digest) !== true).map((d) => prepareBlob(source, d, ref.digest, repository)) : [];
  return { manifest: ref, blobs, subject: ref.manifest.subject, referrer: referrerDescriptor(ref) };
}
function prepareBlob(source, descriptor, image, repository) {
  const { digest: digest2, size } = descriptor;
  const data = embeddedData(descriptor);
  if (data !== void 0) return { kind: "memory", digest: digest2, size, data };
  if (source.blobPath === void 0) {
    throw new UsageError(
      `cannot serve ${image} in repository "${repository}": it was read from ${source.location}, and only refs read from an OCI image layout directory (whose blobs are local files) can be served`
    );
  }
  return { kind: "file", digest: digest2, size, path: source.blobPath(digest2), layout: source.location };
}
function referrerDescriptor(ref) {
  const artifactType = ref.manifest.artifactType ?? (ref.kind === "image" ? ref.manifest.config.mediaType : void 0);
  const annotations = ref.manifest.annotations;
  return { ...ref.descriptor, ...artifactType !== void 0 && { artifactType }, ...annotations !== void 0 && { annotations } };
}
function addPrepared(repo, prepared) {
  const { manifest } = prepared;
  if (repo.manifests.has(manifest.digest)) return;
  repo.manifests.set(manifest.digest, manifest);
  for (const blob2 of prepared.blobs) if (!repo.blobs.has(blob2.digest)) repo.blobs.set(blob2.digest, blob2);
  if (prepared.subject !== void 0) {
    const list = repo.referrers.get(prepared.subject.digest) ?? [];
    list.push(prepared.referrer);
    list.sort((a, b) => compareAscii(a.digest, b.digest));
    repo.referrers.set(prepared.subject.digest, list);
  }
}
function compareAscii(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
var Repository, Registry;
var init_registry = __esm({
  "src/content/registry.ts"() {
    "use strict";
    init_descriptor();
    init_ref();
    init_errors();
    init_names();
    Repository = class {
      name;
      tags = /* @__PURE__ */ new Map();
      manifests = /* @__PURE__ */ new Map();
      blobs = /* @__PURE__ */ new Map();
      /** Subject digest → descriptors of the manifests in this repository that refer to it. */
      referrers = /* @__PURE__ */ new Map();
      #claims = /* @__PURE__ */ new Map();
      #sortedTags;
      constructor(name) {
        this.name = name;
      }
      /** The manifest a tag or digest names, if this repository has it. */
      manifest(reference) {
        const byDigest = this.manifests.get(reference);
        if (byDigest !== void 0) return byDigest;
        const digest2 = this.tags.get(reference);
        return digest2 === void 0 ? void 0 : this.manifests.get(digest2);
      }
      /** Tags in ASCII order (cached until a tag is added). */
      sortedTags() {
        this.#sortedTags ??= [...this.tags.keys()].sort(compareAscii);
        return this.#sortedTags;
      }
      /** Who placed a tag, if it is served. */
      claim(tag) {
        return this.#claims.get(tag);
      }
      /** Adds a tag; call only after checking it does not exist. */
      setTag(tag, claim) {
        this.tags.set(tag, claim.digest);
        this.#claims.set(tag, claim);
        this.#sortedTags = void 0;
      }
    };
    Registry = class {
      #repositories = /* @__PURE__ */ new Map();
      #sortedNames;
      /**
       * Serves `ref` (an image or index read from an OCI layout, and everything below it) in
       * `repository`, tagged `tag` unless the tag is empty or undefined (then by digest only):
       * `place` with one placement of unknown source.
       */
      async addRef(repository, tag, ref) {
        await this.place([{ repository, tag, ref }]);
      }
      /**
       * Serves every placement, or none: each ref's tree is read first, then the whole batch is
       * checked (names, and one image per repository:tag against the batch itself and what is
       * served) and added in one synchronous step, so a refused batch changes nothing and claims no
       * tag. Every manifest and index of a tree is served by digest in its repository, and every
       * blob of every image in it that its source holds (a layout may lack non-distributable
       * layers); blobs are scoped to the repository, as in any registry. Adding what is already
       * there is a no-op; the same digest for a tag twice is fine; another digest for a served or
       * batched tag is a ConflictError naming both sides (the earlier claim wins).
       * Safe while serving, and against concurrent calls.
       */
      async place(placements) {
        const prepared = [];
        for (const placement of placements) prepared.push(await preparePlacement(placement));
        this.#checkClaims(prepared);
        for (const p of prepared) this.#add(p);
      }
      #checkClaims(batch) {
        const claimed = /* @__PURE__ */ new Map();
        for (const { repository, tag, claim } of batch) {
          if (tag === void 0) continue;
          const key = `${repository}:${tag}`;
          const earlier = claimed.get(key) ?? this.#repositories.get(repository)?.claim(tag);
          if (earlier === void 0) claimed.set(key, claim);
          else if (earlier.digest !== claim.digest) {
            throw new ConflictError(
              `${key} is claimed by two images: ${describeClaim(earlier)} and ${describeClaim(claim)}. Use another tag, or another repository`
            );
          }
        }
      }
      #add({ repository, tag, claim, refs }) {
        const repo = this.#repositories.get(repository) ?? this.#createRepository(repository);
        for (const p of refs) addPrepared(repo, p);
        if (tag !== void 0 && repo.claim(tag) === void 0) repo.setTag(tag, claim);
      }
      /** The repository of that name, if anything was added to it. */
      repository(name) {
        return this.#repositories.get(name);
      }
      /** Every repository name, in ASCII order. */
      repositories() {
        this.#sortedNames ??= [...this.#repositories.keys()].sort(compareAscii);
        return this.#sortedNames;
      }
      #createRepository(name) {
        const repo = new Repository(name);
        this.#repositories.set(name, repo);
        this.#sortedNames = void 0;
        return repo;
      }
    };
  }
});

// required-when-run:node:fs/promises
var require_promises = __commonJS({
  "required-when-run:node:fs/promises"(exports, module) {
    module.exports = __require("node:fs/promises");
  }
});

// src/registry/server/blob-files.ts
function where(blob2) {
  return blobFileName(blob2.digest, blob2.path, blob2.layout);
}
async function isLayoutBlobFile(blob2, opened) {
  const { algorithm, encoded } = parseDigest(blob2.digest);
  try {
    const real = await (0, import_promises.realpath)(blob2.path);
    const found = await (0, import_promises.stat)(real, { bigint: true });
    if (found.dev !== opened.dev || found.ino !== opened.ino) return false;
    const blobs = (0, import_node_path6.dirname)((0, import_node_path6.dirname)(real));
    if ((0, import_node_path6.basename)(real) !== encoded || (0, import_node_path6.basename)((0, import_node_path6.dirname)(real)) !== algorithm || (0, import_node_path6.basename)(blobs) !== "blobs") return false;
    return (await (0, import_promises.stat)((0, import_node_path6.join)((0, import_node_path6.dirname)(blobs), "oci-layout"))).isFile();
  } catch {
    return false;
  }
}
function identityOf(stats) {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}
async function readChunk(file, buffer, position3, end) {
  const wanted = Math.min(buffer.length, end - position3);
  let total = 0;
  while (total < wanted) {
    const { bytesRead } = await file.handle.read(buffer, total, wanted - total, position3 + total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  if (total < wanted) throw new ContentMismatchError(`${where(file.blob)}: the file ended ${end - position3 - total} bytes early`);
  return total;
}
var import_node_fs7, import_promises, import_node_path6, SMALL_BLOB_BYTES, SMALL_BLOB_BUDGET, RACY_MS, MAX_VERDICTS, BlobFiles;
var init_blob_files = __esm({
  "src/registry/server/blob-files.ts"() {
    "use strict";
    import_node_fs7 = __toESM(require_node_fs(), 1);
    import_promises = __toESM(require_promises(), 1);
    import_node_path6 = __toESM(require_node_path(), 1);
    init_digest();
    init_layout_store();
    init_verify();
    init_errors();
    SMALL_BLOB_BYTES = 64 * 1024;
    SMALL_BLOB_BUDGET = 64 * 1024 * 1024;
    RACY_MS = 1e3;
    MAX_VERDICTS = 1e5;
    BlobFiles = class {
      /** `digest identity` → true (verified) or the mismatch that was found. */
      #verdicts = /* @__PURE__ */ new Map();
      #small = /* @__PURE__ */ new Map();
      #smallBytes = 0;
      #logError;
      constructor(logError) {
        this.#logError = logError;
      }
      /** A small blob's verified bytes, if it was read before. */
      cached(blob2) {
        return this.#small.get(blob2);
      }
      /** Opens the blob file; a BlobFileError (logged) when it cannot be read, is not the right size or is known to be wrong. */
      async open(blob2) {
        let handle;
        try {
          handle = await (0, import_promises.open)(blob2.path, import_node_fs7.constants.O_RDONLY | import_node_fs7.constants.O_NONBLOCK);
        } catch (error) {
          throw this.#unreadable(blob2, `cannot open ${blob2.path}: ${error.code ?? messageOf(error)}`);
        }
        try {
          const stats = await handle.stat({ bigint: true });
          if (!stats.isFile()) throw this.#unreadable(blob2, `${blob2.path} is not a regular file`);
          if (stats.size !== BigInt(blob2.size)) throw this.#corrupt(blob2, `${blob2.path} has ${stats.size} bytes, its descriptor says ${blob2.size}`);
          const identity = identityOf(stats);
          const verdict = this.#verdicts.get(`${blob2.digest} ${identity}`);
          if (verdict instanceof ContentMismatchError) throw this.#corrupt(blob2, `${verdict.message} (found earlier, the file has not changed since)`, false);
          const verified = verdict === true;
          return { blob: blob2, handle, identity, verified, layoutBlob: verified || await isLayoutBlobFile(blob2, stats) };
        } catch (error) {
          await handle.close();
          throw error;
        }
      }
      /** Throws what open() would throw for this file, else nothing. */
      async check(blob2) {
        await (await this.open(blob2)).handle.close();
      }
      /** Reads a small blob whole through its own descriptor, checks it, and keeps it (budget allowing). */
      async readSmall(blob2) {
        const file = await this.open(blob2);
        try {
          const bytes = Buffer.allocUnsafe(blob2.size);
          const { bytesRead } = await file.handle.read(bytes, 0, blob2.size, 0);
          this.#check(file, () => verifyBytes(bytes.subarray(0, bytesRead), blob2, where(blob2)));
          if (this.#smallBytes + blob2.size <= SMALL_BLOB_BUDGET && !this.#small.has(blob2)) {
            this.#small.set(blob2, bytes);
            this.#smallBytes += blob2.size;
          }
          return bytes;
        } finally {
          await file.handle.close();
        }
      }
      /**
       * Hashes the whole file through `buffer`, before any byte of it is sent (`beforeRead` may throw
       * to stop); the file as verified for this transfer.
       */
      async verifyWhole(file, buffer, beforeRead) {
        const check = new DigestCheck(file.blob, where(file.blob));
        const startedAt = Date.now();
        for (let position3 = 0; position3 < file.blob.size; ) {
          beforeRead();
          const read = await readChunk(file, buffer, position3, file.blob.size);
          check.update(buffer.subarray(0, read));
          position3 += read;
        }
        await this.record(file, startedAt, check);
        return { ...file, verified: true };
      }
      /**
       * Before the last chunk of a transfer goes out: a verified file must still have the identity it
       * was opened with, and the bytes hashed as they streamed (`check`, from `hashStartedAt`) must be
       * the blob's; a ContentMismatchError otherwise.
       */
      async confirm(file, hashStartedAt, check) {
        if (check !== void 0) return this.record(file, hashStartedAt, check);
        if (identityOf(await file.handle.stat({ bigint: true })) !== file.identity) {
          throw new ContentMismatchError(`${where(file.blob)}: the file changed while it was being sent`);
        }
      }
      /**
       * Records what hashing the whole file under `file.identity` found: a ContentMismatchError
       * when the bytes were wrong (remembered, logged and thrown). Right bytes make the file
       * verified if it did not change during the hashing and is not racy.
       */
      async record(file, hashStartedAt, check) {
        this.#check(file, () => {
          const error = check.finish();
          if (error !== void 0) throw error;
        });
        const now = await file.handle.stat({ bigint: true });
        if (identityOf(now) === file.identity && now.ctimeNs < BigInt(hashStartedAt - RACY_MS) * 1000000n) {
          this.#remember(`${file.blob.digest} ${file.identity}`, true);
        }
      }
      #check(file, check) {
        try {
          check();
        } catch (error) {
          if (!(error instanceof ContentMismatchError)) throw error;
          this.#remember(`${file.blob.digest} ${file.identity}`, error);
          throw error;
        }
      }
      #remember(key, verdict) {
        this.#verdicts.delete(key);
        this.#verdicts.set(key, verdict);
        if (this.#verdicts.size > MAX_VERDICTS) this.#verdicts.delete(this.#verdicts.keys().next().value);
      }
      #unreadable(blob2, reason) {
        const message = `cannot serve ${where(blob2)}: ${reason}`;
        this.#logError(message);
        return new BlobFileError(message, blob2.digest, false);
      }
      #corrupt(blob2, reason, log = true) {
        const message = `not serving ${where(blob2)}: ${reason}`;
        if (log) this.#logError(message);
        return new BlobFileError(message, blob2.digest, true);
      }
    };
  }
});

// src/registry/server/buffer-pool.ts
var POOL_STALL_GRACE_MS, BufferPool;
var init_buffer_pool = __esm({
  "src/registry/server/buffer-pool.ts"() {
    "use strict";
    POOL_STALL_GRACE_MS = 5e3;
    BufferPool = class {
      chunkSize;
      #maxBuffers;
      #free = [];
      /** Buffers handed out or free: at most #maxBuffers. */
      #count = 0;
      /** Oldest first. */
      #waiters = [];
      /** Whether the next pair goes to the oldest waiter (else to the newest). */
      #oldestNext = false;
      /** Each holder with when it got its pair. */
      #holders = /* @__PURE__ */ new Map();
      #timer;
      constructor(budgetBytes, chunkSize) {
        this.chunkSize = chunkSize;
        this.#maxBuffers = Math.max(2, Math.floor(budgetBytes / chunkSize));
      }
      /** A pair of buffers for `holder`; undefined if `closed` resolves first (the request went away while waiting). */
      async acquire(holder, closed) {
        const pair = this.#take() ?? await this.#wait(closed);
        if (pair === void 0) return void 0;
        this.#holders.set(holder, Date.now());
        this.#scheduleCutOff();
        return pair;
      }
      /** Gives back a buffer the socket is done with. */
      release(buffer) {
        this.#free.push(buffer);
        this.#serveWaiters();
      }
      /** Forgets a buffer a pending write may still read from: the pool may allocate a new one in its place. */
      abandon() {
        this.#count--;
        this.#serveWaiters();
      }
      /** The holder's transfer ended (after releasing or abandoning both its buffers). */
      leave(holder) {
        this.#holders.delete(holder);
      }
      /** Requests waiting for buffers (for tests and the log). */
      get waiting() {
        return this.#waiters.length;
      }
      #take() {
        if (this.#free.length + (this.#maxBuffers - this.#count) < 2) return void 0;
        return [this.#one(), this.#one()];
      }
      #one() {
        const free = this.#free.pop();
        if (free !== void 0) return free;
        this.#count++;
        return Buffer.allocUnsafeSlow(this.chunkSize);
      }
      #wait(closed) {
        return new Promise((resolve5) => {
          const waiter = { grant: resolve5 };
          this.#waiters.push(waiter);
          this.#scheduleCutOff();
          void closed.then(() => {
            const index = this.#waiters.indexOf(waiter);
            if (index === -1) return;
            this.#waiters.splice(index, 1);
            resolve5(void 0);
          });
        });
      }
      #serveWaiters() {
        while (this.#waiters.length > 0) {
          const pair = this.#take();
          if (pair === void 0) return;
          const waiter = this.#oldestNext ? this.#waiters.shift() : this.#waiters.pop();
          this.#oldestNext = !this.#oldestNext;
          waiter.grant(pair);
        }
      }
      /** While anyone waits: cuts off every holder stalled for POOL_STALL_GRACE_MS, and looks again when the next one would be. */
      #scheduleCutOff() {
        if (this.#timer !== void 0 || this.#waiters.length === 0) return;
        const now = Date.now();
        let next = Number.POSITIVE_INFINITY;
        for (const [holder, grantedAt] of this.#holders) {
          const due = Math.max(holder.lastProgress, grantedAt) + POOL_STALL_GRACE_MS;
          if (due <= now) {
            this.#holders.delete(holder);
            holder.cutOff();
          } else {
            next = Math.min(next, due);
          }
        }
        if (next === Number.POSITIVE_INFINITY || this.#waiters.length === 0) return;
        this.#timer = setTimeout(() => {
          this.#timer = void 0;
          this.#scheduleCutOff();
        }, next - now);
        this.#timer.unref();
      }
    };
  }
});

// src/registry/server/connections.ts
function tcpSocket(socket) {
  return socket._parent ?? socket;
}
function moved(socket, progress) {
  const bytes = socket.bytesRead + socket.bytesWritten;
  if (bytes === progress.bytes) return false;
  progress.bytes = bytes;
  return true;
}
function defaultMaxConnections() {
  const limit = openFileLimit();
  if (limit === void 0) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, limit - RESERVED_FDS));
}
function openFileLimit() {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec((0, import_node_fs8.readFileSync)("/proc/self/limits", "utf8"));
    return line?.[1] === void 0 || line[1] === "unlimited" ? void 0 : Number(line[1]);
  } catch {
    return void 0;
  }
}
var import_node_fs8, STALL_GRACE_MS, DEFAULT_MAX_CONNECTIONS, RESERVED_FDS, MAX_SWEEP_INTERVAL_MS, NO_CONNECTIONS, ConnectionCap;
var init_connections = __esm({
  "src/registry/server/connections.ts"() {
    "use strict";
    import_node_fs8 = __toESM(require_node_fs(), 1);
    STALL_GRACE_MS = 1e3;
    DEFAULT_MAX_CONNECTIONS = 2e3;
    RESERVED_FDS = 128;
    MAX_SWEEP_INTERVAL_MS = 1e3;
    NO_CONNECTIONS = { waitOnServer: (_connection, wait) => wait };
    ConnectionCap = class {
      max;
      #sockets = /* @__PURE__ */ new Map();
      constructor(max) {
        this.max = max;
      }
      /** Takes a new connection: in, in place of a stalled one, or closed at once. */
      admit(socket) {
        if (this.#sockets.size >= this.max && !this.#evictStalled()) {
          socket.destroy();
          return;
        }
        this.#sockets.set(socket, { bytes: 0, since: Date.now(), waitingOnServer: 0 });
        socket.once("close", () => this.#sockets.delete(socket));
      }
      async waitOnServer(connection, wait) {
        const progress = connection === null ? void 0 : this.#sockets.get(tcpSocket(connection));
        if (progress === void 0) return wait;
        progress.waitingOnServer++;
        try {
          return await wait;
        } finally {
          progress.waitingOnServer--;
        }
      }
      get size() {
        return this.#sockets.size;
      }
      /** Closes, every so often until stopped, each connection that made no progress for `timeoutMs`. */
      closeStalledEvery(timeoutMs) {
        const interval = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1, timeoutMs / 4));
        let last = Date.now();
        const sweep = setInterval(() => {
          const now = Date.now();
          this.#excuse(now - last - interval);
          last = now;
          this.closeStalled(timeoutMs);
        }, interval);
        sweep.unref();
        return { stop: () => clearInterval(sweep) };
      }
      /**
       * A sweep `lateMs` late found a process that was not running (descheduled, blocked): it wrote
       * and read nothing meanwhile, and what a client took then shows only once the event loop polls
       * again, after this sweep (timers run first). That time is no connection's stall.
       */
      #excuse(lateMs) {
        if (lateMs <= 0) return;
        for (const progress of this.#sockets.values()) progress.since += lateMs;
      }
      /** Closes each connection that made no progress for `timeoutMs`, but for those waiting on the server. */
      closeStalled(timeoutMs) {
        const now = Date.now();
        for (const [socket, progress] of this.#sockets) {
          if (moved(socket, progress) || progress.waitingOnServer > 0) progress.since = now;
          else if (now - progress.since >= timeoutMs) socket.destroy();
        }
      }
      /** Closes the connection that has made no progress for longest, if that is at least STALL_GRACE_MS. */
      #evictStalled() {
        const now = Date.now();
        let oldest;
        let oldestSince = now - STALL_GRACE_MS;
        for (const [socket, progress] of this.#sockets) {
          if (moved(socket, progress)) progress.since = now;
          else if (progress.since <= oldestSince) {
            oldest = socket;
            oldestSince = progress.since;
          }
        }
        if (oldest === void 0) return false;
        this.#sockets.delete(oldest);
        oldest.destroy();
        return true;
      }
    };
  }
});

// src/registry/server/exchange.ts
function responseHeaders(...extra) {
  return [API_VERSION_HEADER, API_VERSION, "X-Content-Type-Options", "nosniff", ...extra];
}
var API_VERSION_HEADER, API_VERSION, Exchange;
var init_exchange = __esm({
  "src/registry/server/exchange.ts"() {
    "use strict";
    init_printable();
    API_VERSION_HEADER = "Docker-Distribution-API-Version";
    API_VERSION = "registry/2.0";
    Exchange = class {
      req;
      res;
      /** A HEAD request: answered with the headers a GET would get, and no body. */
      head;
      /** Body bytes handed to the response so far. */
      bytes = 0;
      constructor(req, res) {
        this.req = req;
        this.res = res;
        this.head = req.method === "HEAD";
      }
      /** Answers `status` with `headers` and `body` (for HEAD, the headers only). */
      send(status, headers, body) {
        this.res.writeHead(status, headers);
        if (this.head || body === void 0) {
          this.res.end();
          return;
        }
        this.res.end(body);
        this.bytes += body.length;
      }
      /** Answers 200 with a JSON body of `contentType`, and `extra` headers. */
      sendJson(value, contentType = "application/json", extra = []) {
        const body = Buffer.from(JSON.stringify(value));
        this.send(200, responseHeaders("Content-Type", contentType, "Content-Length", String(body.length), ...extra), body);
      }
      /** Writes one line to `log` once the response closes (finished or cut off): method, target, status, body bytes, milliseconds. */
      logWhenClosed(log) {
        const start = performance.now();
        this.res.once("close", () => {
          const { req, res } = this;
          const ms = (performance.now() - start).toFixed(1);
          const aborted = res.writableFinished ? "" : " (aborted)";
          log(`${req.method} ${printableTarget(req.url ?? "")} ${res.statusCode}${aborted} ${this.bytes} ${ms}ms`);
        });
      }
    };
  }
});

// src/registry/server/ranges.ts
function select(headers, etag, size) {
  const ifMatch = headers["if-match"];
  if (ifMatch !== void 0 && !entityTagListMatches(ifMatch, etag, true)) return PRECONDITION_FAILED;
  const ifNoneMatch = headers["if-none-match"];
  if (ifNoneMatch !== void 0 && entityTagListMatches(ifNoneMatch, etag, false)) return NOT_MODIFIED;
  const range = headers.range;
  if (range === void 0) return WHOLE;
  const ifRange = headers["if-range"];
  if (ifRange !== void 0 && ifRange.trim() !== etag) return WHOLE;
  return parseRange(range, size);
}
function entityTagListMatches(header2, etag, strong) {
  const value = header2.trim();
  if (value === "*") return true;
  let i = 0;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 9 || c === 44) {
      i++;
      continue;
    }
    const weak = value.startsWith("W/", i);
    const open4 = weak ? i + 2 : i;
    if (value.charCodeAt(open4) !== 34) return false;
    const close = value.indexOf('"', open4 + 1);
    if (close === -1) return false;
    if ((!weak || !strong) && value.slice(open4, close + 1) === etag) return true;
    i = close + 1;
  }
  return false;
}
function parseRange(header2, size) {
  const equals = header2.indexOf("=");
  if (equals === -1 || header2.slice(0, equals).trim().toLowerCase() !== "bytes") return WHOLE;
  const ranges = [];
  let invalid = false;
  let specs = 0;
  let wholeEmpty = false;
  for (const part of header2.slice(equals + 1).split(",")) {
    const spec = part.trim();
    if (spec === "") continue;
    specs++;
    const dash = spec.indexOf("-");
    if (dash === -1) return WHOLE;
    const first = position2(spec.slice(0, dash).trim());
    const last = position2(spec.slice(dash + 1).trim());
    if (first === void 0 && last === void 0) return WHOLE;
    if (first === -1 || last === -1) return WHOLE;
    if (first === void 0) {
      if (last > 0 && size > 0) ranges.push({ start: Math.max(0, size - last), end: size - 1 });
      else if (last > 0) wholeEmpty = true;
      continue;
    }
    if (last !== void 0 && last < first) invalid = true;
    else if (first < size) ranges.push({ start: first, end: last === void 0 ? size - 1 : Math.min(last, size - 1) });
  }
  if (specs === 0 || wholeEmpty && !invalid) return WHOLE;
  if (invalid || ranges.length === 0) return UNSATISFIABLE;
  ranges.sort((a, b) => a.start - b.start);
  const merged = ranges[0];
  for (const range of ranges) {
    if (range.start > merged.end + 1) return WHOLE;
    merged.end = Math.max(merged.end, range.end);
  }
  return { kind: "range", start: merged.start, end: merged.end };
}
function position2(text) {
  if (text.length === 0) return void 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(text);
}
var NOT_MODIFIED, PRECONDITION_FAILED, UNSATISFIABLE, WHOLE;
var init_ranges = __esm({
  "src/registry/server/ranges.ts"() {
    "use strict";
    NOT_MODIFIED = { kind: "not-modified" };
    PRECONDITION_FAILED = { kind: "precondition-failed" };
    UNSATISFIABLE = { kind: "unsatisfiable" };
    WHOLE = { kind: "whole" };
  }
});

// src/registry/server/rejections.ts
function writeError(exchange, error) {
  const { res } = exchange;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const body = Buffer.from(JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail }] }));
  res.writeHead(error.status, responseHeaders("Content-Type", "application/json", "Content-Length", String(body.length), ...error.headers));
  res.end(body);
  exchange.bytes += body.length;
}
function failureAnswer(error) {
  if (error instanceof HttpError) return { answer: error, unlogged: false };
  if (error instanceof BlobFileError) {
    const message2 = `blob ${error.digest} ${error.corrupt ? "is corrupt" : "cannot be read"} on the server`;
    return { answer: new HttpError(500, "UNKNOWN", message2, { digest: error.digest }), unlogged: false };
  }
  const message = error instanceof ContentMismatchError ? "blob is corrupt on the server" : "internal server error";
  return { answer: new HttpError(500, "UNKNOWN", message), unlogged: true };
}
function methodNotAllowed(method) {
  const message = `this registry is read-only: ${quote(method ?? "")} is not supported, only GET and HEAD`;
  return new HttpError(405, "UNSUPPORTED", message, { method }, ["Allow", "GET, HEAD"]);
}
function noSuchEndpoint(path) {
  const message = `no such endpoint ${quote(path)}: this registry serves /v2/, /v2/_catalog and /v2/<name>/{manifests,blobs,referrers}/<reference>, /v2/<name>/tags/list`;
  return new HttpError(404, "UNSUPPORTED", message);
}
function invalidPageSize(raw) {
  return new HttpError(400, "UNSUPPORTED", `page size n=${quote(raw)} is not supported: n must be a non-negative integer in decimal digits`, {
    n: raw.slice(0, 100)
  });
}
function unknownRepository(name) {
  const why = isValidRepository(name) ? "" : `: a repository name is ${REPOSITORY_RULE}`;
  return new HttpError(404, "NAME_UNKNOWN", `repository ${quote(name)} is not known to this registry${why}`, { name: name.slice(0, MAX_DETAIL) });
}
function unknownManifest(name, reference) {
  const message = `manifest ${quote(reference)} is not known in repository ${quote(name)}${referenceProblem(reference)}`;
  return new HttpError(404, "MANIFEST_UNKNOWN", message, { name, reference: reference.slice(0, MAX_DETAIL) });
}
function unknownBlob(name, digest2) {
  const problem = digestProblem(digest2);
  const message = `blob ${quote(digest2)} is not known in repository ${quote(name)}${problem === void 0 ? "" : `: ${problem}`}`;
  return new HttpError(404, "BLOB_UNKNOWN", message, { name, digest: digest2.slice(0, MAX_DETAIL) });
}
function referenceProblem(reference) {
  if (reference.includes(":")) {
    const problem = digestProblem(reference);
    return problem === void 0 ? "" : `: it is not a tag, and ${problem}`;
  }
  return isValidTag(reference) ? "" : `: it is not a digest, and not a tag either (a tag is ${TAG_RULE})`;
}
function digestProblem(digest2) {
  try {
    parseDigest(digest2);
    return void 0;
  } catch (error) {
    if (error instanceof DigestError) return error.message;
    throw error;
  }
}
function checkRepositoryName(name) {
  const problem = repositoryProblem(name);
  if (problem !== void 0) throw new HttpError(400, "NAME_INVALID", problem, { name: name.slice(0, MAX_DETAIL) });
}
function checkDigest(digest2) {
  const problem = digestProblem(digest2);
  if (problem !== void 0) throw new HttpError(400, "DIGEST_INVALID", problem, { digest: digest2.slice(0, MAX_DETAIL) });
}
function preconditionFailed(digest2) {
  return new HttpError(412, "UNSUPPORTED", `precondition failed: the If-Match header does not name ${digest2}`, { digest: digest2 });
}
function rangeNotSatisfiable(digest2, size) {
  const message = `requested range not satisfiable: blob ${digest2} has ${size} bytes`;
  return new HttpError(416, "UNSUPPORTED", message, { digest: digest2, size }, ["Content-Range", `bytes */${size}`]);
}
var HttpError, MAX_DETAIL;
var init_rejections = __esm({
  "src/registry/server/rejections.ts"() {
    "use strict";
    init_errors();
    init_digest();
    init_names();
    init_exchange();
    HttpError = class extends Error {
      status;
      code;
      detail;
      /** Extra headers, flat [name, value, ...]. */
      headers;
      constructor(status, code, message, detail = {}, headers = []) {
        super(message);
        this.name = "HttpError";
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.headers = headers;
      }
    };
    MAX_DETAIL = 300;
  }
});

// src/registry/server/manifests.ts
function prepare(ref) {
  const etag = `"${ref.digest}"`;
  const notModifiedHeaders = responseHeaders("Docker-Content-Digest", ref.digest, "ETag", etag);
  return {
    digest: ref.digest,
    body: ref.raw,
    latin1Body: ref.raw.length <= STRING_BODY_MAX ? ref.raw.toString("latin1") : void 0,
    headers: [...notModifiedHeaders, "Content-Type", ref.mediaType, "Content-Length", String(ref.raw.length)],
    notModifiedHeaders,
    etag
  };
}
function serveManifest(exchange, m) {
  const { req, res } = exchange;
  const headers = req.headers;
  if (headers["if-none-match"] !== void 0 || headers["if-match"] !== void 0) {
    const selection = select({ "if-match": headers["if-match"], "if-none-match": headers["if-none-match"] }, m.etag, m.body.length);
    if (selection.kind === "not-modified") {
      res.writeHead(304, m.notModifiedHeaders);
      res.end();
      return;
    }
    if (selection.kind === "precondition-failed") throw preconditionFailed(m.digest);
  }
  res.writeHead(200, m.headers);
  if (exchange.head) {
    res.end();
    return;
  }
  if (m.latin1Body !== void 0) res.end(m.latin1Body, "latin1");
  else res.end(m.body);
  exchange.bytes += m.body.length;
}
var STRING_BODY_MAX, Manifests;
var init_manifests = __esm({
  "src/registry/server/manifests.ts"() {
    "use strict";
    init_exchange();
    init_ranges();
    init_rejections();
    STRING_BODY_MAX = 16 * 1024;
    Manifests = class {
      #registry;
      #prepared = /* @__PURE__ */ new WeakMap();
      constructor(registry) {
        this.#registry = registry;
      }
      /** Answers GET or HEAD of `reference` (a tag or digest) in repository `name`, or throws what the miss is answered with. */
      answer(exchange, name, reference) {
        const repo = this.#registry.repository(name);
        const found = repo?.manifest(reference);
        if (found !== void 0) return serveManifest(exchange, this.#prepare(found));
        if (repo === void 0) throw unknownRepository(name);
        throw unknownManifest(name, reference);
      }
      #prepare(ref) {
        let prepared = this.#prepared.get(ref);
        if (prepared === void 0) {
          prepared = prepare(ref);
          this.#prepared.set(ref, prepared);
        }
        return prepared;
      }
    };
  }
});

// src/registry/server/transfer.ts
async function sendRange(context, exchange, blob2, range, writeHead) {
  await new Transfer(context, exchange, writeHead).send(blob2, range);
}
var ResponseClosedError, Transfer;
var init_transfer = __esm({
  "src/registry/server/transfer.ts"() {
    "use strict";
    init_verify();
    init_blob_files();
    ResponseClosedError = class extends Error {
      constructor() {
        super("response closed before the blob was sent");
        this.name = "ResponseClosedError";
      }
    };
    Transfer = class {
      #context;
      #exchange;
      #writeHead;
      /** Settles when the response closes (finished, cut off, or the client went away). */
      #closed;
      /** What the buffer pool knows of this transfer: when the socket last took bytes, and how to end it. */
      #holder;
      #writes = [void 0, void 0];
      /** Settles once the first byte is handed to the socket, or the transfer ended before that. */
      #firstByte;
      #firstByteSent;
      constructor(context, exchange, writeHead) {
        this.#context = context;
        this.#exchange = exchange;
        this.#writeHead = writeHead;
        const { res } = exchange;
        this.#closed = res.destroyed ? Promise.resolve() : new Promise((resolve5) => res.once("close", resolve5));
        this.#holder = { lastProgress: Date.now(), cutOff: () => res.destroy() };
        const firstByte = Promise.withResolvers();
        this.#firstByte = firstByte.promise;
        this.#firstByteSent = firstByte.resolve;
      }
      async send(blob2, range) {
        const { res } = this.#exchange;
        void this.#context.connections.waitOnServer(res.socket, this.#firstByte);
        try {
          await this.#sendWithBuffers(blob2, range);
        } finally {
          this.#firstByteSent();
        }
      }
      async #sendWithBuffers(blob2, range) {
        const { pool } = this.#context;
        const { res } = this.#exchange;
        const pair = await pool.acquire(this.#holder, this.#closed);
        if (pair === void 0) throw new ResponseClosedError();
        let file;
        try {
          file = await this.#open(blob2, pair[0]);
          const held = await this.#copy(file, range, pair);
          this.#write(held.slot, held.chunk);
          await Promise.race([Promise.all(this.#writes.map((w) => w?.done)), this.#closed]);
          this.#throwIfClosed();
          res.end();
        } finally {
          await file?.handle.close();
          this.#writes.forEach((w, slot) => w === void 0 || w.settled ? pool.release(pair[slot]) : pool.abandon());
          pool.leave(this.#holder);
        }
      }
      /** The file, opened; one that may not stream while it is hashed is hashed whole first, through `buffer`. */
      async #open(blob2, buffer) {
        const { files } = this.#context;
        const file = await files.open(blob2);
        if (file.verified || file.layoutBlob) return file;
        const beforeRead = () => {
          this.#throwIfClosed();
          this.#holder.lastProgress = Date.now();
        };
        return files.verifyWhole(file, buffer, beforeRead);
      }
      /** Reads (and sends all but the last chunk of the range); returns the last chunk once it is known to be right. */
      async #copy(file, range, pair) {
        const { start, end } = range;
        const check = file.verified ? void 0 : new DigestCheck(file.blob, where(file.blob));
        const hashStartedAt = Date.now();
        let position3 = check === void 0 ? start : 0;
        const readEnd = check === void 0 ? end + 1 : file.blob.size;
        let held;
        let slot = 0;
        while (position3 < readEnd) {
          if (held?.slot === slot) slot = slot === 0 ? 1 : 0;
          const previous = this.#writes[slot];
          if (previous !== void 0 && !previous.settled) await Promise.race([previous.done, this.#closed]);
          this.#throwIfClosed();
          const buffer = pair[slot];
          const read = await readChunk(file, buffer, position3, readEnd);
          check?.update(buffer.subarray(0, read));
          const from = Math.max(position3, start);
          const to = Math.min(position3 + read, end + 1);
          position3 += read;
          if (from >= to) continue;
          const chunk = buffer.subarray(from - (position3 - read), to - (position3 - read));
          if (to === end + 1) {
            held = { chunk, slot };
            continue;
          }
          this.#write(slot, chunk);
          slot = slot === 0 ? 1 : 0;
        }
        if (held === void 0) throw new Error(`the range ${start}-${end} of ${where(file.blob)} was never read`);
        await this.#context.files.confirm(file, hashStartedAt, check);
        return held;
      }
      /** Hands a chunk to the response (its head first); `settled` once the socket has taken it (or failed), so its buffer may be reused. */
      #write(slot, chunk) {
        this.#throwIfClosed();
        const { res } = this.#exchange;
        if (!res.headersSent) this.#writeHead();
        let resolveDone = () => void 0;
        const w = { done: new Promise((resolve5) => resolveDone = resolve5), settled: false };
        res.write(chunk, () => {
          w.settled = true;
          this.#holder.lastProgress = Date.now();
          resolveDone();
        });
        this.#writes[slot] = w;
        this.#exchange.bytes += chunk.length;
        this.#firstByteSent();
      }
      #throwIfClosed() {
        if (this.#exchange.res.destroyed) throw new ResponseClosedError();
      }
    };
  }
});

// src/registry/server/blobs.ts
function blob(context, exchange, name, digest2) {
  const repo = context.registry.repository(name);
  const found = repo?.blobs.get(digest2);
  if (found !== void 0) return serveBlob(context, exchange, found);
  if (repo === void 0) throw unknownRepository(name);
  throw unknownBlob(name, digest2);
}
function serveBlob(context, exchange, b) {
  if (b.kind === "memory") return sendBytes(exchange, b, b.data);
  const cached = context.files.cached(b);
  if (cached !== void 0) return sendBytes(exchange, b, cached);
  if (b.size <= SMALL_BLOB_BYTES) return context.files.readSmall(b).then((bytes) => sendBytes(exchange, b, bytes));
  return sendFile(context, exchange, b);
}
function sendBytes(exchange, b, bytes) {
  const { status, headers, range } = responseHead(b, selectOrThrow(exchange.req, b));
  exchange.send(status, headers, range === void 0 ? void 0 : bytes.subarray(range.start, range.end + 1));
}
async function sendFile(context, exchange, b) {
  const { status, headers, range } = responseHead(b, selectOrThrow(exchange.req, b));
  if (exchange.head || range === void 0) {
    await context.files.check(b);
    exchange.send(status, headers, void 0);
    return;
  }
  await sendRange(context, exchange, b, range, () => exchange.res.writeHead(status, headers));
}
function selectOrThrow(req, b) {
  const h = req.headers;
  const ifRange = h["if-range"];
  const conditions = {
    "if-match": h["if-match"],
    "if-none-match": h["if-none-match"],
    "if-range": Array.isArray(ifRange) ? ifRange[0] : ifRange,
    range: h.range
  };
  const selection = select(conditions, `"${b.digest}"`, b.size);
  if (selection.kind === "precondition-failed") throw preconditionFailed(b.digest);
  if (selection.kind === "unsatisfiable") throw rangeNotSatisfiable(b.digest, b.size);
  return selection;
}
function responseHead(b, selection) {
  const headers = responseHeaders("Docker-Content-Digest", b.digest, "ETag", `"${b.digest}"`, "Accept-Ranges", "bytes");
  if (selection.kind === "not-modified") return { status: 304, headers, range: void 0 };
  const range = selection.kind === "range" ? selection : { start: 0, end: b.size - 1 };
  if (selection.kind === "range") headers.push("Content-Range", `bytes ${range.start}-${range.end}/${b.size}`);
  headers.push("Content-Type", BLOB_CONTENT_TYPE, "Content-Length", String(range.end + 1 - range.start));
  return { status: selection.kind === "range" ? 206 : 200, headers, range: b.size === 0 ? void 0 : range };
}
var BLOB_CONTENT_TYPE;
var init_blobs = __esm({
  "src/registry/server/blobs.ts"() {
    "use strict";
    init_blob_files();
    init_exchange();
    init_ranges();
    init_rejections();
    init_transfer();
    BLOB_CONTENT_TYPE = "application/octet-stream";
  }
});

// src/registry/server/discovery.ts
function tagsList(context, exchange, name, query) {
  const repo = context.registry.repository(name);
  if (repo === void 0) throw unknownRepository(name);
  sendPage(exchange, query, repo.sortedTags(), `/v2/${name}/tags/list`, (items) => ({ name, tags: items }));
}
function catalog(context, exchange, query) {
  sendPage(exchange, query, context.registry.repositories(), "/v2/_catalog", (items) => ({ repositories: items }));
}
function sendPage(exchange, query, sorted, base, body) {
  const page = pageParameters(query);
  const { items, next } = paginate(sorted, page.n, page.last);
  exchange.sendJson(body(items), "application/json", nextLink(base, page.n, next));
}
function pageParameters(query) {
  if (query === "") return { n: void 0, last: void 0 };
  const params = new URLSearchParams(query);
  const raw = params.get("n");
  const n = parsePageSize(raw);
  if (n === "invalid") throw invalidPageSize(raw ?? "");
  return { n, last: params.get("last") ?? void 0 };
}
function paginate(sorted, n, last) {
  let start = 0;
  if (last !== void 0) {
    let high = sorted.length;
    while (start < high) {
      const mid = start + high >>> 1;
      if (sorted[mid] <= last) start = mid + 1;
      else high = mid;
    }
  }
  if (n === void 0 || start + n >= sorted.length) return { items: sorted.slice(start), next: void 0 };
  const items = sorted.slice(start, start + n);
  return { items, next: items[items.length - 1] };
}
function parsePageSize(value) {
  if (value === null) return void 0;
  if (value.length === 0 || value.length > 15) return "invalid";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return "invalid";
  }
  return Number(value);
}
function nextLink(base, n, next) {
  if (next === void 0 || n === void 0) return [];
  return ["Link", `<${base}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`];
}
function referrers(context, exchange, name, digest2, query) {
  const repo = context.registry.repository(name);
  if (repo === void 0) checkRepositoryName(name);
  checkDigest(digest2);
  const types = artifactTypeFilter(query);
  const all = repo?.referrers.get(digest2) ?? [];
  const manifests = types.length === 0 ? all : all.filter((d) => d.artifactType !== void 0 && types.includes(d.artifactType));
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  const headers = responseHeaders("Content-Type", OCI_INDEX, "Content-Length", String(body.length), "Docker-Content-Digest", computeDigest(body));
  if (types.length > 0) headers.push("OCI-Filters-Applied", "artifactType");
  exchange.send(200, headers, body);
}
function artifactTypeFilter(query) {
  return query === "" ? [] : new URLSearchParams(query).getAll("artifactType").filter((t) => t !== "");
}
var init_discovery = __esm({
  "src/registry/server/discovery.ts"() {
    "use strict";
    init_digest();
    init_media_types();
    init_exchange();
    init_rejections();
  }
});

// src/registry/server/route.ts
function parseTarget(target) {
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q + 1);
  if (!path.startsWith("/v2") || path.length > 3 && path.charCodeAt(3) !== SLASH2) return void 0;
  if (path.length <= NAME_START) return { endpoint: "base" };
  if (path === "/v2/_catalog") return { endpoint: "catalog", query };
  const last = path.lastIndexOf("/");
  const previous = last > NAME_START ? path.lastIndexOf("/", last - 1) : -1;
  if (previous < NAME_START) return void 0;
  const name = path.slice(NAME_START, previous);
  const kind = path.slice(previous + 1, last);
  const argument = path.slice(last + 1);
  if (kind === "manifests" || kind === "blobs" || kind === "referrers") return { endpoint: kind, name, argument, query };
  if (kind === "tags" && argument === "list") return { endpoint: "tags", name, query };
  return void 0;
}
function route(context, exchange) {
  const method = exchange.req.method;
  if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(method);
  const url = exchange.req.url ?? "";
  const target = parseTarget(url);
  switch (target?.endpoint) {
    case "base":
      return exchange.sendJson({});
    case "catalog":
      return catalog(context, exchange, target.query);
    case "manifests":
      return context.manifests.answer(exchange, target.name, target.argument);
    case "blobs":
      return blob(context, exchange, target.name, target.argument);
    case "referrers":
      return referrers(context, exchange, target.name, target.argument, target.query);
    case "tags":
      return tagsList(context, exchange, target.name, target.query);
    case void 0:
      throw noSuchEndpoint(url.split("?")[0] ?? "");
  }
}
var SLASH2, NAME_START;
var init_route = __esm({
  "src/registry/server/route.ts"() {
    "use strict";
    init_blobs();
    init_discovery();
    init_rejections();
    SLASH2 = 47;
    NAME_START = 4;
  }
});

// src/registry/server/handler.ts
function errorLog(log) {
  return log ?? ((line) => void process.stderr.write(`${line}
`));
}
function createHandler(registry, options = {}, connections = NO_CONNECTIONS) {
  const log = options.log;
  const context = {
    registry,
    files: new BlobFiles(errorLog(log)),
    manifests: new Manifests(registry),
    pool: new BufferPool(options.blobMemory ?? DEFAULT_BLOB_MEMORY, BLOB_READ_CHUNK),
    connections,
    logError: errorLog(log)
  };
  return (req, res) => {
    const exchange = new Exchange(req, res);
    if (log !== void 0) exchange.logWhenClosed(log);
    try {
      const pending = route(context, exchange);
      if (pending !== void 0) pending.catch((error) => answerFailure(context, exchange, error));
    } catch (error) {
      answerFailure(context, exchange, error);
    }
  };
}
function answerFailure(context, exchange, error) {
  const { req, res } = exchange;
  const { answer, unlogged } = failureAnswer(error);
  if (unlogged) {
    if (res.destroyed) return;
    if (error instanceof ContentMismatchError) {
      context.logError(`${error.message}: ${res.headersSent ? "response cut off so the client cannot take it for the blob" : "answered 500"}`);
    } else {
      const detail = error instanceof Error ? error.stack ?? error.message : String(error);
      context.logError(`internal error serving ${req.method} ${printableTarget(req.url ?? "")}: ${detail}`);
    }
  }
  if (res.headersSent) res.destroy();
  else writeError(exchange, answer);
}
var DEFAULT_BLOB_MEMORY;
var init_handler = __esm({
  "src/registry/server/handler.ts"() {
    "use strict";
    init_errors();
    init_layout_store();
    init_printable();
    init_blob_files();
    init_buffer_pool();
    init_connections();
    init_exchange();
    init_manifests();
    init_rejections();
    init_route();
    DEFAULT_BLOB_MEMORY = 64 * 1024 * 1024;
  }
});

// required-when-run:node:net
var require_node_net = __commonJS({
  "required-when-run:node:net"(exports, module) {
    module.exports = __require("node:net");
  }
});

// src/net/host.ts
function parseHostPort(value, options = {}) {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value);
  if (match === null) return void 0;
  const [, ipv6, other, digits] = match;
  const host = ipv6 ?? other ?? "";
  const validHost = ipv6 !== void 0 ? (0, import_node_net.isIP)(ipv6) === 6 : (0, import_node_net.isIP)(host) === 4 || isDnsName(host);
  const port = digits === void 0 ? void 0 : Number(digits);
  const lowest = options.listening ? 0 : 1;
  if (!validHost || port !== void 0 && (port < lowest || port > 65535)) return void 0;
  return { host, port, address: `${formatHost(host)}${port === void 0 ? "" : `:${port}`}`.toLowerCase() };
}
function formatHost(host) {
  return host.includes(":") ? `[${host}]` : host;
}
function isDnsName(name) {
  return name.length <= 253 && /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(name);
}
function isWildcard(host) {
  return WILDCARD_LOOPBACK.has(unbracketed(host));
}
function loopbackFor(host) {
  return WILDCARD_LOOPBACK.get(unbracketed(host));
}
function isLoopback(host) {
  const name = unbracketed(host).toLowerCase();
  return name === "localhost" || name === "::1" || (0, import_node_net.isIP)(name) === 4 && name.startsWith("127.");
}
function unbracketed(host) {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
var import_node_net, WILDCARD_LOOPBACK;
var init_host = __esm({
  "src/net/host.ts"() {
    "use strict";
    import_node_net = __toESM(require_node_net(), 1);
    WILDCARD_LOOPBACK = /* @__PURE__ */ new Map([
      ["0.0.0.0", "127.0.0.1"],
      ["::", "::1"]
    ]);
  }
});

// src/registry/server/server.ts
async function listen(registry, options = {}) {
  const cap = new ConnectionCap(options.maxConnections ?? defaultMaxConnections());
  const handler = createHandler(registry, { blobMemory: options.blobMemory, ...options.log !== void 0 && { log: options.log } }, cap);
  const serverOptions = { keepAlive: true, noDelay: true, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS };
  const server = options.tls === void 0 ? createServer(serverOptions, handler) : (await import("node:https")).createServer(
    { ...serverOptions, handshakeTimeout: HEADERS_TIMEOUT_MS, cert: options.tls.cert, key: options.tls.key },
    handler
  );
  bound(server, cap, options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS);
  server.on("connect", (req, socket) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.shouldKeepAlive = false;
    res.once("finish", () => socket.end());
    handler(req, res);
  });
  await new Promise((resolve5, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve5();
    });
  });
  const logError = errorLog(options.log);
  server.on("error", (error) => logError(`registry server: ${error.message}`));
  const address = server.address();
  const host = loopbackFor(address.address) ?? address.address;
  const url = `${options.tls === void 0 ? "http" : "https"}://${formatHost(host)}:${address.port}`;
  let closing;
  const close = () => {
    closing ??= closeServer(server);
    return closing;
  };
  return { url, host, wildcard: isWildcard(address.address), port: address.port, close, [Symbol.asyncDispose]: close };
}
function bound(server, cap, sendTimeoutMs) {
  server.on("connection", (socket) => cap.admit(socket));
  server.timeout = 0;
  server.keepAliveTimeout = 0;
  const sweep = cap.closeStalledEvery(sendTimeoutMs);
  server.once("close", () => sweep.stop());
}
function closeServer(server) {
  return new Promise((resolve5, reject) => {
    server.close((error) => error === void 0 ? resolve5() : reject(error));
    server.closeAllConnections();
  });
}
var ServerResponse, createServer, DEFAULT_SEND_TIMEOUT_MS, HEADERS_TIMEOUT_MS, CONNECTIONS_CHECKING_INTERVAL_MS;
var init_server = __esm({
  "src/registry/server/server.ts"() {
    "use strict";
    init_host();
    init_connections();
    init_handler();
    ({ ServerResponse, createServer } = process.getBuiltinModule("node:http"));
    DEFAULT_SEND_TIMEOUT_MS = 3e4;
    HEADERS_TIMEOUT_MS = 1e4;
    CONNECTIONS_CHECKING_INTERVAL_MS = 1e3;
  }
});

// src/registry/server/index.ts
var init_server2 = __esm({
  "src/registry/server/index.ts"() {
    "use strict";
    init_handler();
    init_names();
    init_registry();
    init_server();
  }
});

// required-when-run:node:dns/promises
var require_promises2 = __commonJS({
  "required-when-run:node:dns/promises"(exports, module) {
    module.exports = __require("node:dns/promises");
  }
});

// src/tls/der.ts
function tlv(tag, content) {
  const length = content.length;
  if (length < 128) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.concat([Buffer.from([tag, 128 | bytes.length, ...bytes]), content]);
}
function unsignedInteger(bytes) {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(2, (trimmed[0] ?? 0) & 128 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}
function namedBits(bits) {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | 128 >> (bit & 7);
  return tlv(3, Buffer.concat([Buffer.from([7 - (highest & 7)]), bytes]));
}
function objectIdentifier(dotted) {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 127];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) groups.unshift(value & 127 | 128);
    bytes.push(...groups);
  }
  return tlv(6, Buffer.from(bytes));
}
function time(date) {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  return date.getUTCFullYear() < 2050 ? tlv(23, Buffer.from(`${digits.slice(2)}Z`)) : tlv(24, Buffer.from(`${digits}Z`));
}
var sequence, set, octetString, utf8String, boolean, nullValue, bitString, explicit, implicit;
var init_der = __esm({
  "src/tls/der.ts"() {
    "use strict";
    sequence = (...items) => tlv(48, Buffer.concat(items));
    set = (...items) => tlv(49, Buffer.concat(items));
    octetString = (bytes) => tlv(4, bytes);
    utf8String = (text) => tlv(12, Buffer.from(text, "utf8"));
    boolean = (value) => tlv(1, Buffer.from([value ? 255 : 0]));
    nullValue = () => tlv(5, Buffer.alloc(0));
    bitString = (bytes) => tlv(3, Buffer.concat([Buffer.from([0]), bytes]));
    explicit = (n, value) => tlv(160 | n, value);
    implicit = (n, content) => tlv(128 | n, content);
  }
});

// src/tls/issue.ts
var issue_exports = {};
__export(issue_exports, {
  issueCertificate: () => issueCertificate
});
async function issueCertificate(names, keyType = "ecdsa") {
  if (names.dns.length + names.ips.length === 0) throw new Error("a certificate needs at least one name");
  const keys = KEYS[keyType];
  const [caKeys, serverKeys] = await Promise.all([keys.generate(), keys.generate()]);
  const now = Date.now();
  const caName = distinguishedName(`localregistry CA ${new Date(now).toISOString()}`);
  const caKeyId = keyIdentifier(caKeys.publicKey);
  const ca = signed(
    {
      issuer: caName,
      subject: caName,
      publicKey: caKeys.publicKey,
      now,
      extensions: [
        extension(OID.basicConstraints, true, sequence(boolean(true), unsignedInteger(Buffer.from([0])))),
        extension(OID.keyUsage, true, namedBits([5, 6])),
        // keyCertSign, cRLSign
        extension(OID.subjectKeyIdentifier, false, octetString(caKeyId))
      ]
    },
    keys.signatureAlgorithm,
    caKeys.privateKey
  );
  const alternativeNames = [
    ...names.dns.map((name) => implicit(2, Buffer.from(name, "ascii"))),
    // dNSName
    ...names.ips.map((ip) => implicit(7, ipBytes(ip)))
    // iPAddress
  ];
  const server = signed(
    {
      issuer: caName,
      subject: distinguishedName((names.dns[0] ?? names.ips[0] ?? "").slice(0, 64)),
      publicKey: serverKeys.publicKey,
      now,
      extensions: [
        extension(OID.basicConstraints, true, sequence()),
        // cA FALSE is the default, which DER leaves out
        extension(OID.keyUsage, true, namedBits(keys.serverKeyUsage)),
        extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
        extension(OID.subjectAltName, false, sequence(...alternativeNames)),
        extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(serverKeys.publicKey))),
        extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, caKeyId)))
      ]
    },
    keys.signatureAlgorithm,
    caKeys.privateKey
  );
  return {
    caCertificate: pem(ca),
    certificate: pem(server),
    privateKey: serverKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  };
}
function signed(fields, signatureAlgorithm, signingKey) {
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    // version 3
    unsignedInteger(serialNumber()),
    signatureAlgorithm,
    fields.issuer,
    sequence(time(new Date(fields.now - BACKDATE_MS)), time(new Date(fields.now + LIFETIME_MS))),
    fields.subject,
    fields.publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...fields.extensions))
  );
  return sequence(tbs, signatureAlgorithm, bitString((0, import_node_crypto2.sign)("sha256", tbs, signingKey)));
}
function distinguishedName(commonName) {
  return sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
}
function extension(oid, critical, value) {
  return sequence(objectIdentifier(oid), ...critical ? [boolean(true)] : [], octetString(value));
}
function keyIdentifier(publicKey) {
  return (0, import_node_crypto2.createHash)("sha1").update(publicKey.export({ type: "spki", format: "der" })).digest();
}
function serialNumber() {
  const bytes = (0, import_node_crypto2.randomBytes)(16);
  bytes[0] = (bytes[0] ?? 0) & 63 | 64;
  return bytes;
}
function ipBytes(ip) {
  if ((0, import_node_net2.isIPv4)(ip)) return Buffer.from(ip.split(".").map(Number));
  const text = ip.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a, b, c, d) => [(+a << 8 | +b).toString(16), (+c << 8 | +d).toString(16)].join(":")
  );
  const [head = "", tail] = text.split("::");
  const groups = (part) => part === "" ? [] : part.split(":");
  const missing = 8 - groups(head).length - groups(tail ?? "").length;
  const all = [...groups(head), ...tail === void 0 ? [] : Array(missing).fill("0"), ...groups(tail ?? "")];
  const bytes = Buffer.alloc(16);
  all.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}
function pem(certificate) {
  const lines = certificate.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----
${lines.join("\n")}
-----END CERTIFICATE-----
`;
}
var import_node_crypto2, import_node_net2, import_node_util, BACKDATE_MS, LIFETIME_MS, generate, KEYS, OID;
var init_issue = __esm({
  "src/tls/issue.ts"() {
    "use strict";
    import_node_crypto2 = __toESM(require_node_crypto(), 1);
    import_node_net2 = __toESM(require_node_net(), 1);
    import_node_util = __toESM(require_node_util(), 1);
    init_der();
    BACKDATE_MS = 24 * 60 * 60 * 1e3;
    LIFETIME_MS = 30 * 24 * 60 * 60 * 1e3;
    generate = (0, import_node_util.promisify)(import_node_crypto2.generateKeyPair);
    KEYS = {
      ecdsa: {
        generate: () => generate("ec", { namedCurve: "P-256" }),
        signatureAlgorithm: sequence(objectIdentifier("1.2.840.10045.4.3.2")),
        // ecdsa-with-SHA256
        serverKeyUsage: [0]
        // digitalSignature
      },
      rsa: {
        generate: () => generate("rsa", { modulusLength: 2048 }),
        signatureAlgorithm: sequence(objectIdentifier("1.2.840.113549.1.1.11"), nullValue()),
        // sha256WithRSAEncryption
        serverKeyUsage: [0, 2]
        // digitalSignature, keyEncipherment (RSA key exchange)
      }
    };
    OID = {
      commonName: "2.5.4.3",
      basicConstraints: "2.5.29.19",
      keyUsage: "2.5.29.15",
      extKeyUsage: "2.5.29.37",
      serverAuth: "1.3.6.1.5.5.7.3.1",
      subjectAltName: "2.5.29.17",
      subjectKeyIdentifier: "2.5.29.14",
      authorityKeyIdentifier: "2.5.29.35"
    };
  }
});

// src/tls/index.ts
async function serverTls(options, listenHost) {
  if ("cert" in options) return { ...checkGivenCertificate(options), caCertificate: void 0 };
  if (options.keyType !== void 0 && !KEY_TYPES.includes(options.keyType))
    throw new UsageError(`the key type ${JSON.stringify(options.keyType)} (--tls-key-type, tls.keyType) is neither ${KEY_TYPES.join(" nor ")}`);
  const [{ issueCertificate: issueCertificate2 }, addresses] = await Promise.all([Promise.resolve().then(() => (init_issue(), issue_exports)), addressesOf(listenHost)]);
  const issued = await issueCertificate2(certificateNames([listenHost, ...addresses, ...options.hostnames ?? []]), options.keyType);
  return { cert: issued.certificate, key: issued.privateKey, caCertificate: issued.caCertificate };
}
async function addressesOf(host) {
  if ((0, import_node_net3.isIP)(host.replace(/^\[(.*)\]$/, "$1")) !== 0) return [];
  try {
    return (await (0, import_promises2.lookup)(host, { all: true })).map((address) => address.address);
  } catch {
    return [];
  }
}
function certificateNames(names) {
  const dns = /* @__PURE__ */ new Set();
  const ips = /* @__PURE__ */ new Set();
  for (const raw of names) {
    const name = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
    if (isWildcard(name)) {
      for (const address of Object.values((0, import_node_os.networkInterfaces)()).flat()) if (address !== void 0) ips.add(address.address.replace(/%.*$/, ""));
      dns.add("localhost");
    } else if ((0, import_node_net3.isIP)(name) !== 0) ips.add(name);
    else if (isDnsName(name)) dns.add(name.toLowerCase());
    else
      throw new UsageError(
        `certificate name ${JSON.stringify(raw)} (--hostname, tls.hostnames) is neither a DNS name (e.g. registry.test.internal) nor an IP address`
      );
  }
  return { dns: [...dns], ips: [...ips] };
}
function checkGivenCertificate(options) {
  let certificate;
  try {
    certificate = new import_node_crypto3.X509Certificate(options.cert);
  } catch (error) {
    throw new UsageError(`the TLS certificate (--tls-cert, tls.cert) is not a PEM X.509 certificate: ${error.message}`);
  }
  try {
    if (!certificate.checkPrivateKey((0, import_node_crypto3.createPrivateKey)(options.key))) throw new Error(`it is not the key of the certificate for ${certificate.subject}`);
  } catch (error) {
    throw new UsageError(`the TLS key (--tls-key, tls.key) does not fit the certificate: ${error.message}`);
  }
  return { cert: options.cert, key: options.key };
}
var import_node_crypto3, import_promises2, import_node_net3, import_node_os, KEY_TYPES;
var init_tls = __esm({
  "src/tls/index.ts"() {
    "use strict";
    import_node_crypto3 = __toESM(require_node_crypto(), 1);
    import_promises2 = __toESM(require_promises2(), 1);
    import_node_net3 = __toESM(require_node_net(), 1);
    import_node_os = __toESM(require_node_os(), 1);
    init_errors();
    init_host();
    KEY_TYPES = ["ecdsa", "rsa"];
  }
});

// src/api.ts
async function startRegistry(options = {}) {
  const address = listenAddress(options);
  const manifests = options.manifests ?? [];
  const loader = new Loader(options.runfiles, manifests);
  const registry = new Registry();
  const [tls] = await Promise.all([
    options.tls === void 0 ? void 0 : serverTls(options.tls, address.host),
    loader.load(manifests, options.images ?? []).then((placements) => registry.place(placements))
  ]);
  const limits = { maxConnections: options.maxConnections, sendTimeoutMs: options.sendTimeoutMs, blobMemory: options.blobMemory };
  const server = await listen(registry, { host: address.host, port: address.port, log: options.log, ...limits, ...tls && { tls } });
  const close = () => server.close();
  return {
    url: server.url,
    host: server.host,
    wildcard: server.wildcard,
    port: server.port,
    registry,
    caCertificate: tls?.caCertificate,
    async addLayout(image) {
      await registry.place(await loader.load([], [image]));
    },
    async addRef(repository, tag, ref) {
      await registry.place([{ repository, tag, ref, source: "addRef()" }]);
    },
    close,
    [Symbol.asyncDispose]: close
  };
}
function listenAddress(options) {
  const parsed = options.listen === void 0 ? { host: DEFAULT_HOST, port: 0 } : parseListen(options.listen);
  const port = options.port ?? parsed.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port ${port} is not a port number (0-65535)`);
  return { host: options.host ?? parsed.host, port };
}
function parseListen(value) {
  const parsed = parseHostPort(value, { listening: true });
  const host = parsed?.host;
  const port = parsed?.port;
  if (host === void 0 || port === void 0) {
    throw new UsageError(`--listen ${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:5000, localhost:0, [::1]:0; port 0 picks a free port)`);
  }
  return { host, port };
}
var DEFAULT_HOST;
var init_api = __esm({
  "src/api.ts"() {
    "use strict";
    init_loader();
    init_registry();
    init_server2();
    init_tls();
    init_errors();
    init_host();
    DEFAULT_HOST = "127.0.0.1";
  }
});

// src/cli/pull-hints.ts
function isHttps(target) {
  return new URL(target.url).protocol === "https:";
}
function imageReference(target, name) {
  return `${new URL(target.url).host}/${name}`;
}
function catalogCommand(target) {
  return `curl -s ${curlTrust(target)}${target.url}/v2/_catalog`;
}
function curlTrust(target) {
  return isHttps(target) ? `--cacert ${target.caFile ?? CA_PLACEHOLDER} ` : "";
}
function pullCommands(target, name, dir) {
  const image = imageReference(target, name);
  const host = new URL(target.url).host;
  if (!isHttps(target)) {
    return [
      { client: "skopeo", command: `skopeo copy --src-tls-verify=false docker://${image} oci:${dir}` },
      { client: "crane", command: `crane pull --insecure --format=oci ${image} ${dir}` },
      { client: "podman", command: `podman pull --tls-verify=false ${image}` },
      { client: "ctr", command: `ctr images pull --plain-http ${image}` },
      { client: "docker", command: `docker pull ${image}`, note: dockerPlainHttpNote(target, host) }
    ];
  }
  const ca = target.caFile ?? CA_PLACEHOLDER;
  return [
    { client: "skopeo", command: `SSL_CERT_FILE=${ca} skopeo copy docker://${image} oci:${dir}` },
    { client: "crane", command: `SSL_CERT_FILE=${ca} crane pull --format=oci ${image} ${dir}` },
    { client: "podman", command: `SSL_CERT_FILE=${ca} podman pull ${image}` },
    { client: "ctr", command: `ctr images pull --tlscacert ${ca} ${image}` },
    { client: "docker", command: `docker pull ${image}`, note: `first copy ${ca} to /etc/docker/certs.d/${host}/ca.crt` }
  ];
}
function dockerPlainHttpNote(target, host) {
  const configure = (where2) => `add {"insecure-registries": ["${where2}"]} to /etc/docker/daemon.json and restart dockerd`;
  if (!/^127\./.test(host)) return `first ${configure(host)}`;
  const local = "Docker trusts 127.0.0.0/8 as an insecure registry";
  return target.wildcard ? `${local}; on another machine pull ADDRESS:PORT and ${configure("ADDRESS:PORT")} there` : local;
}
function transportLine(target) {
  if (!isHttps(target)) return "plain HTTP: each client needs its plain-HTTP flag";
  if (target.caFile !== void 0) return `HTTPS: clients trust the CA in ${target.caFile}`;
  return `HTTPS: ${CA_PLACEHOLDER} is the CA of the certificate (with --tls, --ca-out FILE writes it)`;
}
function serveHints(target, registry, limit = 8) {
  const names = servedNames(registry);
  const lines = names.slice(0, limit).map((name) => `  ${imageReference(target, name)}`);
  if (names.length > limit) lines.push(`  ... ${names.length - limit} more: ${catalogCommand(target)}`);
  const example = names.find((name) => !name.includes("@"));
  if (example !== void 0) {
    lines.push(`Pull (${transportLine(target)}), e.g.:`);
    for (const { command, note } of pullCommands(target, example, "/tmp/image")) lines.push(`  ${command}${note === void 0 ? "" : `   (${note})`}`);
  }
  return lines.map((line) => `${line}
`).join("");
}
function servedNames(registry) {
  const names = [];
  for (const name of registry.repositories()) {
    const repo = registry.repository(name);
    if (repo === void 0) continue;
    if (repo.tags.size > 0) {
      for (const tag of repo.sortedTags()) names.push(`${name}:${tag}`);
      continue;
    }
    const children = /* @__PURE__ */ new Set();
    for (const ref of repo.manifests.values()) if (ref.kind === "index") for (const child of ref.children) children.add(child.digest);
    for (const digest2 of repo.manifests.keys()) if (!children.has(digest2)) names.push(`${name}@${digest2}`);
  }
  return names;
}
var CA_PLACEHOLDER;
var init_pull_hints = __esm({
  "src/cli/pull-hints.ts"() {
    "use strict";
    CA_PLACEHOLDER = "CA.pem";
  }
});

// src/files/write-file-atomic.ts
async function stageFile(file, data, options = {}) {
  const temp = (0, import_node_path7.join)((0, import_node_path7.dirname)(file), `.${(0, import_node_path7.basename)(file)}.${process.pid}.${(0, import_node_crypto4.randomBytes)(4).toString("hex")}.tmp`);
  const discard2 = () => (0, import_promises3.rm)(temp, { force: true }).catch(() => void 0);
  const fail = async (error) => {
    await discard2();
    throw new OutputFileError(`${options.name ?? "cannot write"} ${file}: ${systemReason(error)}`, { cause: error });
  };
  let identity;
  try {
    identity = await writeNew(temp, data, options.mode ?? 420);
  } catch (error) {
    return fail(error);
  }
  const commit = async () => {
    try {
      await (0, import_promises3.rename)(temp, file);
    } catch (error) {
      return fail(error);
    }
    return identity;
  };
  return { identity, commit, discard: discard2 };
}
async function writeNew(file, data, mode) {
  const handle = await (0, import_promises3.open)(file, "wx", mode);
  try {
    await handle.writeFile(data);
    const { dev, ino } = await handle.stat();
    return { dev, ino };
  } finally {
    await handle.close();
  }
}
async function stageAll(stages) {
  const staged = [];
  const discard2 = async () => void await Promise.all(staged.map((s) => s.discard()));
  try {
    for (const stage of stages) staged.push(await stage());
  } catch (error) {
    await discard2();
    throw error;
  }
  const commit = async () => {
    for (const [i, s] of staged.entries()) {
      try {
        await s.commit();
      } catch (error) {
        await Promise.all(staged.slice(i + 1).map((rest) => rest.discard()));
        throw error;
      }
    }
  };
  return { commit, discard: discard2 };
}
var import_node_crypto4, import_promises3, import_node_path7;
var init_write_file_atomic = __esm({
  "src/files/write-file-atomic.ts"() {
    "use strict";
    import_node_crypto4 = __toESM(require_node_crypto(), 1);
    import_promises3 = __toESM(require_promises(), 1);
    import_node_path7 = __toESM(require_node_path(), 1);
    init_errors();
  }
});

// src/client-config/index.ts
async function writeClientConfig(dir, options) {
  return (await stageClientConfig(dir, options)).commit();
}
async function stageClientConfig(dir, options) {
  const files = configFiles(options);
  const root = (0, import_node_path8.resolve)(dir);
  const record = Object.fromEntries([...files].map(([path, content]) => [path, digest(content)]));
  const stale = Object.entries(await readRecord(root)).filter(([path]) => !files.has(path));
  const made = [];
  const unmake = async () => void await Promise.all(made.map(removeIfNoFiles));
  const stageOne = (path, content) => async () => {
    const top = await (0, import_promises4.mkdir)((0, import_node_path8.dirname)((0, import_node_path8.join)(root, path)), { recursive: true });
    if (top !== void 0) made.push(top);
    return stageFile((0, import_node_path8.join)(root, path), content);
  };
  let staged;
  try {
    staged = await stageAll([...files, [RECORD, `${JSON.stringify(record, null, 2)}
`]].map(([path, content]) => stageOne(path, content)));
  } catch (error) {
    await unmake();
    throw writeError2(dir, error);
  }
  const commit = async () => {
    try {
      await staged.commit();
      for (const [path, written] of stale) await removeIfUnchanged(root, path, written);
    } catch (error) {
      throw writeError2(dir, error);
    }
    return { files: [...files.keys()].sort() };
  };
  const discard2 = async () => {
    await staged.discard();
    await unmake();
  };
  return { commit, discard: discard2 };
}
function configFiles(options) {
  const registry = parseRegistryUrl(options.url);
  const mirrors = options.mirrorFor.map((host) => parseRegistryHost(host).address);
  if (mirrors.length === 0) throw new UsageError("client configuration needs at least one registry host to mirror (--mirror-for HOST, e.g. docker.io)");
  const ca = options.caCertificate;
  const files = /* @__PURE__ */ new Map();
  if (ca !== void 0) files.set("ca.crt", ca);
  for (const host of new Set(mirrors)) {
    files.set(`containerd/certs.d/${host}/hosts.toml`, containerdHostsToml(host, registry, ca !== void 0));
    if (ca !== void 0) files.set(`containerd/certs.d/${host}/ca.crt`, ca);
  }
  files.set(`containers/registries.conf.d/${REGISTRIES_DROP_IN}`, registriesConf(mirrors, registry, options.repositories ?? []));
  if (ca !== void 0) {
    files.set(`containers/certs.d/${registry.address}/ca.crt`, ca);
    files.set(`docker/certs.d/${registry.address}/ca.crt`, ca);
  }
  if (mirrors.includes("docker.io")) files.set("docker/daemon.json", dockerDaemonJson(registry));
  return files;
}
function writeError2(dir, error) {
  return new OutputFileError(`failed to write client configuration to ${dir}: ${error.message}`, { cause: error });
}
async function readRecord(dir) {
  let parsed;
  try {
    parsed = JSON.parse(await (0, import_promises4.readFile)((0, import_node_path8.join)(dir, RECORD), "utf8"));
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry) => typeof entry[1] === "string" && isInside(entry[0])));
}
function isInside(path) {
  return path !== "" && !path.startsWith("/") && !path.split(/[/\\]/).includes("..") && path !== RECORD;
}
async function removeIfUnchanged(dir, path, written) {
  const file = (0, import_node_path8.join)(dir, path);
  let content;
  try {
    content = await (0, import_promises4.readFile)(file);
  } catch {
    return;
  }
  if (digest(content) !== written) return;
  await (0, import_promises4.rm)(file);
  await removeEmptyDirs((0, import_node_path8.dirname)(file), dir);
}
async function removeEmptyDirs(path, top) {
  for (let at = path; at !== top && at.startsWith(`${top}${import_node_path8.sep}`); at = (0, import_node_path8.dirname)(at)) {
    try {
      await (0, import_promises4.rmdir)(at);
    } catch {
      return;
    }
  }
}
async function removeIfNoFiles(path) {
  try {
    const entries = await (0, import_promises4.readdir)(path, { recursive: true, withFileTypes: true });
    if (entries.every((entry) => entry.isDirectory())) await (0, import_promises4.rm)(path, { recursive: true });
  } catch {
  }
}
function parseRegistryUrl(value) {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(value);
  const scheme = match?.[1];
  const address = match?.[2];
  if (scheme !== "http" && scheme !== "https" || address === void 0) {
    throw new UsageError(`registry URL ${JSON.stringify(value)} is not http(s)://HOST[:PORT]`);
  }
  return { scheme, address: parseRegistryHost(address).address };
}
function parseRegistryHost(value) {
  const parsed = parseHostPort(value);
  if (parsed === void 0)
    throw new UsageError(`${JSON.stringify(value)} is not a registry host: expected HOST[:PORT], e.g. docker.io, ghcr.io or registry.test.internal:5000`);
  return parsed;
}
function containerdHostsToml(host, registry, withCa) {
  const url = `${registry.scheme}://${registry.address}`;
  const ca = withCa ? ['ca = "ca.crt"'] : [];
  return [
    `# Written by localregistry: containerd pulls ${host} images from ${url}.`,
    `# Install this directory as /etc/containerd/certs.d/${host}/ (config_path = "/etc/containerd/certs.d").`,
    `# server is the registry too, so an image it does not serve is not found, not fetched from ${host}.`,
    `server = ${toml(url)}`,
    ...ca,
    "",
    `[host.${toml(url)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...ca.map((line) => `  ${line}`),
    ""
  ].join("\n");
}
function registriesConf(mirrors, registry, repositories) {
  const insecure = registry.scheme === "http" ? ["insecure = true"] : [];
  const lines = [
    `# Written by localregistry: CRI-O, podman and skopeo pull these registries' images from ${registry.address}.`,
    `# Install as /etc/containers/registries.conf.d/${REGISTRIES_DROP_IN}, with certs.d/ as /etc/containers/certs.d/.`,
    "# location is the registry too, so an image it does not serve is not found, not fetched from the internet."
  ];
  for (const host of new Set(mirrors)) {
    lines.push("", "[[registry]]", `prefix = ${toml(host)}`, `location = ${toml(registry.address)}`, ...insecure);
    lines.push("", "[[registry.mirror]]", `location = ${toml(registry.address)}`, ...insecure);
  }
  if (!mirrors.includes(registry.address)) lines.push("", "[[registry]]", `location = ${toml(registry.address)}`, ...insecure);
  const aliases = mirrors.includes("docker.io") ? shortNames(repositories) : [];
  if (aliases.length > 0) {
    lines.push("", "# Short names, resolved as Docker does: NAME:TAG is docker.io/library/NAME:TAG.", "[aliases]");
    for (const name of aliases) lines.push(`${toml(name)} = ${toml(`docker.io/library/${name}`)}`);
  }
  return `${lines.join("\n")}
`;
}
function shortNames(repositories) {
  const names = repositories.filter((r) => r.startsWith("library/") && !r.slice("library/".length).includes("/")).map((r) => r.slice("library/".length));
  return [...new Set(names)].sort();
}
function dockerDaemonJson(registry) {
  const config = {
    "registry-mirrors": [`${registry.scheme}://${registry.address}`],
    ...registry.scheme === "http" && { "insecure-registries": [registry.address] }
  };
  return `${JSON.stringify(config, null, 2)}
`;
}
var import_node_crypto5, import_promises4, import_node_path8, REGISTRIES_DROP_IN, RECORD, digest, toml;
var init_client_config = __esm({
  "src/client-config/index.ts"() {
    "use strict";
    import_node_crypto5 = __toESM(require_node_crypto(), 1);
    import_promises4 = __toESM(require_promises(), 1);
    import_node_path8 = __toESM(require_node_path(), 1);
    init_errors();
    init_host();
    init_write_file_atomic();
    REGISTRIES_DROP_IN = "50-localregistry.conf";
    RECORD = ".localregistry-written.json";
    digest = (content) => `sha256:${(0, import_node_crypto5.createHash)("sha256").update(content).digest("hex")}`;
    toml = (value) => JSON.stringify(value);
  }
});

// src/cli/launcher-options.ts
function parseLauncherOptions(values) {
  const cert = values["tls-cert"];
  const key = values["tls-key"];
  if (cert === void 0 !== (key === void 0))
    throw new UsageError("--tls-cert FILE and --tls-key FILE go together: give both, or neither (with --tls) to generate a certificate");
  const given = cert !== void 0 && key !== void 0;
  if (given && values.hostname.length > 0) throw new UsageError("--hostname names a generated certificate; a --tls-cert certificate has its own names");
  if (!values.tls && !given && values.hostname.length > 0) throw new UsageError("--hostname names the certificate of --tls: add --tls");
  const keyType = parseKeyType(values["tls-key-type"], values.tls && !given);
  const caOut = values["ca-out"];
  if (caOut !== void 0 && !(values.tls && !given))
    throw new UsageError("--ca-out writes the CA of a generated certificate: it needs --tls (without --tls-cert)");
  const dir = values["client-config"];
  const mirrorFor = values["mirror-for"].map((host) => parseRegistryHost(host).address);
  if (dir === void 0 && mirrorFor.length > 0) throw new UsageError("--mirror-for HOST goes into --client-config DIR: add it");
  if (dir !== void 0 && mirrorFor.length === 0)
    throw new UsageError("--client-config DIR needs the registries to mirror: add --mirror-for HOST (e.g. docker.io, ghcr.io)");
  if (dir === void 0 && values.advertise !== void 0) throw new UsageError("--advertise is the address written into --client-config DIR: add it");
  const advertise = values.advertise === void 0 ? void 0 : parseAdvertise(values.advertise);
  if (dir !== void 0 && advertise === void 0 && isWildcard(parseListen(values.listen).host))
    throw new UsageError(`--listen ${values.listen} is every interface, not an address a node can use: add --advertise HOST[:PORT] for --client-config`);
  const tls = given ? { kind: "files", cert, key } : values.tls ? { kind: "generate", hostnames: [...values.hostname, ...advertise ? [advertise.host] : []], keyType } : { kind: "none" };
  return { tls, caOut, clientConfig: dir === void 0 ? void 0 : { dir, mirrorFor, advertise } };
}
function parseKeyType(value, generating) {
  if (value === void 0) return "ecdsa";
  if (!generating) throw new UsageError("--tls-key-type is the key of the certificate --tls generates: add --tls (without --tls-cert)");
  const keyType = KEY_TYPES.find((type) => type === value);
  if (keyType === void 0) throw new UsageError(`--tls-key-type ${value}: give ${KEY_TYPES.join(" or ")}`);
  return keyType;
}
function parseAdvertise(value) {
  const { host, port } = parseRegistryHost(value);
  return { host: formatHost(host).toLowerCase(), port };
}
async function tlsOption(options) {
  const tls = options.tls;
  if (tls.kind === "none") return void 0;
  if (tls.kind === "generate") return { hostnames: tls.hostnames, keyType: tls.keyType };
  return { cert: await readOptionFile("--tls-cert", tls.cert), key: await readOptionFile("--tls-key", tls.key) };
}
async function readOptionFile(option, file) {
  try {
    return await (0, import_promises5.readFile)(file);
  } catch (error) {
    throw new UsageError(`${option} ${file}: ${error.message}`);
  }
}
function launcherFileStages(options, registry, io) {
  const stages = [];
  const { caOut, clientConfig: config } = options;
  const ca = registry.caCertificate;
  if (caOut !== void 0 && ca !== void 0) stages.push(() => stageFile(caOut, ca, { name: "--ca-out" }));
  if (config === void 0) return stages;
  const url = new URL(registry.url);
  const advertised = config.advertise === void 0 ? registry.url : `${url.protocol}//${config.advertise.host}:${config.advertise.port ?? registry.port}`;
  stages.push(async () => {
    const staged = await stageClientConfig(config.dir, {
      url: advertised,
      caCertificate: ca,
      mirrorFor: config.mirrorFor,
      repositories: registry.registry.repositories()
    });
    const commit = async () => {
      const written = await staged.commit();
      io.stderr.write(
        `localregistry: wrote client configuration for ${config.mirrorFor.join(", ")} via ${advertised} to ${config.dir} (${written.files.length} files)
`
      );
    };
    return { commit, discard: staged.discard };
  });
  return stages;
}
var import_promises5, LAUNCHER_ARGS;
var init_launcher_options = __esm({
  "src/cli/launcher-options.ts"() {
    "use strict";
    import_promises5 = __toESM(require_promises(), 1);
    init_api();
    init_client_config();
    init_write_file_atomic();
    init_errors();
    init_host();
    init_tls();
    LAUNCHER_ARGS = {
      tls: { type: "boolean", default: false },
      hostname: { type: "string", multiple: true, default: [] },
      "tls-key-type": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "ca-out": { type: "string" },
      "client-config": { type: "string" },
      "mirror-for": { type: "string", multiple: true, default: [] },
      advertise: { type: "string" }
    };
  }
});

// src/cli/durations.ts
function parseSeconds(option, value) {
  const match = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(value.trim());
  const seconds = match === null ? Number.NaN : Number(match[1]) * (UNIT_SECONDS.get(match[2] ?? "") ?? Number.NaN);
  if (!(seconds > 0)) throw new UsageError(`${option} ${JSON.stringify(value)} is not a duration: give seconds, e.g. 90, 2.5 or 5m`);
  return seconds;
}
var UNIT_SECONDS;
var init_durations = __esm({
  "src/cli/durations.ts"() {
    "use strict";
    init_errors();
    UNIT_SECONDS = /* @__PURE__ */ new Map([
      ["", 1],
      ["s", 1],
      ["m", 60],
      ["h", 3600]
    ]);
  }
});

// src/cli/limit-options.ts
function parseLimitOptions(values) {
  const limits = {};
  const connections = values["max-connections"];
  if (connections !== void 0) limits.maxConnections = parseMaxConnections(connections);
  const timeout = values["send-timeout"];
  if (timeout !== void 0) limits.sendTimeoutMs = parseSendTimeout(timeout);
  const memory = values["blob-memory"];
  if (memory !== void 0) limits.blobMemory = parseBlobMemory(memory);
  return limits;
}
function parseMaxConnections(value) {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= 1)) throw new UsageError(`--max-connections ${JSON.stringify(value)} is not a number of connections: give a whole number of at least 1, e.g. 500`);
  return n;
}
function parseSendTimeout(value) {
  const ms = Math.round(parseSeconds("--send-timeout", value) * 1e3);
  if (ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new UsageError(`--send-timeout ${JSON.stringify(value)} is out of range: give 0.001 to ${Math.floor(MAX_TIMEOUT_MS / 1e3)} seconds`);
  }
  return ms;
}
function parseBlobMemory(value) {
  const match = /^(\d{1,15})(KiB|MiB|GiB)?$/.exec(value.trim());
  const bytes = match === null ? Number.NaN : Number(match[1]) * (SIZE_UNITS.get(match[2] ?? "") ?? Number.NaN);
  if (!(bytes >= MIN_BLOB_MEMORY) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`--blob-memory ${JSON.stringify(value)} is not a size of at least 2 MiB: give bytes or KiB/MiB/GiB, e.g. 64MiB or 268435456`);
  }
  return bytes;
}
var LIMIT_ARGS, MAX_TIMEOUT_MS, MIB, MIN_BLOB_MEMORY, SIZE_UNITS;
var init_limit_options = __esm({
  "src/cli/limit-options.ts"() {
    "use strict";
    init_errors();
    init_durations();
    LIMIT_ARGS = {
      "max-connections": { type: "string" },
      "send-timeout": { type: "string" },
      "blob-memory": { type: "string" }
    };
    MAX_TIMEOUT_MS = 2 ** 31 - 1;
    MIB = 1024 * 1024;
    MIN_BLOB_MEMORY = 2 * MIB;
    SIZE_UNITS = /* @__PURE__ */ new Map([
      ["", 1],
      ["KiB", 1024],
      ["MiB", MIB],
      ["GiB", 1024 * MIB]
    ]);
  }
});

// src/cli/ready-file.ts
var import_node_fs9, import_promises6, ReadyFile;
var init_ready_file = __esm({
  "src/cli/ready-file.ts"() {
    "use strict";
    import_node_fs9 = __toESM(require_node_fs(), 1);
    import_promises6 = __toESM(require_promises(), 1);
    init_write_file_atomic();
    ReadyFile = class _ReadyFile {
      path;
      #content;
      #staged;
      constructor(path, content, staged) {
        this.path = path;
        this.#content = content;
        this.#staged = staged;
      }
      /**
       * Writes `url\n` beside `path`, to be renamed over it by commit(): readers see no file, an
       * older one, or the whole URL. Until then remove() leaves whatever is at `path` alone.
       */
      static async stage(path, url) {
        const content = `${url}
`;
        return new _ReadyFile(path, content, await stageFile(path, content, { name: "--ready-file" }));
      }
      async commit() {
        await this.#staged.commit();
      }
      async discard() {
        await this.#staged.discard();
      }
      /** Removes the file if it is still ours; leaves it alone otherwise (or when it is gone). */
      async remove() {
        try {
          const stats = await (0, import_promises6.lstat)(this.path);
          if (this.#isOurs(stats) && await (0, import_promises6.readFile)(this.path, "utf8") === this.#content) await (0, import_promises6.rm)(this.path, { force: true });
        } catch {
        }
      }
      /** remove() for a process that is exiting (an 'exit' listener cannot wait). */
      removeSync() {
        try {
          if (this.#isOurs((0, import_node_fs9.lstatSync)(this.path)) && (0, import_node_fs9.readFileSync)(this.path, "utf8") === this.#content) (0, import_node_fs9.rmSync)(this.path, { force: true });
        } catch {
        }
      }
      #isOurs(stats) {
        return stats.dev === this.#staged.identity.dev && stats.ino === this.#staged.identity.ino;
      }
    };
  }
});

// src/cli/serve.ts
var serve_exports = {};
__export(serve_exports, {
  SERVE_ARGS: () => SERVE_ARGS,
  parseImageOption: () => parseImageOption,
  parseServeArgs: () => parseServeArgs,
  runServeCommand: () => runServeCommand
});
function parseServeArgs(args) {
  const { values } = parseCommandArgs(
    "serve",
    () => (0, import_node_util2.parseArgs)({
      args,
      strict: true,
      allowPositionals: false,
      options: SERVE_ARGS
    })
  );
  if (values.help) return void 0;
  const images = values.image.map(parseImageOption);
  if (values.manifest.length === 0 && images.length === 0) throw new UsageError("nothing to serve: give at least one --manifest FILE or --image REPO[:TAG]=DIR");
  return {
    manifests: values.manifest,
    images,
    listen: values.listen,
    readyFile: values["ready-file"],
    runfiles: values.runfiles,
    logRequests: values["log-requests"],
    stopOnStdinClose: values["stop-on-stdin-close"],
    launcher: parseLauncherOptions(values),
    limits: parseLimitOptions(values)
  };
}
function parseImageOption(value) {
  const source = `--image ${value}`;
  const eq = value.indexOf("=");
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`${source}: expected REPO[:TAG]=DIR, e.g. app:latest=bazel-bin/app/image`);
  const name = value.slice(0, eq);
  const layout = value.slice(eq + 1);
  const colon = name.indexOf(":");
  if (colon < 0) return { repository: name, layout, source };
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1), layout, source };
}
async function runServeCommand(args, io, stop) {
  const options = parseServeArgs(args);
  if (options === void 0) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (!options.stopOnStdinClose) return serve(options, io, stop);
  const closed = new AbortController();
  const onClose = () => {
    if (closed.signal.aborted) return;
    io.stderr.write("localregistry: standard input closed (--stop-on-stdin-close): stopping\n");
    closed.abort();
  };
  const stdin = process.stdin.on("end", onClose).on("error", onClose).resume();
  try {
    return await serve(options, io, AbortSignal.any([stop, closed.signal]));
  } finally {
    stdin.off("end", onClose).off("error", onClose);
    stdin.destroy();
  }
}
async function serve(options, io, stop) {
  const registry = await startRegistry({
    manifests: options.manifests,
    images: options.images,
    listen: options.listen,
    runfiles: options.runfiles,
    tls: await tlsOption(options.launcher),
    ...options.limits,
    ...options.logRequests && { log: (line) => io.stderr.write(`${line}
`) }
  });
  let ready;
  const onExit = () => ready?.removeSync();
  process.once("exit", onExit);
  try {
    if (stop.aborted) return 0;
    if (registry.wildcard) {
      io.stderr.write(
        `localregistry: warning: --listen ${options.listen} listens on every interface: other machines can pull these images too; on this one use ${registry.url} (--listen 127.0.0.1:PORT keeps it local)
`
      );
    }
    const readyFile = options.readyFile;
    const announced = await stageAll([
      ...launcherFileStages(options.launcher, registry, io),
      ...readyFile === void 0 ? [] : [async () => ready = await ReadyFile.stage(readyFile, registry.url)]
    ]);
    await announced.commit();
    io.stdout.write(`${registry.url}
`);
    io.stderr.write(
      `localregistry: ${summary(registry)} at ${registry.url}; Ctrl-C stops
${serveHints(pullTarget(registry, options.launcher), registry.registry)}`
    );
    if (!stop.aborted) await (0, import_node_events.once)(stop, "abort");
  } finally {
    await registry.close();
    await ready?.remove();
    process.off("exit", onExit);
  }
  return 0;
}
function pullTarget(registry, launcher) {
  const written = registry.caCertificate === void 0 ? void 0 : launcher.caOut ?? (launcher.clientConfig && (0, import_node_path9.join)(launcher.clientConfig.dir, "ca.crt"));
  return { url: registry.url, wildcard: registry.wildcard, caFile: written };
}
function summary(registry) {
  const names = registry.registry.repositories();
  let tags = 0;
  let manifests = 0;
  for (const name of names) {
    const repo = registry.registry.repository(name);
    tags += repo?.tags.size ?? 0;
    manifests += repo?.manifests.size ?? 0;
  }
  return `serving ${plural(names.length, "repository", "repositories")}, ${plural(tags, "tag", "tags")}, ${plural(manifests, "manifest", "manifests")}`;
}
function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
var import_node_events, import_node_path9, import_node_util2, SERVE_ARGS;
var init_serve = __esm({
  "src/cli/serve.ts"() {
    "use strict";
    import_node_events = __toESM(require_node_events(), 1);
    import_node_path9 = __toESM(require_node_path(), 1);
    import_node_util2 = __toESM(require_node_util(), 1);
    init_api();
    init_errors();
    init_io();
    init_help();
    init_pull_hints();
    init_write_file_atomic();
    init_launcher_options();
    init_limit_options();
    init_ready_file();
    SERVE_ARGS = {
      manifest: { type: "string", multiple: true, default: [] },
      image: { type: "string", multiple: true, default: [] },
      listen: { type: "string", default: DEFAULT_LISTEN },
      "ready-file": { type: "string" },
      runfiles: { type: "string" },
      "log-requests": { type: "boolean", default: false },
      "stop-on-stdin-close": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...LAUNCHER_ARGS,
      ...LIMIT_ARGS
    };
  }
});

// required-when-run:node:child_process
var require_node_child_process = __commonJS({
  "required-when-run:node:child_process"(exports, module) {
    module.exports = __require("node:child_process");
  }
});

// src/registry/client/docker-config.ts
function dockerConfigPath(env = process.env) {
  const dir = env["DOCKER_CONFIG"] || (0, import_node_path10.join)(env["HOME"] || (0, import_node_os2.homedir)(), ".docker");
  return (0, import_node_path10.join)(dir, "config.json");
}
async function dockerCredentials(host, options = {}) {
  const env = options.env ?? process.env;
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  if (config === void 0) return void 0;
  const server = DOCKER_HUB_HOSTS.has(host.toLowerCase()) ? DOCKER_HUB : host;
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (helper !== void 0 && helper !== "") {
    if (!HELPER_NAME.test(helper)) throw new AuthError(`Docker config ${path}: credential helper name ${JSON.stringify(helper.slice(0, 60))} is not a name`);
    return usable(await runHelper(helper, server, env, options.helperTimeout ?? DEFAULT_HELPER_TIMEOUT_MS), host, path, options.warn);
  }
  return usable(fromAuths(config, server, path), host, path, options.warn);
}
async function readConfig(path) {
  let text;
  try {
    text = await (0, import_promises7.readFile)(path, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return void 0;
    throw new AuthError(`cannot read the Docker config ${path}: ${error instanceof Error && "code" in error ? String(error.code) : "unreadable"}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AuthError(`the Docker config ${path} is not valid JSON`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new AuthError(`the Docker config ${path} is not a JSON object`);
  return json;
}
function fromAuths(config, server, path) {
  const auths = config.auths ?? {};
  const key = Object.keys(auths).find((k) => k === server) ?? Object.keys(auths).find((k) => hostOf(k) === hostOf(server));
  const entry = key === void 0 ? void 0 : auths[key];
  if (entry === void 0 || typeof entry !== "object" || entry === null) return void 0;
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new AuthError(`the Docker config ${path}: the "auth" of ${JSON.stringify(key)} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === "string" && typeof entry.password === "string") return { username: entry.username, password: entry.password };
  if (typeof entry.identitytoken === "string" && entry.identitytoken !== "") return { username: IDENTITY_TOKEN_USER, password: entry.identitytoken };
  return void 0;
}
function hostOf(key) {
  const host = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  return parseHostPort(host)?.address ?? host.toLowerCase();
}
function usable(credentials, host, path, warn) {
  if (credentials?.username !== IDENTITY_TOKEN_USER) return credentials;
  warn?.(
    `the Docker config ${path} holds an identity token for ${host}, which localregistry cannot use; pulling anonymously (give --username and --password-stdin instead)`
  );
  return void 0;
}
function runHelper(name, server, env, timeout) {
  const program = `docker-credential-${name}`;
  return new Promise((resolve5, reject) => {
    const child = (0, import_node_child_process.execFile)(program, ["get"], { env, timeout, maxBuffer: 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) {
        try {
          resolve5(parseHelperAnswer(stdout, program, server));
        } catch (parseError) {
          reject(parseError);
        }
        return;
      }
      const said = `${stdout}
${stderr}`;
      if (/credentials not found/i.test(said)) resolve5(void 0);
      else reject(helperError(error, said, program, server, timeout));
    });
    child.stdin?.on("error", () => {
    });
    child.stdin?.end(server);
  });
}
function helperError(error, said, program, server, timeout) {
  const code = "code" in error ? error.code : void 0;
  if (code === "ENOENT") return new AuthError(`the Docker config names the credential helper ${program} for ${server}, and it is not on PATH`);
  if ("killed" in error && error.killed) return new AuthError(`${program} get for ${server} did not answer within ${timeout / 1e3} s`);
  const line = (said.trim().split("\n")[0] ?? "").slice(0, 200);
  return new AuthError(`${program} get for ${server} failed (exit ${typeof code === "number" ? code : "?"})${line === "" ? "" : `: ${line}`}`);
}
function parseHelperAnswer(stdout, program, server) {
  let json;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new AuthError(`${program} get for ${server} answered with something that is not JSON`);
  }
  if (typeof json !== "object" || json === null || !("Username" in json) || !("Secret" in json)) {
    throw new AuthError(`${program} get for ${server} answered without Username and Secret`);
  }
  const { Username, Secret } = json;
  if (typeof Username !== "string" || typeof Secret !== "string") throw new AuthError(`${program} get for ${server} answered without Username and Secret`);
  return { username: Username, password: Secret };
}
var import_node_child_process, import_promises7, import_node_os2, import_node_path10, DOCKER_HUB, DOCKER_HUB_HOSTS, HELPER_NAME, DEFAULT_HELPER_TIMEOUT_MS, IDENTITY_TOKEN_USER;
var init_docker_config = __esm({
  "src/registry/client/docker-config.ts"() {
    "use strict";
    import_node_child_process = __toESM(require_node_child_process(), 1);
    import_promises7 = __toESM(require_promises(), 1);
    import_node_os2 = __toESM(require_node_os(), 1);
    import_node_path10 = __toESM(require_node_path(), 1);
    init_errors();
    init_host();
    DOCKER_HUB = "https://index.docker.io/v1/";
    DOCKER_HUB_HOSTS = /* @__PURE__ */ new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
    HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
    DEFAULT_HELPER_TIMEOUT_MS = 3e4;
    IDENTITY_TOKEN_USER = "<token>";
  }
});

// required-when-run:node:stream/promises
var require_promises3 = __commonJS({
  "required-when-run:node:stream/promises"(exports, module) {
    module.exports = __require("node:stream/promises");
  }
});

// required-when-run:node:timers/promises
var require_promises4 = __commonJS({
  "required-when-run:node:timers/promises"(exports, module) {
    module.exports = __require("node:timers/promises");
  }
});

// src/oci/owned-files.ts
function ownedName(prefix) {
  return `${prefix}${process.pid}-${HOST}-${(0, import_node_crypto6.randomBytes)(6).toString("hex")}`;
}
function isStaleName(name, prefix) {
  if (!name.startsWith(prefix)) return false;
  const match = /^(\d+)-([0-9a-f]{8})-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
  return match !== null && isGone(Number(match[1]), match[2]);
}
function ownerRecord() {
  return `${process.pid} ${HOST} ${(0, import_node_crypto6.randomBytes)(8).toString("hex")}
`;
}
function isStaleRecord(record) {
  const match = /^(\d+) ([0-9a-f]{8}) [0-9a-f]{16}\n$/.exec(record);
  return match !== null && isGone(Number(match[1]), match[2]);
}
function ownerPid(record) {
  return /^\d+/.exec(record)?.[0] ?? "unknown";
}
function isGone(pid, host) {
  if (host !== HOST || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === "ESRCH";
  }
}
var import_node_crypto6, import_node_os3, HOST;
var init_owned_files = __esm({
  "src/oci/owned-files.ts"() {
    "use strict";
    import_node_crypto6 = __toESM(require_node_crypto(), 1);
    import_node_os3 = __toESM(require_node_os(), 1);
    HOST = (0, import_node_crypto6.createHash)("sha256").update((0, import_node_os3.hostname)()).digest("hex").slice(0, 8);
  }
});

// src/oci/layout-lock.ts
async function withIndexLock(dir, signal, critical, waitMs = LOCK_WAIT_MS) {
  const lock = (0, import_node_path11.join)(dir, INDEX_LOCK);
  await acquire(lock, signal, waitMs);
  try {
    return await critical();
  } finally {
    await (0, import_promises8.rm)(lock, { force: true });
  }
}
async function acquire(lock, signal, waitMs) {
  const started = Date.now();
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    signal?.throwIfAborted();
    if (await tryCreate(lock)) return;
    const held = await (0, import_promises8.readFile)(lock, "utf8").catch(() => void 0);
    if (held === void 0) continue;
    if (isStaleRecord(held) && await breakStale(lock, held)) continue;
    if (Date.now() - started > waitMs) {
      throw new LayoutError(
        `${lock}: index.json is locked by process ${ownerPid(held)} for over ${waitMs / 1e3} s; if no pull into this layout is running, remove the lock file`
      );
    }
    await (0, import_promises9.setTimeout)(delay, void 0, signal && { signal });
  }
}
async function tryCreate(path) {
  const temp = (0, import_node_path11.join)((0, import_node_path11.dirname)(path), ownedName(`${(0, import_node_path11.basename)(path)}.tmp-`));
  await (0, import_promises8.writeFile)(temp, ownerRecord(), { flag: "wx" });
  try {
    await (0, import_promises8.link)(temp, path);
    return true;
  } catch (error) {
    if (error.code === "EEXIST") return false;
    throw error;
  } finally {
    await (0, import_promises8.rm)(temp, { force: true });
  }
}
async function breakStale(lock, record) {
  const breaker = `${lock}.break`;
  if (!await tryCreate(breaker)) {
    const holder = await (0, import_promises8.readFile)(breaker, "utf8").catch(() => void 0);
    if (holder === void 0 || !isStaleRecord(holder)) return holder === void 0;
    await (0, import_promises8.rm)(breaker, { force: true });
    return true;
  }
  try {
    if (await (0, import_promises8.readFile)(lock, "utf8").catch(() => void 0) === record) await (0, import_promises8.rm)(lock, { force: true });
  } finally {
    await (0, import_promises8.rm)(breaker, { force: true });
  }
  return true;
}
var import_promises8, import_node_path11, import_promises9, INDEX_LOCK, LOCK_WAIT_MS;
var init_layout_lock = __esm({
  "src/oci/layout-lock.ts"() {
    "use strict";
    import_promises8 = __toESM(require_promises(), 1);
    import_node_path11 = __toESM(require_node_path(), 1);
    import_promises9 = __toESM(require_promises4(), 1);
    init_owned_files();
    init_errors();
    INDEX_LOCK = ".index.json.lock";
    LOCK_WAIT_MS = 6e4;
  }
});

// src/oci/layout-writer.ts
async function writeLayout(dir, entries, options = {}) {
  options.signal?.throwIfAborted();
  const writer = await LayoutWriter.open(dir);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const blobs = await writeManifests(writer, entries, signal);
    await runLimited(blobs, BLOB_CONCURRENCY, stop, async ({ ref, descriptor }) => {
      const reused = await writer.hasBlob(descriptor, signal);
      if (!reused) await writer.writeVerifiedStream(await ref.source.openBlob(descriptor, signal), descriptor, { ...options, signal });
      options.onBlob?.(descriptor, reused);
    });
    signal.throwIfAborted();
    await writer.commit(entries.map(entryDescriptor), { signal });
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
async function writeManifests(writer, entries, signal) {
  const blobs = /* @__PURE__ */ new Map();
  for (const { ref: root } of entries) {
    await walkRefs(root, async (ref) => {
      signal.throwIfAborted();
      await writer.writeBytes(ref.raw, ref.descriptor);
      if (ref.kind === "image") for (const d of ref.blobs) blobs.set(d.digest, { ref, descriptor: d });
    });
  }
  return [...blobs.values()];
}
function entryDescriptor({ ref, annotations, platform }) {
  const artifactType = ref.manifest.artifactType;
  return { ...ref.descriptor, ...artifactType !== void 0 && { artifactType }, ...platform && { platform }, ...annotations && { annotations } };
}
function workPrefix(dir) {
  return `.${(0, import_node_path12.basename)(dir)}.tmp-`;
}
async function removeStaleTemps(dir, isLayout) {
  await removeStale((0, import_node_path12.dirname)(dir), [workPrefix(dir)]);
  if (!isLayout) return;
  await removeStale(dir, [INDEX_TEMP_PREFIX, `${INDEX_LOCK}.tmp-`, `${INDEX_LOCK}.break.tmp-`]);
  const algorithms = await (0, import_promises10.readdir)((0, import_node_path12.join)(dir, "blobs")).catch(() => []);
  for (const algorithm of algorithms) await removeStale((0, import_node_path12.join)(dir, "blobs", algorithm), [BLOB_TEMP_PREFIX]);
}
async function removeStale(dir, prefixes) {
  const names = await (0, import_promises10.readdir)(dir).catch(() => []);
  for (const name of names) {
    if (prefixes.some((prefix) => isStaleName(name, prefix))) await (0, import_promises10.rm)((0, import_node_path12.join)(dir, name), { recursive: true, force: true }).catch(() => void 0);
  }
}
async function existingEntries(dir) {
  const path = (0, import_node_path12.join)(dir, "index.json");
  const bytes = await (0, import_promises10.readFile)(path).catch(() => void 0);
  return bytes === void 0 ? [] : parseIndex(parseJson(bytes, path), path).manifests;
}
async function writing(what, operation) {
  try {
    return await operation();
  } catch (error) {
    throw isFileError(error) ? writeError3(error, what) : error;
  }
}
function isFileError(error, file) {
  if (!(error instanceof Error) || !("syscall" in error) || typeof error.syscall !== "string") return false;
  if (file === void 0) return true;
  return error.path === file || ["write", "writev", "fsync", "close"].includes(error.syscall);
}
function writeError3(error, what) {
  return new LayoutError(`cannot write ${what}: ${systemReason(error)}`, { cause: error });
}
function sameEntry(a, b) {
  const nameA = a.annotations?.[REF_NAME_ANNOTATION];
  const nameB = b.annotations?.[REF_NAME_ANNOTATION];
  return nameA !== void 0 || nameB !== void 0 ? nameA === nameB : a.digest === b.digest;
}
async function runLimited(items, limit, stop, task) {
  let next = 0;
  let failure;
  const worker = async () => {
    while (failure === void 0 && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== void 0) throw failure.error;
}
async function listDir(dir) {
  try {
    return await (0, import_promises10.readdir)(dir);
  } catch (error) {
    const code = error.code;
    if (code === "ENOENT") return void 0;
    if (code === "ENOTDIR") throw new LayoutError(`cannot write OCI layout to ${dir}: it exists and is not a directory`);
    throw error;
  }
}
var import_node_crypto7, import_node_fs10, import_promises10, import_node_path12, import_node_stream3, import_promises11, BLOB_CONCURRENCY, WRITE_BUFFER_BYTES, LayoutWriter, BLOB_TEMP_PREFIX, INDEX_TEMP_PREFIX, Meter;
var init_layout_writer = __esm({
  "src/oci/layout-writer.ts"() {
    "use strict";
    import_node_crypto7 = __toESM(require_node_crypto(), 1);
    import_node_fs10 = __toESM(require_node_fs(), 1);
    import_promises10 = __toESM(require_promises(), 1);
    import_node_path12 = __toESM(require_node_path(), 1);
    import_node_stream3 = __toESM(require_node_stream(), 1);
    import_promises11 = __toESM(require_promises3(), 1);
    init_descriptor();
    init_digest();
    init_layout_lock();
    init_layout_store();
    init_manifest();
    init_media_types();
    init_ref();
    init_owned_files();
    init_verify();
    init_errors();
    BLOB_CONCURRENCY = 4;
    WRITE_BUFFER_BYTES = 1024 * 1024;
    LayoutWriter = class _LayoutWriter {
      dir;
      #work;
      #isNew;
      #temps = /* @__PURE__ */ new Set();
      constructor(dir, work, isNew) {
        this.dir = dir;
        this.#work = work;
        this.#isNew = isNew;
      }
      /**
       * Opens `dir` for writing: an existing layout is added to; a missing or empty directory (Bazel
       * creates tree artifacts before the action runs) gets a new layout, renamed onto it on commit.
       */
      static async open(dir) {
        const names = await listDir(dir);
        const isLayout = names?.includes("oci-layout") ?? false;
        await removeStaleTemps(dir, isLayout);
        if (names !== void 0 && names.length > 0) {
          if (!isLayout) throw new LayoutError(`cannot write OCI layout to ${dir}: it exists and is not an OCI layout (no oci-layout file)`);
          return new _LayoutWriter(dir, dir, false);
        }
        const work = (0, import_node_path12.join)((0, import_node_path12.dirname)(dir), ownedName(workPrefix(dir)));
        await writing(`the new layout ${dir} (in ${work})`, async () => {
          await (0, import_promises10.mkdir)((0, import_node_path12.join)(work, "blobs"), { recursive: true });
          await (0, import_promises10.writeFile)((0, import_node_path12.join)(work, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}
`);
        }).catch(async (error) => {
          await (0, import_promises10.rm)(work, { recursive: true, force: true });
          throw error;
        });
        return new _LayoutWriter(dir, work, true);
      }
      /** True when the blob is in the layout already with the right size and digest (so it need not be fetched). */
      async hasBlob(descriptor, signal) {
        const store = new LayoutStore(this.#work);
        const info = await (0, import_promises10.stat)(store.blobPath(descriptor.digest)).catch(() => void 0);
        if (info?.size !== descriptor.size) return false;
        try {
          for await (const _ of await store.openBlob(descriptor, signal)) ;
          return true;
        } catch (error) {
          if (signal?.aborted) throw error;
          return false;
        }
      }
      /** Writes a blob from memory; its digest is computed (sha256) unless a descriptor is given to verify against. */
      async writeBytes(bytes, expected) {
        return this.writeStream(import_node_stream3.Readable.from([Buffer.from(bytes)]), expected);
      }
      /**
       * Streams a blob into place: to a temporary file, then renamed to its digest. With `expected`
       * the bytes are verified against it (and named by it); without, they are hashed (sha256) to
       * name them. Either way each byte is hashed once.
       */
      async writeStream(source, expected, progress = {}) {
        if (expected !== void 0) {
          const meter2 = new Meter(progress);
          const temp2 = await this.#write(
            source,
            [createVerifier(expected, `blob ${expected.digest} written to ${this.dir}`), meter2],
            parseDigest(expected.digest).algorithm,
            progress.signal,
            `blob ${expected.digest}`
          );
          await this.#place(temp2, expected.digest);
          return { digest: expected.digest, size: meter2.size };
        }
        const hash = (0, import_node_crypto7.createHash)("sha256");
        const meter = new Meter(progress, hash);
        const temp = await this.#write(source, [meter], "sha256", progress.signal, "a blob");
        const digest2 = `sha256:${hash.digest("hex")}`;
        await this.#place(temp, digest2);
        return { digest: digest2, size: meter.size };
      }
      /**
       * Streams a blob from a ContentSource's openBlob, which verifies it against the descriptor
       * while it streams (the ContentSource contract): a mismatch fails the stream before its last
       * bytes, so the temporary file is never renamed. Not hashed again here; the size is checked.
       */
      async writeVerifiedStream(source, descriptor, progress = {}) {
        const meter = new Meter(progress);
        const temp = await this.#write(source, [meter], parseDigest(descriptor.digest).algorithm, progress.signal, `blob ${descriptor.digest}`);
        if (meter.size !== descriptor.size) {
          await this.#drop(temp);
          throw new ContentMismatchError(`blob ${descriptor.digest} written to ${this.dir}: expected ${descriptor.size} bytes, its source delivered ${meter.size}`);
        }
        await this.#place(temp, descriptor.digest);
      }
      /** Pipes the source through `stages` into a temporary file in blobs/ALGORITHM (the caller #places it). `what` names the blob in errors. */
      async #write(source, stages, algorithm, signal, what) {
        const blobs = (0, import_node_path12.join)(this.#work, "blobs", algorithm);
        await writing(`${what} of the layout ${this.dir} (in ${blobs})`, () => (0, import_promises10.mkdir)(blobs, { recursive: true })).catch((error) => {
          source.destroy();
          throw error;
        });
        const temp = (0, import_node_path12.join)(blobs, ownedName(BLOB_TEMP_PREFIX));
        this.#temps.add(temp);
        try {
          await (0, import_promises11.pipeline)([source, ...stages, (0, import_node_fs10.createWriteStream)(temp, { highWaterMark: WRITE_BUFFER_BYTES })], { signal });
        } catch (error) {
          await this.#drop(temp);
          throw isFileError(error, temp) ? writeError3(error, `${what} of the layout ${this.dir} (${temp})`) : error;
        }
        return temp;
      }
      async #place(temp, digest2) {
        const path = new LayoutStore(this.#work).blobPath(digest2);
        await writing(`blob ${digest2} of the layout ${this.dir} (${path})`, () => (0, import_promises10.rename)(temp, path));
        this.#temps.delete(temp);
      }
      async #drop(temp) {
        await (0, import_promises10.rm)(temp, { force: true });
        this.#temps.delete(temp);
      }
      /**
       * Writes index.json (existing entries kept unless replaced by ref name or digest) and puts a new layout in place.
       * `bareIndexJson` leaves out schemaVersion and mediaType, as rules_oci and skopeo do (for fixtures).
       */
      async commit(entries, options = {}) {
        if (this.#isNew) {
          await this.#writeIndex(this.#work, entries, options);
          if (await this.#renameIntoPlace()) return;
          await this.#moveBlobsInto(this.dir);
        }
        await withIndexLock(this.dir, options.signal, () => this.#writeIndex(this.dir, entries, options));
        if (this.#isNew) await (0, import_promises10.rm)(this.#work, { recursive: true, force: true });
      }
      /** Removes everything this writer left behind; the target is as it was. */
      async abort() {
        await Promise.all([...this.#temps].map((t) => (0, import_promises10.rm)(t, { force: true })));
        if (this.#isNew) await (0, import_promises10.rm)(this.#work, { recursive: true, force: true });
      }
      /** Replaces `dir`/index.json with its entries (those not replaced by ref name or digest) and `entries`. */
      async #writeIndex(dir, entries, options) {
        const kept = (await existingEntries(dir)).filter((old) => !entries.some((e) => sameEntry(old, e)));
        const manifests = [...kept, ...entries];
        const index = options.bareIndexJson ? { manifests } : { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
        const temp = (0, import_node_path12.join)(dir, ownedName(INDEX_TEMP_PREFIX));
        this.#temps.add(temp);
        await writing(`index.json of the layout ${this.dir} (${temp})`, async () => {
          const handle = await (0, import_promises10.open)(temp, "w");
          try {
            await handle.writeFile(`${JSON.stringify(index, null, 2)}
`);
            await handle.sync();
          } finally {
            await handle.close();
          }
          await (0, import_promises10.rename)(temp, (0, import_node_path12.join)(dir, "index.json"));
        });
        this.#temps.delete(temp);
      }
      /** Renames the new layout onto its directory; false when another writer's layout is there already. */
      async #renameIntoPlace() {
        try {
          await (0, import_promises10.rename)(this.#work, this.dir);
          return true;
        } catch (error) {
          const code = error.code;
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw writeError3(error, `the new layout ${this.dir} (renaming ${this.#work} onto it)`);
          const names = await listDir(this.dir) ?? [];
          if (!names.includes("oci-layout")) {
            throw new LayoutError(
              `cannot write OCI layout to ${this.dir}: it was created by someone else while this pull ran, and is not an OCI layout (no oci-layout file)`
            );
          }
          return false;
        }
      }
      /** Moves every blob of the new layout into the existing layout `dir` (before its index.json names them). */
      async #moveBlobsInto(dir) {
        for (const algorithm of await (0, import_promises10.readdir)((0, import_node_path12.join)(this.#work, "blobs"))) {
          const from = (0, import_node_path12.join)(this.#work, "blobs", algorithm);
          const to = (0, import_node_path12.join)(dir, "blobs", algorithm);
          await writing(`the blobs of the layout ${dir} (${to})`, async () => {
            await (0, import_promises10.mkdir)(to, { recursive: true });
            for (const name of await (0, import_promises10.readdir)(from)) if (!name.startsWith(".")) await (0, import_promises10.rename)((0, import_node_path12.join)(from, name), (0, import_node_path12.join)(to, name));
          });
        }
      }
    };
    BLOB_TEMP_PREFIX = ".tmp-";
    INDEX_TEMP_PREFIX = ".index.json.tmp-";
    Meter = class extends import_node_stream3.Transform {
      size = 0;
      #progress;
      #hash;
      constructor(progress, hash) {
        super();
        this.#progress = progress;
        this.#hash = hash;
      }
      _transform(chunk, _encoding, callback) {
        this.size += chunk.length;
        this.#hash?.update(chunk);
        this.#progress.onBytes?.(chunk.length);
        callback(null, chunk);
      }
    };
  }
});

// src/registry/client/redact.ts
function redactUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "(unparsable URL)";
  }
  parsed.username = "";
  parsed.password = "";
  if (parsed.search !== "") {
    const redacted = new URLSearchParams();
    for (const [name, value] of parsed.searchParams) redacted.append(name, KEPT_PARAMS.has(name) ? value : REDACTED);
    parsed.search = redacted.toString();
  }
  if (parsed.hash !== "") parsed.hash = "";
  return parsed.toString();
}
var KEPT_PARAMS, REDACTED;
var init_redact = __esm({
  "src/registry/client/redact.ts"() {
    "use strict";
    KEPT_PARAMS = /* @__PURE__ */ new Set(["scope", "service"]);
    REDACTED = "REDACTED";
  }
});

// src/registry/client/www-authenticate.ts
function parseWwwAuthenticate(header2) {
  const input = typeof header2 === "string" ? header2 : header2.join(", ");
  if (input.length > MAX_WWW_AUTHENTICATE_LENGTH) {
    throw new AuthError(`malformed WWW-Authenticate header: longer than ${MAX_WWW_AUTHENTICATE_LENGTH} bytes`);
  }
  return new Parser(input).challenges();
}
function isQdtext(c) {
  const code = c.charCodeAt(0);
  return code === 9 || code === 32 || code === 33 || code >= 35 && code <= 91 || code >= 93 && code <= 126 || code >= 128;
}
function isQuotedPairChar(c) {
  const code = c.charCodeAt(0);
  return code === 9 || code >= 32 && code <= 126 || code >= 128;
}
var MAX_WWW_AUTHENTICATE_LENGTH, TCHAR, TOKEN68_CHAR, Parser;
var init_www_authenticate = __esm({
  "src/registry/client/www-authenticate.ts"() {
    "use strict";
    init_errors();
    MAX_WWW_AUTHENTICATE_LENGTH = 16 * 1024;
    TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
    TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
    Parser = class {
      #s;
      #i = 0;
      constructor(input) {
        this.#s = input;
      }
      challenges() {
        const result = [];
        this.#skipListSeparators();
        while (!this.#atEnd()) {
          result.push(this.#challenge());
          this.#skipOws();
          if (!this.#atEnd() && this.#peek() !== ",") this.#fail('expected "," between challenges');
          this.#skipListSeparators();
        }
        if (result.length === 0) this.#fail("no challenge");
        return result;
      }
      #challenge() {
        const scheme = this.#token("an auth-scheme").toLowerCase();
        const challenge = { scheme, params: {} };
        const spaces = this.#skipSpaces();
        if (this.#atEnd() || this.#peek() === ",") return challenge;
        if (spaces === 0) this.#fail(`expected a space after the auth-scheme "${scheme}"`);
        if (this.#paramAhead()) {
          this.#params(challenge);
          return challenge;
        }
        challenge.token68 = this.#token68();
        return challenge;
      }
      #params(challenge) {
        for (; ; ) {
          const name = this.#token("an auth-param name").toLowerCase();
          this.#skipOws();
          this.#expect("=");
          this.#skipOws();
          const value = this.#peek() === '"' ? this.#quotedString() : this.#token(`a value for auth-param "${name}"`);
          if (Object.hasOwn(challenge.params, name)) this.#fail(`auth-param "${name}" appears twice`);
          challenge.params[name] = value;
          const save = this.#i;
          this.#skipOws();
          if (this.#peek() !== ",") {
            this.#i = save;
            return;
          }
          this.#skipListSeparators();
          if (this.#atEnd() || !this.#paramAhead()) {
            this.#i = save;
            return;
          }
        }
      }
      /** True if `token BWS "="` (and not `token68` ending in "=") starts at the current position. */
      #paramAhead() {
        const save = this.#i;
        try {
          if (!TCHAR.test(this.#peek())) return false;
          while (!this.#atEnd() && TCHAR.test(this.#peek())) this.#i++;
          this.#skipOws();
          if (this.#peek() !== "=") return false;
          this.#i++;
          this.#skipOws();
          return !this.#atEnd() && this.#peek() !== "," && this.#peek() !== "=";
        } finally {
          this.#i = save;
        }
      }
      #token68() {
        const start = this.#i;
        while (!this.#atEnd() && TOKEN68_CHAR.test(this.#peek())) this.#i++;
        if (this.#i === start) this.#fail("expected a token68 or auth-params");
        while (this.#peek() === "=") this.#i++;
        return this.#s.slice(start, this.#i);
      }
      #token(what) {
        const start = this.#i;
        while (!this.#atEnd() && TCHAR.test(this.#peek())) this.#i++;
        if (this.#i === start) this.#fail(`expected ${what}`);
        return this.#s.slice(start, this.#i);
      }
      #quotedString() {
        this.#expect('"');
        let value = "";
        for (; ; ) {
          if (this.#atEnd()) this.#fail("unterminated quoted-string");
          const c = this.#s[this.#i++];
          if (c === '"') return value;
          if (c === "\\") {
            if (this.#atEnd()) this.#fail("unterminated quoted-pair");
            const escaped = this.#s[this.#i++];
            if (!isQuotedPairChar(escaped)) this.#fail("invalid character in quoted-pair");
            value += escaped;
          } else if (isQdtext(c)) {
            value += c;
          } else {
            this.#fail("invalid character in quoted-string");
          }
        }
      }
      #skipSpaces() {
        const start = this.#i;
        while (this.#peek() === " ") this.#i++;
        return this.#i - start;
      }
      #skipOws() {
        while (this.#peek() === " " || this.#peek() === "	") this.#i++;
      }
      #skipListSeparators() {
        this.#skipOws();
        while (this.#peek() === ",") {
          this.#i++;
          this.#skipOws();
        }
      }
      #expect(c) {
        if (this.#peek() !== c) this.#fail(`expected "${c}"`);
        this.#i++;
      }
      #peek() {
        return this.#s[this.#i] ?? "";
      }
      #atEnd() {
        return this.#i >= this.#s.length;
      }
      #fail(what) {
        throw new AuthError(`malformed WWW-Authenticate header at offset ${this.#i}: ${what}`);
      }
    };
  }
});

// src/registry/client/auth.ts
function pullScope(repository) {
  return `repository:${repository}:pull`;
}
function basicAuthorization(credentials) {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}
function toProvider(credentials) {
  if (typeof credentials === "function") return credentials;
  return () => Promise.resolve(credentials);
}
function once2(provide) {
  let credentials;
  return () => credentials ??= provide();
}
function mayCarryCredentials(realm, registry) {
  if (realm.protocol === "https:" || isLoopback(realm.hostname)) return true;
  return registry.protocol === "http:" && realm.hostname === registry.hostname;
}
function parseTokenResponse(body, where2) {
  let json;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AuthError(`the token service ${where2} answered with something that is not JSON`);
  }
  if (typeof json !== "object" || json === null) throw new AuthError(`the token service ${where2} answered with JSON that is not an object`);
  const token = "token" in json && json.token !== "" ? json.token : "access_token" in json ? json.access_token : void 0;
  if (typeof token !== "string" || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new AuthError(`the token service ${where2} answered without a usable token`);
  }
  const expiresIn = "expires_in" in json ? json.expires_in : void 0;
  const lifetimeS = typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S;
  return { header: `Bearer ${token}`, lifetimeS };
}
var MAX_TOKEN_RESPONSE_BYTES, DEFAULT_TOKEN_LIFETIME_S, EXPIRY_MARGIN_MS, Authenticator;
var init_auth = __esm({
  "src/registry/client/auth.ts"() {
    "use strict";
    init_errors();
    init_host();
    init_redact();
    init_www_authenticate();
    MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
    DEFAULT_TOKEN_LIFETIME_S = 60;
    EXPIRY_MARGIN_MS = 5e3;
    Authenticator = class {
      /** Where credentials come from: given ones, a provider, or none; whichever, called once and remembered. */
      #credentials;
      #fetchToken;
      #cache = /* @__PURE__ */ new Map();
      #pending = /* @__PURE__ */ new Map();
      #now;
      constructor(options) {
        this.#credentials = once2(toProvider(options.credentials));
        this.#fetchToken = options.fetchToken;
        this.#now = options.now ?? Date.now;
      }
      /** The Authorization header cached for a scope, if there is one that has not expired. */
      authorization(scope) {
        const cached = this.#cache.get(scope);
        if (cached === void 0) return void 0;
        if (cached.expiresAt <= this.#now()) {
          this.#cache.delete(scope);
          return void 0;
        }
        return cached.header;
      }
      /** Forgets the Authorization of a scope (the registry rejected it). */
      invalidate(scope) {
        this.#cache.delete(scope);
      }
      /**
       * Answers a 401's WWW-Authenticate header for `scope`: returns the Authorization header to
       * repeat the request with (and caches it), or throws AuthError when we cannot answer.
       * Concurrent requests for one scope share one token request.
       */
      respond(header2, scope, registry, signal) {
        let pending = this.#pending.get(scope);
        if (pending === void 0) {
          pending = this.#respond(parseWwwAuthenticate(header2), scope, registry, signal).finally(() => this.#pending.delete(scope));
          this.#pending.set(scope, pending);
        }
        return pending;
      }
      async #respond(challenges, scope, registry, signal) {
        const bearer = challenges.find((c) => c.scheme === "bearer");
        if (bearer !== void 0) {
          const { header: header2, lifetimeS } = await this.#bearer(bearer, scope, registry, signal);
          this.#cache.set(scope, { header: header2, expiresAt: this.#now() + lifetimeS * 1e3 - EXPIRY_MARGIN_MS });
          return header2;
        }
        if (challenges.some((c) => c.scheme === "basic")) {
          const credentials = await this.#credentials();
          if (credentials === void 0) throw new AuthError("the registry requires Basic authentication, and no credentials were given");
          const header2 = basicAuthorization(credentials);
          this.#cache.set(scope, { header: header2, expiresAt: Number.POSITIVE_INFINITY });
          return header2;
        }
        throw new AuthError(
          `the registry asks for authentication schemes we do not support: ${challenges.map((c) => c.scheme).join(", ")} (supported: Bearer, Basic)`
        );
      }
      async #bearer(challenge, scope, registry, signal) {
        const realm = challenge.params.realm;
        if (realm === void 0) throw new AuthError("the registry's Bearer challenge has no realm");
        let url;
        try {
          url = new URL(realm);
        } catch {
          throw new AuthError("the registry's Bearer challenge has a realm that is not a URL");
        }
        if (url.protocol !== "https:" && url.protocol !== "http:") throw new AuthError(`the Bearer realm ${redactUrl(url)} is not an http(s) URL`);
        if (challenge.params.service !== void 0) url.searchParams.set("service", challenge.params.service);
        url.searchParams.set("scope", challenge.params.scope ?? scope);
        const headers = {};
        const credentials = await this.#credentials();
        if (credentials !== void 0) {
          if (!mayCarryCredentials(url, registry)) {
            throw new AuthError(
              `refusing to send credentials in clear text to the Bearer realm ${redactUrl(url)} that the registry ${redactUrl(registry.origin)} named: plain HTTP carries them only to this machine or to a plain-HTTP registry's own host`
            );
          }
          headers.authorization = basicAuthorization(credentials);
        }
        const body = await this.#fetchToken(url, headers, signal);
        return parseTokenResponse(body, redactUrl(url));
      }
    };
  }
});

// src/registry/client/retry.ts
function isRetryableStatus(status) {
  if (status === 408 || status === 425 || status === 429) return true;
  if (status === 501 || status === 505 || status === 511) return false;
  return status >= 500 && status <= 599;
}
function parseRetryAfter(value, now = Date.now()) {
  const text = (typeof value === "string" ? value : value?.[0])?.trim();
  if (text === void 0 || text === "") return void 0;
  if (/^[0-9]+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? new Date(now + seconds * 1e3) : void 0;
  }
  if (!/^[A-Za-z]{3}/.test(text)) return void 0;
  const time2 = Date.parse(text);
  return Number.isNaN(time2) ? void 0 : new Date(time2);
}
function isRetryable(error) {
  return error instanceof RegistryResponseError || error instanceof RegistryConnectionError ? error.retryable : false;
}
function backoffDelay(attempt, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const base = Math.min(o.initialDelayMs * o.factor ** (attempt - 1), o.maxDelayMs);
  return Math.round(base * (1 - Math.random() * 0.25));
}
function attemptsUsedUp(error, attempt, options = {}) {
  return isRetryable(error) && attempt >= (options.maxAttempts ?? DEFAULTS.maxAttempts);
}
function retryDelay(error, attempt, options = {}, now = Date.now()) {
  const o = { ...DEFAULTS, ...options };
  if (!isRetryable(error) || attemptsUsedUp(error, attempt, o)) return void 0;
  let delay = backoffDelay(attempt, o);
  const retryAfter = error instanceof RegistryResponseError ? error.retryAfter : void 0;
  if (retryAfter !== void 0) {
    const asked = retryAfter.getTime() - now;
    if (options.deadline === void 0 && asked > o.maxRetryAfterMs) return void 0;
    delay = Math.max(delay, asked);
  }
  if (options.deadline !== void 0 && now + delay >= options.deadline) return void 0;
  return delay;
}
async function withRetries(operation, options = {}) {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      options.signal?.throwIfAborted();
      const delay = retryDelay(error, attempt, options);
      if (delay === void 0) throw error;
      options.onRetry?.({ attempt, delayMs: delay, error });
      await sleep2(delay, options.signal);
    }
  }
}
function sleep2(ms, signal) {
  return new Promise((resolve5, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve5();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
var DEFAULTS;
var init_retry = __esm({
  "src/registry/client/retry.ts"() {
    "use strict";
    init_errors();
    DEFAULTS = {
      maxAttempts: 6,
      initialDelayMs: 250,
      maxDelayMs: 1e4,
      factor: 2,
      maxRetryAfterMs: 5 * 6e4
    };
  }
});

// required-when-run:undici
var require_undici = __commonJS({
  "required-when-run:undici"(exports, module) {
    module.exports = __require("./vendor/undici.cjs");
  }
});

// required-when-run:node:tls
var require_node_tls = __commonJS({
  "required-when-run:node:tls"(exports, module) {
    module.exports = __require("node:tls");
  }
});

// src/registry/client/trust.ts
function trustingConnector(timeout, extraCa) {
  const plain = (0, import_undici.buildConnector)({ timeout });
  let secure;
  const tls = () => secure ??= (0, import_undici.buildConnector)({ timeout, secureContext: trustedContext(extraCa) });
  return (options, callback) => (options.protocol === "https:" ? tls() : plain)(options, callback);
}
function trustedContext(extraCa) {
  const ca = /* @__PURE__ */ new Set([...(0, import_node_tls.getCACertificates)("default"), ...(0, import_node_tls.getCACertificates)("system"), ...extraCa]);
  return (0, import_node_tls.createSecureContext)({ ca: [...ca] });
}
function tlsFailure(code, url) {
  if (code === void 0) return void 0;
  if (UNTRUSTED_CODES.has(code)) return `the certificate of ${url.host} is not trusted (${code}): give the CA that issued it with --ca-file FILE`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the certificate of ${url.host} is not issued for ${url.hostname} (${code})`;
  if (code.startsWith("ERR_SSL_")) return `no TLS handshake with ${url.host} (${code}): if the registry serves plain HTTP, pull with --plain-http`;
  return void 0;
}
function speaksTls(url, timeoutMs) {
  return new Promise((resolve5) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(url.port || 80);
    const socket = (0, import_node_tls.connect)({ host, port, rejectUnauthorized: false, timeout: timeoutMs, ...(0, import_node_net4.isIP)(host) === 0 && { servername: host } });
    const done = (answer) => {
      socket.destroy();
      resolve5(answer);
    };
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
var import_node_net4, import_node_tls, import_undici, UNTRUSTED_CODES;
var init_trust = __esm({
  "src/registry/client/trust.ts"() {
    "use strict";
    import_node_net4 = __toESM(require_node_net(), 1);
    import_node_tls = __toESM(require_node_tls(), 1);
    import_undici = __toESM(require_undici(), 1);
    UNTRUSTED_CODES = /* @__PURE__ */ new Set([
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "CERT_UNTRUSTED",
      "CERT_SIGNATURE_FAILURE",
      "CERT_HAS_EXPIRED",
      "CERT_NOT_YET_VALID"
    ]);
  }
});

// src/registry/client/transport.ts
function isCutOff(error) {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : void 0;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}
async function readLimited(response, limit, what) {
  const tooLarge = () => new ResponseTooLargeError(`${what} is larger than the ${limit}-byte limit`, limit);
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    discard(response);
    throw tooLarge();
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > limit) {
      discard(response);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
function classify(error, method, url, signal) {
  if (signal?.aborted) return signal.reason;
  if (error instanceof LocalRegistryError) return error;
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : void 0;
  const tls = url.startsWith("https:") ? tlsFailure(code, new URL(url)) : void 0;
  if (tls !== void 0) return new RegistryConnectionError(`${method} ${url} failed: ${tls}`, false, { cause: error });
  const message = messageOf(error);
  const transient = code !== void 0 && TRANSIENT_CODES.has(code) || message === "terminated" || message === "other side closed";
  return new RegistryConnectionError(`${method} ${url} failed: ${message}${code === void 0 ? "" : ` (${code})`}`, transient, { cause: error });
}
async function responseError(response, why) {
  const errors = await readErrorBody(response);
  const details = errors.map((e) => e.message ? `${e.code}: ${e.message.slice(0, 200)}` : e.code).join("; ");
  const message = `GET ${response.url}: HTTP ${response.status}${why ? ` (${why})` : ""}${details ? `: ${details}` : ""}`;
  const retryAfter = parseRetryAfter(response.headers["retry-after"]);
  return new RegistryResponseError(message, {
    status: response.status,
    url: response.url,
    errors,
    retryable: isRetryableStatus(response.status),
    ...retryAfter && { retryAfter }
  });
}
async function readErrorBody(response) {
  let json;
  try {
    json = JSON.parse((await readLimited(response, MAX_ERROR_BODY_BYTES, "error body")).toString("utf8"));
  } catch {
    discard(response);
    return [];
  }
  if (typeof json !== "object" || json === null || !("errors" in json) || !Array.isArray(json.errors)) return [];
  return json.errors.flatMap((e) => {
    if (typeof e !== "object" || e === null || !("code" in e) || typeof e.code !== "string") return [];
    return [{ code: e.code.slice(0, 100), ..."message" in e && typeof e.message === "string" && { message: e.message } }];
  });
}
async function drain(response) {
  try {
    await readLimited(response, MAX_ERROR_BODY_BYTES, "error body");
  } catch {
    discard(response);
  }
}
function finalUrl(context) {
  if (typeof context !== "object" || context === null || !("history" in context) || !Array.isArray(context.history)) return void 0;
  const last = context.history.at(-1);
  return last instanceof URL ? last : void 0;
}
function discard(response) {
  response.body.on("error", () => {
  });
  response.body.destroy();
}
var import_undici2, MAX_ERROR_BODY_BYTES, TRANSIENT_CODES, Transport;
var init_transport = __esm({
  "src/registry/client/transport.ts"() {
    "use strict";
    import_undici2 = __toESM(require_undici(), 1);
    init_errors();
    init_auth();
    init_redact();
    init_retry();
    init_timeouts();
    init_trust();
    MAX_ERROR_BODY_BYTES = 64 * 1024;
    TRANSIENT_CODES = /* @__PURE__ */ new Set([
      "ECONNRESET",
      "ECONNREFUSED",
      "ECONNABORTED",
      "ETIMEDOUT",
      "EPIPE",
      "ENETDOWN",
      "ENETUNREACH",
      "EHOSTDOWN",
      "EHOSTUNREACH",
      "EAI_AGAIN",
      "UND_ERR_SOCKET",
      "UND_ERR_CONNECT_TIMEOUT",
      "UND_ERR_HEADERS_TIMEOUT",
      "UND_ERR_BODY_TIMEOUT",
      "UND_ERR_CLOSED",
      "UND_ERR_RES_CONTENT_LENGTH_MISMATCH"
    ]);
    Transport = class {
      #dispatcher;
      #ownAgent;
      #options;
      #signal;
      #deadlineTimer;
      auth;
      constructor(options = {}) {
        this.#options = options;
        this.#ownAgent = options.dispatcher === void 0 ? new import_undici2.Agent({ connect: trustingConnector(this.#connectTimeout(), options.ca ?? []) }) : void 0;
        const base = options.dispatcher ?? this.#ownAgent;
        this.#dispatcher = base.compose(import_undici2.interceptors.redirect({ maxRedirections: options.maxRedirections ?? 10, throwOnMaxRedirect: true }));
        const signals = [options.signal, options.deadline === void 0 ? void 0 : this.#deadlineSignal(options.deadline)];
        const present = signals.filter((s) => s !== void 0);
        this.#signal = present.length === 0 ? void 0 : AbortSignal.any(present);
        this.auth = new Authenticator({
          credentials: options.credentials,
          // One attempt: the request that needs the token is the one retried.
          fetchToken: (url, headers, signal) => this.#attempt(
            url,
            { headers },
            this.signal(signal),
            (response) => readLimited(response, MAX_TOKEN_RESPONSE_BYTES, `token response from ${response.url}`)
          )
        });
      }
      /** The signal that ends everything this transport does: the caller's, the deadline's, and `extra`. */
      signal(extra) {
        const present = [this.#signal, extra].filter((s) => s !== void 0);
        return present.length === 0 ? void 0 : present.length === 1 ? present[0] : AbortSignal.any(present);
      }
      /** Retry settings for loops outside `get` (blob bodies). */
      retryContext(signal) {
        return { ...this.#options.retry, signal, deadline: this.#options.deadline, onRetry: this.#options.onRetry };
      }
      /**
       * GETs `url` and hands a successful response to `consume` (which must read or take over the
       * body). Transient failures of either are retried; the last error is thrown.
       */
      get(url, options, consume) {
        const signal = this.signal(options.signal);
        return withRetries(() => this.#attempt(url, options, signal, consume), this.retryContext(signal));
      }
      async close() {
        clearTimeout(this.#deadlineTimer);
        await this.#ownAgent?.close();
      }
      /** A signal that aborts with a DeadlineError at `deadline` (epoch ms); its timer does not keep the process alive. */
      #deadlineSignal(deadline) {
        const controller = new AbortController();
        const reason = () => new DeadlineError(`not done by the deadline, ${new Date(deadline).toISOString()}`);
        this.#deadlineTimer = setTimeout(() => controller.abort(reason()), Math.max(0, deadline - Date.now())).unref();
        return controller.signal;
      }
      async #attempt(url, options, signal, consume) {
        const response = await this.#authenticated(url, options, signal);
        try {
          return await consume(response);
        } catch (error) {
          discard(response);
          throw classify(error, "GET", response.url, signal);
        }
      }
      async #authenticated(url, options, signal) {
        const scope = options.scope;
        const cached = scope === void 0 ? void 0 : this.auth.authorization(scope);
        let response = await this.#send(url, options, cached, signal);
        if (response.status === 401 && scope !== void 0) {
          const challenge = response.headers["www-authenticate"];
          if (challenge === void 0) throw await responseError(response, "the registry requires authentication but sent no WWW-Authenticate challenge");
          await drain(response);
          if (cached !== void 0) this.auth.invalidate(scope);
          const authorization = await this.auth.respond(challenge, scope, url, signal);
          response = await this.#send(url, options, authorization, signal);
          if (response.status === 401) {
            this.auth.invalidate(scope);
            throw await responseError(response, "the registry rejected our credentials");
          }
        }
        if (!(options.ok ?? [200]).includes(response.status)) throw await responseError(response);
        return response;
      }
      async #send(url, options, authorization, signal) {
        const all = { "user-agent": this.#options.userAgent ?? "localregistry", ...options.headers };
        if (authorization !== void 0) all.authorization = authorization;
        try {
          const { highWaterMark } = options;
          const idle = this.#options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
          const response = await (0, import_undici2.request)(url, {
            method: "GET",
            headers: all,
            dispatcher: this.#dispatcher,
            signal,
            headersTimeout: idle,
            bodyTimeout: idle,
            ...highWaterMark !== void 0 && { highWaterMark }
          });
          return { status: response.statusCode, headers: response.headers, body: response.body, url: redactUrl(finalUrl(response.context) ?? url) };
        } catch (error) {
          const probe = options.scope !== void 0 && url.protocol === "http:" && isCutOff(error) && !signal?.aborted;
          if (probe && await speaksTls(url, this.#connectTimeout())) {
            throw new RegistryConnectionError(
              `GET ${redactUrl(url)} failed: the registry answers with TLS, not plain HTTP: pull with --tls (and --ca-file FILE to trust its CA)`,
              false,
              { cause: error }
            );
          }
          throw classify(error, "GET", redactUrl(url), signal);
        }
      }
      #connectTimeout() {
        return this.#options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
      }
    };
  }
});

// src/registry/client/blob-reader.ts
async function openResumableBlob(fetch, descriptor, options) {
  const controller = new AbortController();
  const signal = options.signal === void 0 ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  const first = descriptor.size === 0 ? void 0 : await fetch(0, signal);
  const stream = new BlobStream(controller);
  stream.start(download(stream, fetch, descriptor, first, { ...options, signal }));
  return stream;
}
async function download(out, fetch, descriptor, first, options) {
  const { signal } = options;
  const { size } = descriptor;
  const check = new DigestCheck(descriptor, options.where);
  let held;
  let attempt = 1;
  let smallBreaks = 0;
  let next = first;
  let skip = 0;
  const take = (data, body) => {
    let chunk = data;
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    if (chunk.length === 0) return;
    const excess = check.update(chunk);
    if (excess !== void 0) throw excess;
    if (held !== void 0 && !out.push(held)) body.pause();
    held = chunk;
  };
  while (check.received < size) {
    signal.throwIfAborted();
    const response = next ?? await fetch(check.received, signal);
    const startedAt = check.received;
    next = void 0;
    skip = check.received - startOf(response, check.received, size, options.where);
    let failure;
    try {
      await out.feed(response.body, take);
    } catch (error) {
      if (error instanceof ContentMismatchError) throw error;
      failure = classify(error, "GET", response.url, signal);
    } finally {
      discard(response);
    }
    if (check.received >= size) break;
    failure ??= new RegistryConnectionError(`GET ${response.url}: the body ended after ${check.received} of ${size} bytes`, true);
    const gained = check.received - startedAt;
    if (gained >= MIN_RESUME_PROGRESS_BYTES) attempt = 1;
    smallBreaks = gained > 0 && gained < MIN_RESUME_PROGRESS_BYTES ? smallBreaks + 1 : 0;
    const delay = retryDelay(failure, attempt, options.retry);
    if (delay === void 0) throw smallBreaks > 0 && attemptsUsedUp(failure, attempt, options.retry) ? keptCutting(failure, attempt, options.where) : failure;
    options.retry?.onRetry?.({ attempt, delayMs: delay, error: failure });
    attempt++;
    await sleep2(delay, signal);
  }
  const mismatch = check.finish();
  if (mismatch !== void 0) throw mismatch;
  if (held !== void 0) out.push(held);
}
function keptCutting(failure, attempts, where2) {
  const why = messageOf(failure);
  return new RegistryConnectionError(
    `${where2}: gave up after ${attempts} connections in a row broke, each after less than ${MIN_RESUME_PROGRESS_BYTES} new bytes: the registry keeps cutting the connection (a resume renews the retries only after that many bytes): ${why}`,
    false,
    { cause: failure }
  );
}
function startOf(response, pos, size, where2) {
  if (response.status === 200) return 0;
  const header2 = response.headers["content-range"];
  const match = typeof header2 === "string" ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header2.trim()) : null;
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  const total = match?.[3] === "*" ? size : Number(match?.[3]);
  if (match === null || first !== pos || last !== size - 1 || total !== size) {
    discard(response);
    throw new RegistryProtocolError(
      `${where2}: asked for bytes ${pos}-, the registry answered 206 with Content-Range ${JSON.stringify(header2 === void 0 ? null : String(header2))} (${response.url})`
    );
  }
  return pos;
}
var import_node_stream4, STREAM_BUFFER_BYTES, BODY_BUFFER_BYTES, BlobStream;
var init_blob_reader = __esm({
  "src/registry/client/blob-reader.ts"() {
    "use strict";
    import_node_stream4 = __toESM(require_node_stream(), 1);
    init_verify();
    init_errors();
    init_retry();
    init_timeouts();
    init_transport();
    STREAM_BUFFER_BYTES = 1024 * 1024;
    BODY_BUFFER_BYTES = 1024 * 1024;
    BlobStream = class extends import_node_stream4.Readable {
      #controller;
      #body;
      #reading = false;
      /** A failure before the first read, kept for it. */
      #failure;
      constructor(controller) {
        super({ highWaterMark: STREAM_BUFFER_BYTES });
        this.#controller = controller;
      }
      start(download2) {
        download2.then(
          () => this.push(null),
          (error) => this.#fail(error instanceof Error ? error : new Error(String(error)))
        );
      }
      /** Passes the body's chunks to `take` until it ends; resolves then, rejects on its error or take's. */
      feed(body, take) {
        return new Promise((resolve5, reject) => {
          let settled = false;
          const settle = (error) => {
            if (settled) return;
            settled = true;
            body.off("data", onData);
            this.#body = void 0;
            if (error === void 0) resolve5();
            else reject(error);
          };
          const onData = (chunk) => {
            try {
              take(chunk, body);
            } catch (error) {
              body.pause();
              settle(error);
            }
          };
          this.#body = body;
          body.on("data", onData);
          (0, import_node_stream4.finished)(body, (error) => settle(error ?? void 0));
        });
      }
      #fail(error) {
        if (this.#reading) this.destroy(error);
        else this.#failure = error;
      }
      _read() {
        this.#reading = true;
        if (this.#failure !== void 0) this.destroy(this.#failure);
        else this.#body?.resume();
      }
      _destroy(error, callback) {
        this.#controller.abort();
        callback(error);
      }
    };
  }
});

// src/registry/client/registry-source.ts
async function readManifestBody(response, what, expectedSize) {
  if (expectedSize === void 0) return readLimited(response, MAX_MANIFEST_BYTES, what);
  try {
    return await readLimited(response, expectedSize, what);
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw new ContentMismatchError(`${what}: more than the descriptor's ${expectedSize} bytes`);
    throw error;
  }
}
function header(response, name) {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
var import_node_stream5, RegistrySource;
var init_registry_source = __esm({
  "src/registry/client/registry-source.ts"() {
    "use strict";
    import_node_stream5 = __toESM(require_node_stream(), 1);
    init_descriptor();
    init_manifest();
    init_media_types();
    init_verify();
    init_errors();
    init_auth();
    init_blob_reader();
    init_redact();
    init_transport();
    RegistrySource = class {
      /** `scheme://host/repository`, redacted. */
      location;
      #transport;
      #base;
      #repository;
      #scope;
      constructor(transport, baseUrl, repository) {
        this.#transport = transport;
        this.#base = new URL(baseUrl);
        this.#repository = repository;
        this.#scope = pullScope(repository);
        this.location = `${redactUrl(this.#base).replace(/\/$/, "")}/${repository}`;
      }
      /**
       * GETs a manifest by tag or digest, at most MAX_MANIFEST_BYTES (or, when a descriptor is
       * expected, its exact size). The bytes are not verified here: readManifest and the client's read() do that.
       */
      async fetchManifest(reference, expected) {
        const what = `manifest ${reference} from ${this.location}`;
        if (expected !== void 0 && expected.size > MAX_MANIFEST_BYTES) {
          throw new ResponseTooLargeError(
            `${what}: its descriptor says ${expected.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit for manifests`,
            MAX_MANIFEST_BYTES
          );
        }
        const url = this.#url("manifests", reference);
        const headers = { accept: MANIFEST_MEDIA_TYPES.join(", ") };
        return this.#transport.get(url, { headers, scope: this.#scope }, async (response) => {
          const bytes = await readManifestBody(response, what, expected?.size);
          const contentType = header(response, "content-type")?.split(";")[0]?.trim().toLowerCase();
          return { bytes, contentType: contentType || void 0, headerDigest: header(response, "docker-content-digest")?.trim() };
        });
      }
      async readManifest(descriptor) {
        const bytes = embeddedData(descriptor) ?? (await this.fetchManifest(descriptor.digest, descriptor)).bytes;
        verifyBytes(bytes, descriptor, `manifest ${descriptor.digest} from ${this.location}`);
        return bytes;
      }
      async openBlob(descriptor, signal) {
        const embedded = embeddedData(descriptor);
        if (embedded !== void 0) return import_node_stream5.Readable.from([embedded]);
        const url = this.#url("blobs", descriptor.digest);
        const combined = this.#transport.signal(signal);
        const request2 = (offset, attemptSignal) => this.#transport.get(
          url,
          {
            scope: this.#scope,
            signal: attemptSignal,
            ok: [200, 206],
            headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
            highWaterMark: BODY_BUFFER_BYTES
          },
          async (r) => r
        );
        return openResumableBlob(request2, descriptor, {
          where: `blob ${descriptor.digest} from ${this.location}`,
          signal: combined,
          retry: this.#transport.retryContext(combined)
        });
      }
      #url(kind, reference) {
        return new URL(`/v2/${this.#repository}/${kind}/${reference}`, this.#base);
      }
    };
  }
});

// src/registry/client/client.ts
function mediaTypeOf(contentType, bytes, where2) {
  if (contentType !== void 0 && manifestKind(contentType) !== void 0) return contentType;
  const declared = parseJson(bytes, where2).mediaType;
  if (typeof declared === "string" && manifestKind(declared) !== void 0) return declared;
  throw new ManifestError(
    `${where2}: neither its Content-Type ${quote(contentType ?? "(none)")} nor its mediaType ${quote(String(declared ?? "(none)"))} is a manifest type we know`
  );
}
function deadlineOf(options) {
  const candidates = [
    options.deadline instanceof Date ? options.deadline.getTime() : options.deadline,
    options.timeout === void 0 ? void 0 : Date.now() + options.timeout
  ].filter((d) => d !== void 0);
  return candidates.length === 0 ? void 0 : Math.min(...candidates);
}
var RegistryClient;
var init_client = __esm({
  "src/registry/client/client.ts"() {
    "use strict";
    init_digest();
    init_manifest();
    init_media_types();
    init_names();
    init_ref();
    init_errors();
    init_registry_source();
    init_transport();
    RegistryClient = class {
      repository;
      baseUrl;
      source;
      #transport;
      constructor(options) {
        checkRepository(options.repository);
        this.repository = options.repository;
        this.baseUrl = `${options.scheme ?? "https"}://${options.host}`;
        this.#transport = new Transport({
          dispatcher: options.dispatcher,
          credentials: options.credentials,
          userAgent: options.userAgent,
          maxRedirections: options.maxRedirections,
          connectTimeout: options.connectTimeout,
          ca: options.ca,
          idleTimeout: options.idleTimeout,
          retry: options.retry,
          signal: options.signal,
          deadline: deadlineOf(options),
          onRetry: options.onRetry
        });
        this.source = new RegistrySource(this.#transport, this.baseUrl, this.repository);
      }
      /**
       * Reads a manifest or index by tag and/or digest. With only a tag the registry is trusted
       * for which content it serves (its Docker-Content-Digest, if sent, is still checked);
       * with a digest the content must match it.
       */
      async read(target) {
        const { tag, digest: digest2 } = target;
        if (tag !== void 0) checkTag(tag);
        if (digest2 !== void 0) parseDigest(digest2);
        const reference = tag ?? digest2;
        if (reference === void 0) throw new UsageError("read needs a tag, a digest, or both");
        const fetched = await this.source.fetchManifest(reference);
        const where2 = `manifest ${reference} from ${this.source.location}`;
        const mediaType = mediaTypeOf(fetched.contentType, fetched.bytes, where2);
        const headerDigest = fetched.headerDigest !== void 0 && isValidDigest(fetched.headerDigest) ? fetched.headerDigest : void 0;
        const expected = digest2 ?? headerDigest;
        if (expected === void 0) return refOfBytes(fetched.bytes, mediaType, this.source);
        return makeRef(fetched.bytes, { mediaType, digest: expected, size: fetched.bytes.length }, this.source);
      }
      /** Releases connections (of the client's own agent; a given dispatcher is left open). */
      close() {
        return this.#transport.close();
      }
      async [Symbol.asyncDispose]() {
        await this.close();
      }
    };
  }
});

// src/registry/client/reference.ts
function parseReference(reference, options = {}) {
  if (options.plainHttp && options.tls) throw new UsageError("--plain-http and --tls contradict each other: choose one");
  const shown2 = withoutUserInfo(reference);
  const fail = (why) => {
    throw new ImageReferenceError(`invalid image reference ${quote(shown2)}: ${why} (expected host[:port]/repository[:tag][@digest])`);
  };
  if (reference.length > 1024) fail("too long");
  if (shown2 !== reference) {
    fail("credentials do not belong in a reference; give them with --username and --password-stdin, or log in with docker login");
  }
  if (reference.includes("://")) fail("give no scheme; use --tls or --plain-http to choose one");
  const slash = reference.indexOf("/");
  if (slash <= 0) fail("no host");
  const host = reference.slice(0, slash);
  const parsedHost = parseHostPort(host) ?? fail(`invalid host ${quote(host)}`);
  let rest = reference.slice(slash + 1);
  let digest2;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest2 = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest2);
    } catch (error) {
      fail(error instanceof DigestError ? error.message : String(error));
    }
  }
  let tag;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem2 = tagProblem(tag);
    if (problem2 !== void 0) fail(problem2);
  }
  const problem = repositoryProblem(rest);
  if (problem !== void 0) fail(problem);
  if (tag === void 0 && digest2 === void 0) tag = "latest";
  return { host, repository: rest, tag, digest: digest2, scheme: options.plainHttp || !options.tls && isLocal(parsedHost.host) ? "http" : "https" };
}
function withoutUserInfo(reference) {
  const digestAt = reference.lastIndexOf("@");
  const beforeDigest = digestAt >= 0 && !reference.includes("/", digestAt) ? reference.slice(0, digestAt) : reference;
  const userInfoEnd = beforeDigest.lastIndexOf("@");
  return userInfoEnd < 0 ? reference : `${REDACTED}@${reference.slice(userInfoEnd + 1)}`;
}
function formatReference(ref) {
  return `${ref.host}/${ref.repository}${ref.tag === void 0 ? "" : `:${ref.tag}`}${ref.digest === void 0 ? "" : `@${ref.digest}`}`;
}
function isLocal(host) {
  return isLoopback(host) || isWildcard(host);
}
var init_reference = __esm({
  "src/registry/client/reference.ts"() {
    "use strict";
    init_digest();
    init_names();
    init_errors();
    init_redact();
    init_host();
  }
});

// src/registry/client/pull.ts
async function pull(reference, dir, options = {}) {
  const parsed = typeof reference === "string" ? parseReference(reference, { plainHttp: options.plainHttp, tls: options.tls }) : reference;
  const client = new RegistryClient({ ...options, host: parsed.host, repository: parsed.repository, scheme: parsed.scheme });
  try {
    const root = await client.read({ tag: parsed.tag, digest: parsed.digest });
    const { ref, platform } = options.platform === void 0 ? { ref: root, platform: void 0 } : await selectPlatform(root, toPlatform(options.platform), formatReference(parsed));
    const progress = await totals(ref);
    const report = () => options.onProgress?.({ ...progress });
    report();
    await writeLayout(dir, [{ ref, ...parsed.tag !== void 0 && { annotations: { [REF_NAME_ANNOTATION]: parsed.tag } }, ...platform && { platform } }], {
      ...options.signal && { signal: options.signal },
      onBytes: (bytes) => {
        progress.bytesDone += bytes;
        report();
      },
      onBlob: (descriptor, reused) => {
        progress.blobsDone++;
        if (reused) progress.bytesDone += descriptor.size;
        report();
      }
    });
    return { digest: ref.digest, mediaType: ref.mediaType };
  } catch (error) {
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    await client.close();
  }
}
async function totals(root) {
  const sizes = /* @__PURE__ */ new Map();
  await walkRefs(root, (ref) => {
    if (ref.kind === "image") for (const d of ref.blobs) sizes.set(d.digest, d.size);
  });
  let bytesTotal = 0;
  for (const size of sizes.values()) bytesTotal += size;
  return { blobsDone: 0, blobsTotal: sizes.size, bytesDone: 0, bytesTotal };
}
function toPlatform(platform) {
  if (typeof platform !== "string") return platform;
  const [os, architecture, variant, ...rest] = platform.split("/");
  if (!os || !architecture || rest.length > 0 || variant === "")
    throw new UsageError(`invalid platform ${JSON.stringify(platform)}: expected os/arch[/variant], e.g. linux/amd64`);
  return { os, architecture, ...variant !== void 0 && { variant } };
}
async function selectPlatform(root, want, name) {
  if (root.kind === "image") return { ref: root, platform: void 0 };
  const seen = [];
  const search = async (index, depth) => {
    if (index.kind !== "index" || depth > 8) return void 0;
    for (const d of index.children) {
      const child = await index.child(d);
      if (child.kind === "index") {
        const found2 = await search(child, depth + 1);
        if (found2) return found2;
      } else if (d.platform !== void 0) {
        seen.push(formatPlatform(d.platform));
        if (matches(d.platform, want)) return { ref: child, platform: d.platform };
      }
    }
    return void 0;
  };
  const found = await search(root, 0);
  if (found === void 0) {
    throw new UsageError(
      `${name} has no image for platform ${formatPlatform(want)} (it has: ${seen.length > 0 ? seen.join(", ") : "no platform-tagged images"})`
    );
  }
  return found;
}
function matches(have, want) {
  return have.os === want.os && have.architecture === want.architecture && (want.variant === void 0 || have.variant === want.variant);
}
function formatPlatform(p) {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}
var init_pull = __esm({
  "src/registry/client/pull.ts"() {
    "use strict";
    init_layout_writer();
    init_media_types();
    init_ref();
    init_errors();
    init_client();
    init_reference();
  }
});

// src/cli/pull.ts
var pull_exports = {};
__export(pull_exports, {
  formatBytes: () => formatBytes,
  runPull: () => runPull,
  runPullCommand: () => runPullCommand
});
async function runPull(args, io, stop) {
  const isTTY = "isTTY" in io.stderr && io.stderr.isTTY === true;
  try {
    return await runPullCommand(args, { stdout: io.stdout, stderr: io.stderr, isTTY, ...stop && { signal: stop } });
  } catch (error) {
    if (stop?.aborted) {
      io.stderr.write("localregistry: pull interrupted\n");
      return 130;
    }
    throw error;
  }
}
async function runPullCommand(args, io) {
  const { values, positionals } = parseCommandArgs(
    "pull",
    () => (0, import_node_util3.parseArgs)({
      args,
      allowPositionals: true,
      options: {
        "plain-http": { type: "boolean" },
        tls: { type: "boolean" },
        "ca-file": { type: "string", multiple: true },
        platform: { type: "string" },
        timeout: { type: "string" },
        username: { type: "string", short: "u" },
        "password-stdin": { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" }
      }
    })
  );
  if (values.help) {
    io.stdout.write(PULL_HELP);
    return 0;
  }
  const [reference, dir, ...extra] = positionals;
  if (reference === void 0 || dir === void 0 || extra.length > 0) {
    throw new UsageError(
      `pull takes a reference and a directory, got ${positionals.length} argument${positionals.length === 1 ? "" : "s"} (see 'localregistry pull --help')`
    );
  }
  const timeout = values.timeout === void 0 ? void 0 : parseSeconds("--timeout", values.timeout);
  const parsed = parseReference(reference, { plainHttp: values["plain-http"], tls: values.tls });
  const ca = await readCaFiles(values["ca-file"] ?? [], parsed.scheme);
  const credentials = await credentialsFor(parsed.host, values.username, values["password-stdin"] ?? false, io);
  const line = io.isTTY && !values.quiet ? new ProgressLine(io.stderr, reference) : void 0;
  try {
    const result = await pull(parsed, dir, {
      credentials,
      ca,
      ...timeout !== void 0 && { timeout: timeout * 1e3 },
      ...values.platform !== void 0 && { platform: values.platform },
      ...io.signal && { signal: io.signal },
      ...line && { onProgress: (p) => line.update(p) }
    });
    line?.finish();
    io.stdout.write(`${result.digest}
`);
    return 0;
  } catch (error) {
    line?.abandon();
    if (error instanceof DeadlineError) throw new DeadlineError(`pull ${reference} did not finish within --timeout ${values.timeout}`);
    throw error;
  }
}
async function credentialsFor(host, username, passwordStdin, io) {
  if (username === void 0 && passwordStdin) throw new UsageError("--password-stdin needs --username");
  if (username !== void 0) {
    if (!passwordStdin) throw new UsageError("--username needs --password-stdin (a password argument would be visible to every process on the machine)");
    return { username, password: await readPassword(io.stdin ?? process.stdin) };
  }
  const env = io.env ?? process.env;
  return () => dockerCredentials(host, { env, warn: (message) => io.stderr.write(`localregistry: note: ${message}
`) });
}
async function readCaFiles(files, scheme) {
  if (files.length > 0 && scheme === "http") throw new UsageError("--ca-file is for an HTTPS registry: add --tls to pull from this one over HTTPS");
  return Promise.all(
    files.map(async (file) => {
      const text = await (0, import_promises12.readFile)(file, "utf8").catch((error) => {
        throw new UsageError(`cannot read --ca-file ${file}: ${messageOf(error)}`);
      });
      try {
        new import_node_crypto8.X509Certificate(text);
      } catch {
        throw new UsageError(`--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      }
      return text;
    })
  );
}
async function readPassword(stdin) {
  const chunks = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password === "") throw new UsageError("--password-stdin read an empty password");
  return password;
}
function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
var import_node_crypto8, import_promises12, import_node_util3, ProgressLine;
var init_pull2 = __esm({
  "src/cli/pull.ts"() {
    "use strict";
    import_node_crypto8 = __toESM(require_node_crypto(), 1);
    import_promises12 = __toESM(require_promises(), 1);
    import_node_util3 = __toESM(require_node_util(), 1);
    init_errors();
    init_docker_config();
    init_pull();
    init_reference();
    init_help();
    init_io();
    init_durations();
    ProgressLine = class {
      #out;
      #name;
      #last;
      #drawnAt = 0;
      #drawn = false;
      constructor(out, name) {
        this.#out = out;
        this.#name = name;
      }
      update(progress) {
        this.#last = progress;
        const now = Date.now();
        if (now - this.#drawnAt < 100 && progress.blobsDone < progress.blobsTotal) return;
        this.#drawnAt = now;
        this.#draw();
      }
      finish() {
        if (this.#last !== void 0) this.#draw();
        if (this.#drawn) this.#out.write("\n");
      }
      /** On failure: end the line so the error message starts on its own. */
      abandon() {
        if (this.#drawn) this.#out.write("\n");
      }
      #draw() {
        const p = this.#last;
        if (p === void 0) return;
        this.#drawn = true;
        this.#out.write(`\r\x1B[2Kpulling ${this.#name}: ${p.blobsDone}/${p.blobsTotal} blobs, ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`);
      }
    };
  }
});

// src/oci/index.ts
var init_oci = __esm({
  "src/oci/index.ts"() {
    "use strict";
    init_descriptor();
    init_digest();
    init_layout();
    init_layout_store();
    init_layout_writer();
    init_names();
    init_manifest();
    init_media_types();
    init_ref();
    init_verify();
  }
});

// src/registry/client/index.ts
var init_client2 = __esm({
  "src/registry/client/index.ts"() {
    "use strict";
    init_auth();
    init_client();
    init_docker_config();
    init_pull();
    init_reference();
    init_redact();
    init_registry_source();
    init_retry();
    init_www_authenticate();
  }
});

// src/index.ts
var src_exports = {};
__export(src_exports, {
  AuthError: () => AuthError,
  BLOB_READ_CHUNK: () => BLOB_READ_CHUNK,
  BazelManifestError: () => BazelManifestError,
  BlobFileError: () => BlobFileError,
  ConflictError: () => ConflictError,
  ContentMismatchError: () => ContentMismatchError,
  DEFAULT_HOST: () => DEFAULT_HOST,
  DOCKER_CONFIG: () => DOCKER_CONFIG,
  DOCKER_LAYER_GZIP: () => DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST: () => DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST: () => DOCKER_MANIFEST_LIST,
  DeadlineError: () => DeadlineError,
  DigestCheck: () => DigestCheck,
  DigestError: () => DigestError,
  Image: () => Image,
  ImageReferenceError: () => ImageReferenceError,
  Index: () => Index,
  LayoutError: () => LayoutError,
  LayoutStore: () => LayoutStore,
  LayoutWriter: () => LayoutWriter,
  LocalRegistryError: () => LocalRegistryError,
  MANIFEST_MEDIA_TYPES: () => MANIFEST_MEDIA_TYPES,
  MANIFEST_PROTO_PATH: () => MANIFEST_PROTO_PATH,
  MAX_INDEX_DEPTH: () => MAX_INDEX_DEPTH,
  MAX_MANIFEST_BYTES: () => MAX_MANIFEST_BYTES,
  MAX_REPOSITORY_LENGTH: () => MAX_REPOSITORY_LENGTH,
  MAX_TAG_LENGTH: () => MAX_TAG_LENGTH,
  ManifestError: () => ManifestError,
  ManifestIndex: () => ManifestIndex,
  OCI_CONFIG: () => OCI_CONFIG,
  OCI_EMPTY: () => OCI_EMPTY,
  OCI_INDEX: () => OCI_INDEX,
  OCI_LAYER: () => OCI_LAYER,
  OCI_LAYER_GZIP: () => OCI_LAYER_GZIP,
  OCI_LAYOUT_VERSION: () => OCI_LAYOUT_VERSION,
  OCI_MANIFEST: () => OCI_MANIFEST,
  OutputFileError: () => OutputFileError,
  PULL_HELP: () => PULL_HELP,
  REF_NAME_ANNOTATION: () => REF_NAME_ANNOTATION,
  REPOSITORY_RULE: () => REPOSITORY_RULE,
  Registry: () => Registry,
  RegistryClient: () => RegistryClient,
  RegistryConnectionError: () => RegistryConnectionError,
  RegistryProtocolError: () => RegistryProtocolError,
  RegistryResponseError: () => RegistryResponseError,
  ResponseTooLargeError: () => ResponseTooLargeError,
  RunfilesError: () => RunfilesError,
  RunfilesResolver: () => RunfilesResolver,
  TAG_RULE: () => TAG_RULE,
  UsageError: () => UsageError,
  computeDigest: () => computeDigest,
  createHandler: () => createHandler,
  createVerifier: () => createVerifier,
  dockerCredentials: () => dockerCredentials,
  embeddedData: () => embeddedData,
  isNonDistributable: () => isNonDistributable,
  isValidDigest: () => isValidDigest,
  isValidRepository: () => isValidRepository,
  isValidTag: () => isValidTag,
  listen: () => listen,
  listenAddress: () => listenAddress,
  makeRef: () => makeRef,
  manifestKind: () => manifestKind,
  messageOf: () => messageOf,
  parseBazelManifest: () => parseBazelManifest,
  parseDescriptor: () => parseDescriptor,
  parseDigest: () => parseDigest,
  parseListen: () => parseListen,
  parseManifest: () => parseManifest,
  parseReference: () => parseReference,
  parseRunfilesManifest: () => parseRunfilesManifest,
  pull: () => pull,
  quote: () => quote,
  readBazelManifest: () => readBazelManifest,
  readLayout: () => readLayout,
  readRef: () => readRef,
  runPullCommand: () => runPullCommand,
  selectEntry: () => selectEntry,
  startRegistry: () => startRegistry,
  systemReason: () => systemReason,
  tagFromRefName: () => tagFromRefName,
  verifyBytes: () => verifyBytes,
  walkRefs: () => walkRefs,
  writeClientConfig: () => writeClientConfig,
  writeLayout: () => writeLayout
});
var init_src = __esm({
  "src/index.ts"() {
    "use strict";
    init_oci();
    init_errors();
    init_api();
    init_server2();
    init_client2();
    init_help();
    init_pull2();
    init_manifest2();
    init_plan();
    init_registry();
    init_runfiles();
    init_tls();
    init_client_config();
  }
});

// src/cli/main.ts
var import_node_fs11 = __toESM(require_node_fs(), 1);
var import_node_os4 = __toESM(require_node_os(), 1);
var import_node_url2 = __toESM(require_node_url(), 1);
init_errors();
init_io();
init_help();
init_package_files();
init_printable();
async function main(args, io, stop) {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case void 0:
        io.stderr.write(HELP);
        return 2;
      case "-h":
      case "--help":
        io.stdout.write(HELP);
        return 0;
      case "--version":
        io.stdout.write(`${packageVersion()}
`);
        return 0;
      case "help":
        return help(rest, io);
      case "serve":
        return await (await Promise.resolve().then(() => (init_serve(), serve_exports))).runServeCommand(rest, io, stop);
      case "pull":
        return await (await Promise.resolve().then(() => (init_pull2(), pull_exports))).runPull(rest, io, stop);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: serve, pull, help; see 'localregistry --help')`);
    }
  } catch (error) {
    return reportError(error, io);
  }
}
function help(args, io) {
  const [topic] = args;
  if (topic === void 0) {
    io.stdout.write(HELP);
    return 0;
  }
  if (topic === "serve") {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (topic === "pull") {
    io.stdout.write(PULL_HELP);
    return 0;
  }
  throw new UsageError(`no help for ${JSON.stringify(topic)} (commands: serve, pull)`);
}
function reportError(error, io) {
  const message = messageOf(error);
  const known = error instanceof LocalRegistryError || error instanceof Error && "code" in error && typeof error.code === "string";
  io.stderr.write(`localregistry: ${known ? "" : "internal error: "}${printable(message.replace(/\s*\n\s*/g, " "))}
`);
  if (process.env["LOCALREGISTRY_DEBUG"] === "1" && error instanceof Error) io.stderr.write(`${error.stack ?? ""}
`);
  return error instanceof UsageError || error instanceof ImageReferenceError ? 2 : 1;
}
function isMainModule() {
  const meta = import.meta;
  if (meta.main !== void 0) return meta.main;
  const script = process.argv[1];
  if (script === void 0) return false;
  try {
    return (0, import_node_fs11.realpathSync)(script) === (0, import_node_fs11.realpathSync)((0, import_node_url2.fileURLToPath)(import.meta.url));
  } catch {
    return false;
  }
}
var STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
function stopSignal() {
  const controller = new AbortController();
  const onSignal = (signal) => {
    if (controller.signal.aborted) process.exit(128 + import_node_os4.constants.signals[signal]);
    controller.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return controller.signal;
}
if (isMainModule()) {
  if (import.meta.url.endsWith(".ts")) process.getBuiltinModule("node:module").enableCompileCache();
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, stopSignal());
  for (const signal of STOP_SIGNALS) process.removeAllListeners(signal);
}

// runtime-entry.js
var AuthError2;
var BLOB_READ_CHUNK2;
var BazelManifestError2;
var BlobFileError2;
var ConflictError2;
var ContentMismatchError2;
var DEFAULT_HOST2;
var DOCKER_CONFIG2;
var DOCKER_LAYER_GZIP2;
var DOCKER_MANIFEST2;
var DOCKER_MANIFEST_LIST2;
var DeadlineError2;
var DigestCheck2;
var DigestError2;
var Image2;
var ImageReferenceError2;
var Index2;
var LayoutError2;
var LayoutStore2;
var LayoutWriter2;
var LocalRegistryError2;
var MANIFEST_MEDIA_TYPES2;
var MANIFEST_PROTO_PATH2;
var MAX_INDEX_DEPTH2;
var MAX_MANIFEST_BYTES2;
var MAX_REPOSITORY_LENGTH2;
var MAX_TAG_LENGTH2;
var ManifestError2;
var ManifestIndex2;
var OCI_CONFIG2;
var OCI_EMPTY2;
var OCI_INDEX2;
var OCI_LAYER2;
var OCI_LAYER_GZIP2;
var OCI_LAYOUT_VERSION2;
var OCI_MANIFEST2;
var OutputFileError2;
var PULL_HELP2;
var REF_NAME_ANNOTATION2;
var REPOSITORY_RULE2;
var Registry2;
var RegistryClient2;
var RegistryConnectionError2;
var RegistryProtocolError2;
var RegistryResponseError2;
var ResponseTooLargeError2;
var RunfilesError2;
var RunfilesResolver2;
var TAG_RULE2;
var UsageError2;
var computeDigest2;
var createHandler2;
var createVerifier2;
var dockerCredentials2;
var embeddedData2;
var isNonDistributable2;
var isValidDigest2;
var isValidRepository2;
var isValidTag2;
var listen2;
var listenAddress2;
var makeRef2;
var manifestKind2;
var messageOf2;
var parseBazelManifest2;
var parseDescriptor2;
var parseDigest2;
var parseListen2;
var parseManifest2;
var parseReference2;
var parseRunfilesManifest2;
var pull2;
var quote2;
var readBazelManifest2;
var readLayout2;
var readRef2;
var runPullCommand2;
var selectEntry2;
var startRegistry2;
var systemReason2;
var tagFromRefName2;
var verifyBytes2;
var walkRefs2;
var writeClientConfig2;
var writeLayout2;
if (import.meta.main !== true) ({ AuthError: AuthError2, BLOB_READ_CHUNK: BLOB_READ_CHUNK2, BazelManifestError: BazelManifestError2, BlobFileError: BlobFileError2, ConflictError: ConflictError2, ContentMismatchError: ContentMismatchError2, DEFAULT_HOST: DEFAULT_HOST2, DOCKER_CONFIG: DOCKER_CONFIG2, DOCKER_LAYER_GZIP: DOCKER_LAYER_GZIP2, DOCKER_MANIFEST: DOCKER_MANIFEST2, DOCKER_MANIFEST_LIST: DOCKER_MANIFEST_LIST2, DeadlineError: DeadlineError2, DigestCheck: DigestCheck2, DigestError: DigestError2, Image: Image2, ImageReferenceError: ImageReferenceError2, Index: Index2, LayoutError: LayoutError2, LayoutStore: LayoutStore2, LayoutWriter: LayoutWriter2, LocalRegistryError: LocalRegistryError2, MANIFEST_MEDIA_TYPES: MANIFEST_MEDIA_TYPES2, MANIFEST_PROTO_PATH: MANIFEST_PROTO_PATH2, MAX_INDEX_DEPTH: MAX_INDEX_DEPTH2, MAX_MANIFEST_BYTES: MAX_MANIFEST_BYTES2, MAX_REPOSITORY_LENGTH: MAX_REPOSITORY_LENGTH2, MAX_TAG_LENGTH: MAX_TAG_LENGTH2, ManifestError: ManifestError2, ManifestIndex: ManifestIndex2, OCI_CONFIG: OCI_CONFIG2, OCI_EMPTY: OCI_EMPTY2, OCI_INDEX: OCI_INDEX2, OCI_LAYER: OCI_LAYER2, OCI_LAYER_GZIP: OCI_LAYER_GZIP2, OCI_LAYOUT_VERSION: OCI_LAYOUT_VERSION2, OCI_MANIFEST: OCI_MANIFEST2, OutputFileError: OutputFileError2, PULL_HELP: PULL_HELP2, REF_NAME_ANNOTATION: REF_NAME_ANNOTATION2, REPOSITORY_RULE: REPOSITORY_RULE2, Registry: Registry2, RegistryClient: RegistryClient2, RegistryConnectionError: RegistryConnectionError2, RegistryProtocolError: RegistryProtocolError2, RegistryResponseError: RegistryResponseError2, ResponseTooLargeError: ResponseTooLargeError2, RunfilesError: RunfilesError2, RunfilesResolver: RunfilesResolver2, TAG_RULE: TAG_RULE2, UsageError: UsageError2, computeDigest: computeDigest2, createHandler: createHandler2, createVerifier: createVerifier2, dockerCredentials: dockerCredentials2, embeddedData: embeddedData2, isNonDistributable: isNonDistributable2, isValidDigest: isValidDigest2, isValidRepository: isValidRepository2, isValidTag: isValidTag2, listen: listen2, listenAddress: listenAddress2, makeRef: makeRef2, manifestKind: manifestKind2, messageOf: messageOf2, parseBazelManifest: parseBazelManifest2, parseDescriptor: parseDescriptor2, parseDigest: parseDigest2, parseListen: parseListen2, parseManifest: parseManifest2, parseReference: parseReference2, parseRunfilesManifest: parseRunfilesManifest2, pull: pull2, quote: quote2, readBazelManifest: readBazelManifest2, readLayout: readLayout2, readRef: readRef2, runPullCommand: runPullCommand2, selectEntry: selectEntry2, startRegistry: startRegistry2, systemReason: systemReason2, tagFromRefName: tagFromRefName2, verifyBytes: verifyBytes2, walkRefs: walkRefs2, writeClientConfig: writeClientConfig2, writeLayout: writeLayout2 } = await Promise.resolve().then(() => (init_src(), src_exports)));
export {
  AuthError2 as AuthError,
  BLOB_READ_CHUNK2 as BLOB_READ_CHUNK,
  BazelManifestError2 as BazelManifestError,
  BlobFileError2 as BlobFileError,
  ConflictError2 as ConflictError,
  ContentMismatchError2 as ContentMismatchError,
  DEFAULT_HOST2 as DEFAULT_HOST,
  DOCKER_CONFIG2 as DOCKER_CONFIG,
  DOCKER_LAYER_GZIP2 as DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST2 as DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST2 as DOCKER_MANIFEST_LIST,
  DeadlineError2 as DeadlineError,
  DigestCheck2 as DigestCheck,
  DigestError2 as DigestError,
  Image2 as Image,
  ImageReferenceError2 as ImageReferenceError,
  Index2 as Index,
  LayoutError2 as LayoutError,
  LayoutStore2 as LayoutStore,
  LayoutWriter2 as LayoutWriter,
  LocalRegistryError2 as LocalRegistryError,
  MANIFEST_MEDIA_TYPES2 as MANIFEST_MEDIA_TYPES,
  MANIFEST_PROTO_PATH2 as MANIFEST_PROTO_PATH,
  MAX_INDEX_DEPTH2 as MAX_INDEX_DEPTH,
  MAX_MANIFEST_BYTES2 as MAX_MANIFEST_BYTES,
  MAX_REPOSITORY_LENGTH2 as MAX_REPOSITORY_LENGTH,
  MAX_TAG_LENGTH2 as MAX_TAG_LENGTH,
  ManifestError2 as ManifestError,
  ManifestIndex2 as ManifestIndex,
  OCI_CONFIG2 as OCI_CONFIG,
  OCI_EMPTY2 as OCI_EMPTY,
  OCI_INDEX2 as OCI_INDEX,
  OCI_LAYER2 as OCI_LAYER,
  OCI_LAYER_GZIP2 as OCI_LAYER_GZIP,
  OCI_LAYOUT_VERSION2 as OCI_LAYOUT_VERSION,
  OCI_MANIFEST2 as OCI_MANIFEST,
  OutputFileError2 as OutputFileError,
  PULL_HELP2 as PULL_HELP,
  REF_NAME_ANNOTATION2 as REF_NAME_ANNOTATION,
  REPOSITORY_RULE2 as REPOSITORY_RULE,
  Registry2 as Registry,
  RegistryClient2 as RegistryClient,
  RegistryConnectionError2 as RegistryConnectionError,
  RegistryProtocolError2 as RegistryProtocolError,
  RegistryResponseError2 as RegistryResponseError,
  ResponseTooLargeError2 as ResponseTooLargeError,
  RunfilesError2 as RunfilesError,
  RunfilesResolver2 as RunfilesResolver,
  TAG_RULE2 as TAG_RULE,
  UsageError2 as UsageError,
  computeDigest2 as computeDigest,
  createHandler2 as createHandler,
  createVerifier2 as createVerifier,
  dockerCredentials2 as dockerCredentials,
  embeddedData2 as embeddedData,
  isNonDistributable2 as isNonDistributable,
  isValidDigest2 as isValidDigest,
  isValidRepository2 as isValidRepository,
  isValidTag2 as isValidTag,
  listen2 as listen,
  listenAddress2 as listenAddress,
  makeRef2 as makeRef,
  manifestKind2 as manifestKind,
  messageOf2 as messageOf,
  parseBazelManifest2 as parseBazelManifest,
  parseDescriptor2 as parseDescriptor,
  parseDigest2 as parseDigest,
  parseListen2 as parseListen,
  parseManifest2 as parseManifest,
  parseReference2 as parseReference,
  parseRunfilesManifest2 as parseRunfilesManifest,
  pull2 as pull,
  quote2 as quote,
  readBazelManifest2 as readBazelManifest,
  readLayout2 as readLayout,
  readRef2 as readRef,
  runPullCommand2 as runPullCommand,
  selectEntry2 as selectEntry,
  startRegistry2 as startRegistry,
  systemReason2 as systemReason,
  tagFromRefName2 as tagFromRefName,
  verifyBytes2 as verifyBytes,
  walkRefs2 as walkRefs,
  writeClientConfig2 as writeClientConfig,
  writeLayout2 as writeLayout
};
