// The read-only OCI Distribution registry server.
export { type Handler, type HandlerOptions, createHandler } from './handler.ts'
export { isValidRepository, isValidTag, MAX_REPOSITORY_LENGTH, MAX_TAG_LENGTH } from '../../oci/names.ts'
export { type FileBlob, type MemoryBlob, Registry, Repository, type ServedBlob } from '../../content/registry.ts'
export { type ListenOptions, type RegistryServer, listen } from './server.ts'
