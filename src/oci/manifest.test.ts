// Parsing manifests and indexes: what is refused, naming where and why.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeDigest } from './digest.ts'
import { parseJson, parseManifest } from './manifest.ts'
import * as mt from './media-types.ts'
import { ManifestError } from '../errors.ts'

const config = { mediaType: mt.OCI_CONFIG, digest: computeDigest(Buffer.from('{}')), size: 2 }
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

function refused(value: unknown, mediaType: string, reason: RegExp): void {
  assert.throws(
    () => parseManifest(bytes(value), mediaType, 'the manifest'),
    (error: unknown) => error instanceof ManifestError && error.message.startsWith('the manifest') && reason.test(error.message),
  )
}

describe('parseManifest', () => {
  it('refuses what is not a manifest of the kind its descriptor says', () => {
    assert.throws(() => parseJson(bytes([config]), 'the manifest'), /^ManifestError: the manifest must be a JSON object$/)
    refused({ schemaVersion: 2, config, layers: [] }, 'text/plain', /"text\/plain" is not a manifest media type/)
    refused({ schemaVersion: 2, config }, mt.OCI_INDEX, /the descriptor says index, but the content is an image manifest/)
    refused({ schemaVersion: 3, manifests: [] }, mt.OCI_INDEX, /schemaVersion 3 is not supported \(expected 2\)/)
    refused({ config, layers: [] }, mt.OCI_MANIFEST, /an image manifest needs "schemaVersion": 2/)
    refused({ schemaVersion: 2, config }, mt.OCI_MANIFEST, /an image manifest needs a "layers" array/)
  })

  it('accepts an index without schemaVersion (index.json as rules_oci writes it)', () => {
    assert.equal(parseManifest(bytes({ manifests: [] }), mt.OCI_INDEX, 'the index').kind, 'index')
  })

  it('refuses a referrer whose subject is not a valid descriptor, naming it', () => {
    refused({ schemaVersion: 2, config, layers: [], subject: { ...config, digest: 'sha256:nope' } }, mt.OCI_MANIFEST, /the manifest subject/)
    refused({ schemaVersion: 2, manifests: [], subject: { ...config, size: -1 } }, mt.OCI_INDEX, /the manifest subject/)
  })
})
