/**
 * `switchboard blobs gc` in-process on the database of a running test hub and a real blob directory:
 * blobs stored by LocalBlobStore, referenced by requests ingested through the hub; only unreferenced
 * blobs older than the cut-off go, files that are not blobs stay, --dry-run removes nothing.
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as LocalBlobStore from "../../layers/BlobStore/LocalBlobStore.js"
import * as PgBlobReferences from "../../layers/BlobStore/PgBlobReferences.js"
import * as Migrations from "../../layers/Database/Migrations.js"
import type { StoredBlob } from "../../services/BlobStore.js"
import * as CliInProcess from "../support/CliInProcess.js"
import { sample } from "../support/Fixtures.js"
import { postJson } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as TestHub from "../support/TestHub.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const TargetLive = Layer.scoped(Target, TestDatabase.freshTarget)
const Database = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t)))
)
const Env = TestHub.layerWith(Database).pipe(Layer.provideMerge(TargetLive), Layer.merge(NodeContext.layer))

const DAY_MS = 86_400_000

layer(Env, { excludeTestServices: true, timeout: 60_000 })("blobs gc", (it) => {
  const gc = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(Target, (t) =>
      CliInProcess.run(["blobs", "gc", ...args], { DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}` }))

  const attachment = (blob: StoredBlob, storageRef = blob.storageRef) => ({
    media_type: "image/jpeg",
    storage_ref: storageRef,
    size_bytes: blob.sizeBytes,
    sha256: blob.sha256
  })

  it.scoped("removes only old unreferenced blobs, prints each with its size and the totals; --dry-run removes nothing", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "blobs-gc-" })
      const store = yield* LocalBlobStore.make(dir)
      const put = (text: string) => store.put(new TextEncoder().encode(text))
      const referencedOld = yield* put("referenced and old")
      const unreferencedOld = yield* put("unreferenced and old")
      const otherSchemeOnly = yield* put("named only by a memory:// reference")
      const unreferencedNew = yield* put("unreferenced and new")
      const putAgain = yield* put("old, but stored again just now")
      const fileOf = (b: StoredBlob) => `${dir}/sha256/${b.sha256.slice(0, 2)}/${b.sha256}`
      const old = new Date(Date.now() - 10 * DAY_MS)
      yield* Effect.forEach([referencedOld, unreferencedOld, otherSchemeOnly, putAgain], (b) => fs.utimes(fileOf(b), old, old))
      yield* put("old, but stored again just now")
      yield* fs.writeFileString(`${dir}/README.txt`, "not a blob")
      yield* fs.writeFileString(`${fileOf(unreferencedOld)}.tmp-0a1b2c3d4e5f`, "a write in progress")
      yield* Effect.forEach([`${dir}/README.txt`, `${fileOf(unreferencedOld)}.tmp-0a1b2c3d4e5f`], (f) => fs.utimes(f, old, old))

      const token = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: "*" })
      const envelope = (id: string, attachments: ReadonlyArray<ReturnType<typeof attachment>>) => ({
        ...sample(id),
        payload: { raw: { id }, normalized_text: `message ${id}`, attachments }
      })
      for (const e of [
        envelope("gc-1", [attachment(referencedOld), attachment(otherSchemeOnly, `memory://sha256/${otherSchemeOnly.sha256}`)]),
        envelope("gc-2", [attachment(referencedOld)]),
        envelope("gc-3", [])
      ]) {
        const answer = yield* postJson(`${hub.url}/api/ingest`, token.token, e)
        assert.strictEqual(answer.status, 202, JSON.stringify(answer.body))
      }

      const line = (b: StoredBlob) => `sha256/${b.sha256.slice(0, 2)}/${b.sha256} (${b.sizeBytes} bytes, last written`
      const dry = yield* gc("--dry-run", "--dir", dir)
      assert.strictEqual(dry.exitCode, 0, dry.stderr)
      assert.include(dry.stdout, "1 blob referenced by 2 stored requests")
      assert.include(dry.stdout, `would remove ${line(unreferencedOld)}`)
      assert.include(dry.stdout, `would remove ${line(otherSchemeOnly)}`)
      for (const kept of [referencedOld, unreferencedNew, putAgain]) assert.notInclude(dry.stdout, kept.sha256)
      const bytes = unreferencedOld.sizeBytes + otherSchemeOnly.sizeBytes
      assert.include(
        dry.stdout,
        `would remove 2 blobs (${bytes} bytes); kept 1 referenced and 2 unreferenced but newer than the cut-off; ` +
          "2 entries that are not a blob left alone"
      )
      for (const b of [referencedOld, unreferencedOld, otherSchemeOnly, unreferencedNew, putAgain]) {
        assert.isTrue(yield* fs.exists(fileOf(b)), "a dry run removes nothing")
      }

      const run = yield* gc("--dir", dir)
      assert.strictEqual(run.exitCode, 0, run.stderr)
      assert.include(run.stdout, `removed ${line(unreferencedOld)}`)
      assert.include(run.stdout, `removed 2 blobs (${bytes} bytes)`)
      assert.isFalse(yield* fs.exists(fileOf(unreferencedOld)))
      assert.isFalse(yield* fs.exists(fileOf(otherSchemeOnly)))
      for (const b of [referencedOld, unreferencedNew, putAgain]) assert.isTrue(yield* fs.exists(fileOf(b)))
      assert.isTrue(yield* fs.exists(`${dir}/README.txt`))
      assert.isTrue(yield* fs.exists(`${fileOf(unreferencedOld)}.tmp-0a1b2c3d4e5f`))

      const again = yield* gc("--dir", dir, "--older-than", "1w")
      assert.strictEqual(again.exitCode, 0, again.stderr)
      assert.include(again.stdout, "removed 0 blobs (0 bytes)")
    }))

  it.effect("the reference scan pages through the inbox", () =>
    Effect.gen(function*() {
      const paged = yield* PgBlobReferences.referencedWith(1)
      const whole = yield* PgBlobReferences.referenced
      assert.isAtLeast(whole.rows, 2, "the first test stored two requests with attachments")
      assert.strictEqual(paged.rows, whole.rows)
      assert.deepStrictEqual([...paged.hashes], [...whole.hashes])
    }))

  it.scoped("a missing directory or a bad --older-than fails with one line", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "blobs-gc-" })
      const missing = yield* gc("--dir", `${dir}/nope`)
      assert.strictEqual(missing.exitCode, 1)
      assert.match(missing.stderr, /^switchboard: BlobsGcFailed: no blob directory at .*nope: pass --dir or set CONNECTOR_BLOB_STORE_DIR$/)
      const bad = yield* gc("--dir", dir, "--older-than", "soon")
      assert.strictEqual(bad.exitCode, 2)
      assert.include(bad.stdout + bad.stderr, "--older-than: soon is not a duration")
    }))
})
