// Test helpers: deterministic fixture layouts and content.
export { FIXTURE_KINDS, type FixtureKind, type FixtureOptions, type FixtureResult, buildFixtureLayout } from './fixtures.ts'
export { pseudoRandomStream, tarLayerStream } from './content.ts'
export { makeTempDir, writeBlob, writeImageLackingLayers, writeJsonBlob } from './helpers.ts'
