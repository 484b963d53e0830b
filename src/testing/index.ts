// localregistry/testing: deterministic fixture layouts and content, for tests and the demo.
export { FIXTURE_KINDS, type FixtureKind, type FixtureOptions, type FixtureResult, buildFixtureLayout } from './fixtures.ts'
export { pseudoRandomStream, tarLayerStream } from './content.ts'
