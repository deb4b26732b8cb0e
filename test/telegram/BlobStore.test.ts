import { NodeContext } from "@effect/platform-node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as LocalBlobStore from "../../layers/BlobStore/LocalBlobStore.js"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import { BlobStore } from "../../services/BlobStore.js"
import { suite } from "../contracts/BlobStore.suite.js"

const made: Array<string> = []
const tempDir = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-blobs-"))
  made.push(dir)
  return dir
}
afterAll(() => made.forEach((dir) => Fs.rmSync(dir, { recursive: true, force: true })))

const files = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) =>
    Path.relative(dir, Path.join(e.parentPath, e.name))
  )

describe("MemoryBlobStore", () => {
  suite(MemoryBlobStore.SCHEME, (effect) => Effect.provide(effect, MemoryBlobStore.layer))
})

describe("LocalBlobStore", () => {
  const dir = tempDir()
  const local = LocalBlobStore.layer(dir).pipe(Layer.provide(NodeContext.layer))
  suite(LocalBlobStore.SCHEME, (effect) => Effect.provide(effect, local))

  it.effect("keeps a blob at <dir>/sha256/<ab>/<hex> with no temp file left behind", () =>
    Effect.gen(function*() {
      const own = tempDir()
      const stored = yield* Effect.provide(
        Effect.flatMap(BlobStore, (s) => s.put(new TextEncoder().encode("x"))),
        LocalBlobStore.layer(own).pipe(Layer.provide(NodeContext.layer))
      )
      assert.deepStrictEqual(files(own), [Path.join("sha256", stored.sha256.slice(0, 2), stored.sha256)])
      assert.strictEqual(Fs.readFileSync(Path.join(own, files(own)[0]!), "utf8"), "x")
    }))

  it.effect("a torn write (a leftover temp file) is never read as a blob", () =>
    Effect.gen(function*() {
      const own = tempDir()
      const store = LocalBlobStore.layer(own).pipe(Layer.provide(NodeContext.layer))
      const stored = yield* Effect.provide(Effect.flatMap(BlobStore, (s) => s.put(new Uint8Array([9]))), store)
      const file = Path.join(own, "sha256", stored.sha256.slice(0, 2), stored.sha256)
      Fs.renameSync(file, `${file}.tmp-deadbeef0000`)
      const has = yield* Effect.provide(Effect.flatMap(BlobStore, (s) => s.has(stored.storageRef)), store)
      assert.isFalse(has)
      const again = yield* Effect.provide(Effect.flatMap(BlobStore, (s) => s.put(new Uint8Array([9]))), store)
      assert.strictEqual(again.storageRef, stored.storageRef)
      assert.deepStrictEqual(Fs.readFileSync(file), Buffer.from([9]))
    }))

  it.effect("a directory it cannot write fails with BlobStoreFailed naming the store", () =>
    Effect.gen(function*() {
      const own = tempDir()
      Fs.writeFileSync(Path.join(own, "sha256"), "not a directory")
      const error = yield* Effect.provide(
        Effect.flip(Effect.flatMap(BlobStore, (s) => s.put(new Uint8Array([1])))),
        LocalBlobStore.layer(own).pipe(Layer.provide(NodeContext.layer))
      )
      assert.strictEqual(error._tag, "BlobStoreFailed")
      assert.include(error.message, own)
    }))
})
