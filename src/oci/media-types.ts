// Media types of the OCI image-spec and their Docker (distribution schema2) equivalents.
// Both families are accepted everywhere: real layouts mix them (e.g. skopeo keeps Docker types).

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json'
export const OCI_LAYOUT_VERSION = '1.0.0'
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name'

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

/**
 * Layers a registry need not hold, and a layout may lack (image-layout.md: the blobs directory
 * "MAY be missing referenced blobs"): the image-spec's non-distributable layers (deprecated, still
 * to be supported for existing images) and Docker's foreign layers, fetched from their urls.
 */
const NON_DISTRIBUTABLE_LAYER_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
])

export function isNonDistributable(mediaType: string): boolean {
  return NON_DISTRIBUTABLE_LAYER_TYPES.has(mediaType)
}

const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST])
const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST])

export type ManifestKind = 'image' | 'index'

/** The kind of manifest a media type names, or undefined for anything that is not a manifest we understand. */
export function manifestKind(mediaType: string): ManifestKind | undefined {
  if (IMAGE_MANIFEST_TYPES.has(mediaType)) return 'image'
  if (INDEX_TYPES.has(mediaType)) return 'index'
  return undefined
}

/** Every manifest media type we can serve or pull, in the order a client should prefer them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST]
