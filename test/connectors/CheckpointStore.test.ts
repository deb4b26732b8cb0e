import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Option } from "effect"
import * as FileCheckpointStore from "../../layers/CheckpointStore/FileCheckpointStore.js"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import { CheckpointStore } from "../../services/CheckpointStore.js"
import { suite } from "../contracts/CheckpointStore.suite.js"

/** A fresh directory for one test, removed afterwards. */
const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "checkpoint-" }))

const withFileStore = <A, E>(effect: Effect.Effect<A, E, CheckpointStore>) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    return yield* Effect.provide(effect, FileCheckpointStore.layer(`${dir}/nested/cursor.json`))
  }).pipe(Effect.scoped, Effect.catchTag("SystemError", "BadArgument", Effect.die), Effect.provide(NodeContext.layer))

/** Runs `effect` and returns what it logged at ERROR. */
const capturingErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Error") lines.push(String(message))
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return [result, lines] as const
  })

describe("MemoryCheckpointStore", () => {
  suite((effect) => Effect.provide(effect, MemoryCheckpointStore.layer()))
})

describe("FileCheckpointStore", () => {
  suite(withFileStore)

  it.effect("writes the cursor verbatim as JSON and leaves no temp file behind", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* tempDir
      const file = `${dir}/cursor.json`
      const store = yield* FileCheckpointStore.make(file)
      yield* store.save({ last_update_id: 41 })
      yield* store.save({ last_update_id: 42 })
      assert.deepStrictEqual(JSON.parse(yield* fs.readFileString(file)), { last_update_id: 42 })
      assert.deepStrictEqual(yield* fs.readDirectory(dir), ["cursor.json"])
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a missing file (first start): one info line naming the file, no error, start from the beginning", () =>
    Effect.gen(function*() {
      const path = yield* Path.Path
      const dir = yield* tempDir
      const file = path.join(dir, "absent.json")
      const store = yield* FileCheckpointStore.make(file)
      const lines: Array<[string, string]> = []
      const logger = Logger.make(({ logLevel, message }) => void lines.push([logLevel._tag, String(message)]))
      const loaded = yield* store.load.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      assert.isTrue(Option.isNone(loaded))
      assert.deepStrictEqual(lines.map(([level]) => level), ["Info"])
      assert.include(lines[0]?.[1], "no checkpoint yet, starting from the beginning")
      assert.include(lines[0]?.[1], file)
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  for (const [name, content] of [["garbage", "{\"last_update_id\": 4"], ["an array", "[1,2]"], ["empty", ""]] as const) {
    it.effect(`a corrupt file (${name}): one error line naming the file, then start from scratch`, () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* tempDir
        const file = `${dir}/cursor.json`
        yield* fs.writeFileString(file, content)
        const store = yield* FileCheckpointStore.make(file)
        const [loaded, errors] = yield* capturingErrors(store.load)
        assert.isTrue(Option.isNone(loaded))
        assert.strictEqual(errors.length, 1)
        assert.include(errors[0], file)
        assert.include(errors[0], "corrupt")
      }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))
  }

  it.effect("a temp file left by a crash mid-save does not affect the checkpoint", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* tempDir
      const file = `${dir}/cursor.json`
      const store = yield* FileCheckpointStore.make(file)
      yield* store.save({ last_update_id: 7 })
      yield* fs.writeFileString(`${file}.abc.tmp`, "{\"last_update_id\": 9")
      const loaded = yield* store.load
      assert.deepStrictEqual(Option.map(loaded, (c) => c.cursor), Option.some({ last_update_id: 7 }))
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a save that cannot be written fails with CheckpointSaveFailed and keeps the old checkpoint", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* tempDir
      const file = `${dir}/cursor.json`
      const store = yield* FileCheckpointStore.make(file)
      yield* store.save({ last_update_id: 7 })
      yield* fs.makeDirectory(`${file}.blocker`)
      // A directory where the file should go: rename over it fails.
      const blocked = yield* FileCheckpointStore.make(`${file}.blocker`)
      const error = yield* Effect.flip(blocked.save({ last_update_id: 8 }))
      assert.strictEqual(error._tag, "CheckpointSaveFailed")
      assert.include(error.location, "cursor.json.blocker")
      const loaded = yield* store.load
      assert.deepStrictEqual(Option.map(loaded, (c) => c.cursor), Option.some({ last_update_id: 7 }))
      assert.deepStrictEqual((yield* fs.readDirectory(dir)).sort(), ["cursor.json", "cursor.json.blocker"])
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))
})

