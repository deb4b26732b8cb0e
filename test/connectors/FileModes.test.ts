/**
 * Connector state on disk is private: checkpoint files (and the temp files they are renamed from) and
 * dead-letter files (which hold message text) are created 0600, directories the stores create 0700,
 * and directories that already exist keep their mode. Checked by stat-ing the real files.
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as FileCheckpointStore from "../../layers/CheckpointStore/FileCheckpointStore.js"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import type { DeadLetter } from "../../services/ConnectorDeadLetters.js"

const modeOf = (path: string) => Fs.statSync(path).mode & 0o777
const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "modes-" }))

const letter: DeadLetter = {
  connector_type: "sandbox",
  endpoint_identity: "sandbox-1",
  rejected_at: "2026-11-22T10:00:00Z",
  reason: "ValidationError",
  message: "sender.identity must not be empty",
  issues: [],
  envelope: { payload: { normalized_text: "private message text" } }
}

describe("connector file modes", () => {
  it.scoped("a checkpoint is created 0600, in directories created 0700", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "a", "b", "cursor.json")
      const store = yield* FileCheckpointStore.make(file)
      yield* store.save({ next: 1 })
      assert.strictEqual(modeOf(file), 0o600)
      assert.strictEqual(modeOf(Path.join(dir, "a", "b")), 0o700)
      assert.strictEqual(modeOf(Path.join(dir, "a")), 0o700)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("a checkpoint left 0644 by an older version is 0600 after the next save (the temp file it is renamed from is 0600)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "cursor.json")
      Fs.writeFileSync(file, "{\"next\":1}\n", { mode: 0o644 })
      Fs.chmodSync(file, 0o644)
      const store = yield* FileCheckpointStore.make(file)
      yield* store.save({ next: 2 })
      assert.strictEqual(modeOf(file), 0o600)
      assert.deepStrictEqual(Fs.readdirSync(dir), ["cursor.json"])
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("an existing directory keeps its mode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const shared = Path.join(dir, "shared")
      Fs.mkdirSync(shared)
      Fs.chmodSync(shared, 0o755)
      const store = yield* FileCheckpointStore.make(Path.join(shared, "cursor.json"))
      yield* store.save({ next: 1 })
      const letters = yield* FileDeadLetters.make(Path.join(shared, "dead.ndjson"))
      yield* letters.write(letter)
      assert.strictEqual(modeOf(shared), 0o755)
      assert.strictEqual(modeOf(Path.join(shared, "cursor.json")), 0o600)
      assert.strictEqual(modeOf(Path.join(shared, "dead.ndjson")), 0o600)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("a dead-letter file (it holds message text) is created 0600, in a directory created 0700", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "letters", "sandbox.dead-letter.ndjson")
      const letters = yield* FileDeadLetters.make(file)
      yield* letters.write(letter)
      yield* letters.write(letter)
      assert.strictEqual(modeOf(file), 0o600)
      assert.strictEqual(modeOf(Path.dirname(file)), 0o700)
      assert.strictEqual((yield* letters.list).length, 2)
    }).pipe(Effect.provide(NodeContext.layer)))
})
