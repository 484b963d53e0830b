// localregistry's public API: start a registry (startRegistry), the pieces it is built from
// (the OCI model, the Registry and its server, the Bazel manifest and runfiles resolution),
// the pull client, and every error class with its stable code.
export * from './oci/index.ts'
export * from './errors.ts'
export { DEFAULT_HOST, type ImageOption, type RunningRegistry, type ServerLimits, type StartOptions, listenAddress, parseListen, startRegistry } from './api.ts'
export { type ListenOptions, Registry, type RegistryServer, createHandler, listen } from './registry/server/index.ts'
export {
  type ClientOptions,
  type Credentials,
  type CredentialsProvider,
  dockerCredentials,
  type ImageReference,
  type PullOptions,
  type PullProgress,
  type PullResult,
  RegistryClient,
  parseReference,
  pull,
} from './registry/client/index.ts'
export { PULL_HELP } from './cli/help.ts'
export { type PullCommandIo, runPullCommand } from './cli/pull.ts'
export { MANIFEST_PROTO_PATH, type ManifestImage, parseBazelManifest, readBazelManifest } from './manifest/index.ts'
export { type ImageRequest, tagFromRefName } from './load/plan.ts'
export { type Placement } from './content/registry.ts'
export { ManifestIndex, type RunfilesLocation, type RunfilesOptions, RunfilesResolver, parseRunfilesManifest } from './runfiles/index.ts'
export { type GeneratedTlsOptions, type GivenTlsOptions, type TlsOptions } from './tls/index.ts'
export { type ClientConfigFiles, type ClientConfigOptions, writeClientConfig } from './client-config/index.ts'
