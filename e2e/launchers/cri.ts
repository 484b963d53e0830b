/**
 * A CRI client: the gRPC calls kubelet makes to a node's container runtime (containerd's CRI
 * plugin), typed for what the launcher tests use. The service definitions come from CRI's own
 * api.proto, the one in Debian's golang-github-kubernetes-cri-api-dev (scripts/setup-sid-debs.sh
 * unpacks it), loaded at run time with its gogoproto import and options taken out: they only
 * steer Go code generation, and their .proto is not in the package.
 *
 * The runtime is reached on a unix socket (a containerd on this machine) or over TCP (containerd's
 * `[grpc] tcp_address`, e.g. forwarded out of a VM):
 *
 * ```ts
 * const cri = new CriClient({ socket: '/run/containerd/containerd.sock' })
 * const cri = new CriClient({ tcp: '127.0.0.1:10010' })
 * const id = await cri.pullImage('registry.test.internal/app:latest')
 * cri.close()
 * ```
 */
import { credentials, Client, type ServiceError } from '@grpc/grpc-js'
import { fromJSON, type MethodDefinition, type PackageDefinition, type ServiceDefinition } from '@grpc/proto-loader'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { sidPackage } from '../tools/sid-debs.ts'

/** Where the runtime listens: a unix socket path, or `HOST:PORT` (plaintext gRPC, as containerd's tcp_address serves it). */
export type CriEndpoint = { socket: string } | { tcp: string }

export interface CriClientOptions {
  /** CRI's api.proto. Default: the one in the unpacked golang-github-kubernetes-cri-api-dev. */
  proto?: string
  /** Limit of each call that sets none of its own. Default 60 s. */
  timeoutMs?: number
}

/** CRI's api.proto inside the golang-github-kubernetes-cri-api-dev package. */
export const CRI_API_PROTO = join('usr', 'share', 'gocode', 'src', 'k8s.io', 'cri-api', 'pkg', 'apis', 'runtime', 'v1', 'api.proto')

// Messages as proto-loader gives them (camelCase fields, enums as names, int64 as strings), for
// the fields these tests read and write. Requests may leave fields out (proto3 defaults).

export interface VersionResponse {
  version: string
  runtimeName: string
  runtimeVersion: string
  runtimeApiVersion: string
}

export interface RuntimeCondition {
  type: string
  status: boolean
  reason: string
  message: string
}

export interface CriImage {
  /** The image id: containerd's is the config digest. */
  id: string
  repoTags: string[]
  /** `NAME@DIGEST` of the manifest or index each name was pulled by. */
  repoDigests: string[]
  size: string
}

export interface KeyValue {
  key: string
  value: string
}

export interface PodSandboxMetadata {
  name: string
  uid: string
  namespace: string
  attempt?: number
}

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET'

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata
  hostname?: string
  logDirectory?: string
  labels?: Record<string, string>
  linux?: {
    cgroupParent?: string
    securityContext?: { namespaceOptions?: { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode } }
  }
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number }
  image: { image: string }
  command?: string[]
  args?: string[]
  envs?: KeyValue[]
  /** Relative to the sandbox's logDirectory. */
  logPath?: string
  labels?: Record<string, string>
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN'

export interface ContainerStatus {
  id: string
  state: ContainerState
  exitCode: number
  reason: string
  message: string
  /** The image's id as the runtime resolved it. */
  imageRef: string
  logPath: string
}

export interface PodSandboxSummary {
  id: string
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY'
  metadata: PodSandboxMetadata
}

export interface ContainerSummary {
  id: string
  podSandboxId: string
  state: ContainerState
}

type Service = 'RuntimeService' | 'ImageService'

const PACKAGE = 'runtime.v1'
const DEFAULT_TIMEOUT_MS = 60_000
const loaded = new Map<string, PackageDefinition>()

/** A connection to one runtime. Calls fail with the method's name and gRPC's status in the message. */
export class CriClient {
  readonly target: string
  readonly #client: Client
  readonly #api: PackageDefinition
  readonly #timeoutMs: number

  constructor(endpoint: CriEndpoint, options: CriClientOptions = {}) {
    this.target = 'socket' in endpoint ? `unix:${endpoint.socket}` : endpoint.tcp
    this.#api = loadCriApi(options.proto ?? join(sidPackage('golang-github-kubernetes-cri-api-dev').root, CRI_API_PROTO))
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.#client = new Client(this.target, credentials.createInsecure())
  }

  async version(): Promise<VersionResponse> {
    return this.#call('RuntimeService', 'Version', { version: 'v1' })
  }

  /** The runtime's conditions (RuntimeReady, NetworkReady). */
  async status(): Promise<RuntimeCondition[]> {
    const response = await this.#call<object, { status?: { conditions: RuntimeCondition[] } }>('RuntimeService', 'Status', {})
    return response.status?.conditions ?? []
  }

  /** Pulls `image` as kubelet does for a pod; returns the image id. */
  async pullImage(image: string, options: { sandboxConfig?: PodSandboxConfig; timeoutMs?: number } = {}): Promise<string> {
    const request = { image: { image }, ...(options.sandboxConfig && { sandboxConfig: options.sandboxConfig }) }
    return (await this.#call<object, { imageRef: string }>('ImageService', 'PullImage', request, options.timeoutMs)).imageRef
  }

  /** The image `image` (a name or an id) names, or undefined when the runtime has none. */
  async imageStatus(image: string): Promise<CriImage | undefined> {
    return (await this.#call<object, { image: CriImage | null }>('ImageService', 'ImageStatus', { image: { image } })).image ?? undefined
  }

  async listImages(): Promise<CriImage[]> {
    return (await this.#call<object, { images: CriImage[] }>('ImageService', 'ListImages', {})).images
  }

  async removeImage(image: string): Promise<void> {
    await this.#call('ImageService', 'RemoveImage', { image: { image } })
  }

  /** Creates and starts a pod sandbox; returns its id. */
  async runPodSandbox(config: PodSandboxConfig, options: { timeoutMs?: number } = {}): Promise<string> {
    return (await this.#call<object, { podSandboxId: string }>('RuntimeService', 'RunPodSandbox', { config }, options.timeoutMs)).podSandboxId
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.#call('RuntimeService', 'StopPodSandbox', { podSandboxId })
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.#call('RuntimeService', 'RemovePodSandbox', { podSandboxId })
  }

  async listPodSandbox(): Promise<PodSandboxSummary[]> {
    return (await this.#call<object, { items: PodSandboxSummary[] }>('RuntimeService', 'ListPodSandbox', {})).items
  }

  /** Creates a container in a sandbox (given the sandbox's config, as kubelet does); returns its id. */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const request = { podSandboxId, config, sandboxConfig }
    return (await this.#call<object, { containerId: string }>('RuntimeService', 'CreateContainer', request)).containerId
  }

  async startContainer(containerId: string): Promise<void> {
    await this.#call('RuntimeService', 'StartContainer', { containerId })
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const response = await this.#call<object, { status: ContainerStatus | null }>('RuntimeService', 'ContainerStatus', { containerId })
    if (response.status === null) throw new Error(`CRI ContainerStatus on ${this.target}: no status for container ${containerId}`)
    return response.status
  }

  async listContainers(): Promise<ContainerSummary[]> {
    return (await this.#call<object, { containers: ContainerSummary[] }>('RuntimeService', 'ListContainers', {})).containers
  }

  close(): void {
    this.#client.close()
  }

  [Symbol.dispose](): void {
    this.close()
  }

  #call<Request extends object, Response>(service: Service, method: string, request: Request, timeoutMs = this.#timeoutMs): Promise<Response> {
    const definition = (this.#api[`${PACKAGE}.${service}`] as ServiceDefinition | undefined)?.[method] as MethodDefinition<Request, Response> | undefined
    if (definition === undefined) return Promise.reject(new Error(`CRI's api.proto has no ${service}/${method}`))
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, response?: Response) => {
          if (error !== null) reject(new Error(`CRI ${service}/${method} on ${this.target} failed: ${error.details || error.message}`, { cause: error }))
          else if (response === undefined) reject(new Error(`CRI ${service}/${method} on ${this.target} returned nothing`))
          else resolve(response)
        },
      )
    })
  }
}

/** Loads (once per path) CRI's api.proto without its gogoproto import and options. */
export function loadCriApi(path: string): PackageDefinition {
  let api = loaded.get(path)
  if (api === undefined) {
    api = fromJSON(protobuf.parse(withoutGogoproto(readFileSync(path, 'utf8'), path), { keepCase: false }).root.toJSON(), {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    })
    loaded.set(path, api)
  }
  return api
}

/**
 * The proto text without `import ".../gogo.proto"`, `option (gogoproto.x) = ...;` and `[(gogoproto.x) = ...]`.
 * Removed lines stay as empty lines, so a parse error's line number is the file's.
 */
export function withoutGogoproto(text: string, path: string): string {
  const stripped = text
    .replace(/^[ \t]*import\s+"github\.com\/gogo\/protobuf\/gogoproto\/gogo\.proto"\s*;/gm, '')
    .replace(/^[ \t]*option\s+\(gogoproto\.[^;]*;/gm, '')
    .replace(/\s*\[\s*\(gogoproto\.[^\]]*\]/g, '')
  if (stripped.includes('gogoproto')) throw new Error(`${path}: a gogoproto use this loader does not know how to remove is left`)
  return stripped
}
