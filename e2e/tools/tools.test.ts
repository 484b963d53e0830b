/**
 * Proves the tool modules work on this machine: the reference registry serves
 * a tiny image and a two-platform index pushed by skopeo, and skopeo, ctr and
 * podman all pull them and agree on the manifest digests.
 *
 * Run: node_modules/.bin/node --test e2e/tools/tools.test.ts
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { startContainerd } from "./containerd.ts";
import { startDistribution } from "./distribution.ts";
import { run } from "./exec.ts";
import { createPodman } from "./podman.ts";
import { haveRoot, haveTools, toolPath } from "./require-tool.ts";
import { createSkopeo } from "./skopeo.ts";
import { makeTempDir, mountPointsUnder } from "./temp-dir.ts";

const INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

interface Fixture {
  layoutDir: string;
  /** Tag of a single-platform linux/amd64 image. */
  imageTag: string;
  imageDigest: string;
  imageConfigDigest: string;
  /** Tag of an index of linux/amd64 (the image above) and linux/arm64. */
  indexTag: string;
  indexDigest: string;
  /** The linux/arm64 manifest in the index. */
  armDigest: string;
}

test("registry clients agree on digests served by the reference registry", async (t) => {
  if (!haveTools(t, "docker-registry", "skopeo", "umoci")) return;
  await using work = await makeTempDir("tools-test-");
  const fixture = await timed(t, "umoci fixture", () => makeFixture(work.join("layout"), work.path));
  await using registry = await timed(t, "start docker-registry", () => startDistribution());
  await using skopeo = await createSkopeo();
  const imageRef = `${registry.host}/demo/app:${fixture.imageTag}`;
  const indexRef = `${registry.host}/demo/app:${fixture.indexTag}`;
  await timed(t, "skopeo push image", () => skopeo.pushLayout(fixture.layoutDir, fixture.imageTag, imageRef));
  await timed(t, "skopeo push index", () => skopeo.pushLayout(fixture.layoutDir, fixture.indexTag, indexRef));

  await t.test("skopeo inspect --raw returns the pushed bytes", async () => {
    const image = await skopeo.inspectRaw(imageRef);
    assert.equal(image.digest, fixture.imageDigest);
    const index = await skopeo.inspectRaw(indexRef);
    assert.equal(index.digest, fixture.indexDigest);
    assert.equal(index.mediaType, INDEX_MEDIA_TYPE);
    const byDigest = await skopeo.inspectRaw(`${registry.host}/demo/app@${fixture.indexDigest}`);
    assert.deepEqual(byDigest.bytes, index.bytes);
  });

  await t.test("skopeo inspect resolves the index to the host platform", async () => {
    const inspected = await skopeo.inspect(indexRef);
    assert.equal(inspected.Digest, fixture.indexDigest);
    assert.equal(inspected.Os, "linux");
    assert.deepEqual(inspected.RepoTags.toSorted(), [fixture.imageTag, fixture.indexTag].toSorted());
  });

  await t.test("skopeo list-tags", async () => {
    const tags = await skopeo.listTags(`${registry.host}/demo/app`);
    assert.deepEqual(tags.toSorted(), [fixture.imageTag, fixture.indexTag].toSorted());
  });

  await t.test("skopeo copy --all pulls the index back into an OCI layout", async (t) => {
    const out = work.join("pulled");
    await timed(t, "skopeo pull index", () => skopeo.pullToLayout(indexRef, out, "copy"));
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8")) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === "copy");
    assert.equal(entry?.digest, fixture.indexDigest);
    // --all copied both platforms' manifests.
    const blob = await readFile(join(out, "blobs", ...fixture.indexDigest.split(":")));
    const children = (JSON.parse(blob.toString("utf8")) as { manifests: Array<{ digest: string }> }).manifests;
    for (const child of children) await readFile(join(out, "blobs", ...child.digest.split(":")));
  });

  await t.test("ctr pull (plain HTTP, one platform and all platforms)", async (t) => {
    if (!haveTools(t, "containerd", "ctr") || !haveRoot(t, "containerd")) return;
    await using ctrd = await timed(t, "start containerd", () => startContainerd());
    assert.equal(await timed(t, "ctr pull image", () => ctrd.pull(imageRef)), fixture.imageDigest);
    assert.equal(await timed(t, "ctr pull index", () => ctrd.pull(indexRef)), fixture.indexDigest);
    assert.ok(!(await ctrd.contentDigests()).includes(fixture.armDigest), "without --all-platforms only the host platform is fetched");
    const all = `${registry.host}/demo/app@${fixture.indexDigest}`;
    assert.equal(await timed(t, "ctr pull --all-platforms", () => ctrd.pull(all, { allPlatforms: true })), fixture.indexDigest);
    assert.ok((await ctrd.contentDigests()).includes(fixture.armDigest), "--all-platforms fetched linux/arm64");
    const status = await ctrd.image(all);
    assert.equal(status?.unpacked, true);
    assert.match(status?.status ?? "", /^complete/);
    await ctrd.removeImage(imageRef);
    assert.equal(await ctrd.image(imageRef), undefined);
  });

  await t.test("podman pull", async (t) => {
    if (!haveTools(t, "podman") || !haveRoot(t, "podman overlay storage")) return;
    await using podman = await createPodman();
    // A fresh store: .Digest is the digest of the first pull, here the index.
    const fromIndex = await timed(t, "podman pull index", () => podman.pull(indexRef));
    assert.equal(fromIndex.digest, fixture.indexDigest);
    assert.equal(`sha256:${fromIndex.id}`, fixture.imageConfigDigest, "the index resolves to the amd64 image on this host");
    assert.deepEqual(fromIndex.digests.toSorted(), [fixture.indexDigest, fixture.imageDigest].toSorted());
    const image = await timed(t, "podman pull image", () => podman.pull(imageRef));
    assert.equal(image.id, fromIndex.id);
    assert.ok(image.digests.includes(fixture.imageDigest));
    await podman.removeImage(imageRef);
    assert.equal(await podman.inspect(imageRef), undefined);
  });

  assert.deepEqual(await mountPointsUnder(work.path), []);
});

test("temp dirs unmount what is mounted under them", async (t) => {
  if (!haveTools(t, "mount", "umount") || !haveRoot(t, "mounting")) return;
  const dir = await makeTempDir("unmount-test-");
  const mountPoint = dir.join("mnt with space");
  await run("mkdir", ["-p", mountPoint]);
  await run(toolPath("mount"), ["-t", "tmpfs", "tmpfs", mountPoint]);
  await run(toolPath("mount"), ["-t", "tmpfs", "tmpfs", mountPoint]); // stacked
  assert.deepEqual(await mountPointsUnder(dir.path), [mountPoint]);
  await dir.remove();
  assert.deepEqual(await mountPointsUnder(dir.path), []);
  await assert.rejects(readFile(dir.path), { code: "ENOENT" });
});

async function timed<T>(t: { diagnostic(message: string): void }, what: string, action: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await action();
  t.diagnostic(`${what}: ${Math.round(performance.now() - start)} ms`);
  return result;
}

/**
 * An OCI layout with a one-layer linux/amd64 image made by umoci, and an index
 * adding a linux/arm64 manifest (same layer, its own config). Layer and config
 * bytes vary between runs (umoci records the time), so digests are read back.
 */
async function makeFixture(layoutDir: string, scratch: string): Promise<Fixture> {
  const umoci = toolPath("umoci");
  await run(umoci, ["init", "--layout", layoutDir]);
  await run(umoci, ["new", "--image", `${layoutDir}:image`]);
  const file = join(scratch, "hello.txt");
  await writeFile(file, "hello from localregistry\n");
  await run(umoci, ["insert", "--image", `${layoutDir}:image`, file, "/hello.txt"]);

  const indexPath = join(layoutDir, "index.json");
  const layoutIndex = JSON.parse(await readFile(indexPath, "utf8")) as { manifests: Descriptor[] };
  const amd64 = layoutIndex.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === "image");
  assert.ok(amd64, "umoci wrote the image tag");
  const manifest = JSON.parse((await readBlob(layoutDir, amd64.digest)).toString("utf8")) as { config: Descriptor };
  const config = JSON.parse((await readBlob(layoutDir, manifest.config.digest)).toString("utf8")) as Record<string, unknown>;
  assert.equal(config.architecture, "amd64", "the fixture assumes an amd64 host");

  const armConfig = await writeBlob(layoutDir, "application/vnd.oci.image.config.v1+json", { ...config, architecture: "arm64" });
  const armManifest = await writeBlob(layoutDir, MANIFEST_MEDIA_TYPE, { ...manifest, mediaType: MANIFEST_MEDIA_TYPE, config: armConfig });
  const index = await writeBlob(layoutDir, INDEX_MEDIA_TYPE, {
    schemaVersion: 2,
    mediaType: INDEX_MEDIA_TYPE,
    manifests: [
      { mediaType: MANIFEST_MEDIA_TYPE, digest: amd64.digest, size: amd64.size, platform: { architecture: "amd64", os: "linux" } },
      { ...armManifest, platform: { architecture: "arm64", os: "linux" } },
    ],
  });
  layoutIndex.manifests.push({ ...index, annotations: { "org.opencontainers.image.ref.name": "multi" } });
  await writeFile(indexPath, JSON.stringify(layoutIndex));
  return {
    layoutDir,
    imageTag: "image",
    imageDigest: amd64.digest,
    imageConfigDigest: manifest.config.digest,
    indexTag: "multi",
    indexDigest: index.digest,
    armDigest: armManifest.digest,
  };
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

async function readBlob(layoutDir: string, digest: string): Promise<Buffer> {
  return readFile(join(layoutDir, "blobs", ...digest.split(":")));
}

async function writeBlob(layoutDir: string, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await writeFile(join(layoutDir, "blobs", ...digest.split(":")), bytes);
  return { mediaType, digest, size: bytes.length };
}
