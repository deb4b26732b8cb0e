import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import type { DeadLetter } from "../../services/ConnectorDeadLetters.js"
import { sample } from "../support/Fixtures.js"

const letter = (id: string): DeadLetter => ({
  connector_type: "sandbox",
  endpoint_identity: "sandbox-1",
  rejected_at: "2026-11-22T10:00:00Z",
  reason: "ValidationError",
  message: "sender.identity: must not be empty",
  issues: [{ path: "sender.identity", message: "must not be empty" }],
  envelope: sample(id)
})

describe("FileDeadLetters", () => {
  it.scoped("appends one JSON line per refused event, in order, creating the directory", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "dead-letters-" })
      const file = `${dir}/nested/sandbox.dead-letter.ndjson`
      const letters = yield* FileDeadLetters.make(file)
      assert.deepStrictEqual(yield* letters.list, [])
      yield* letters.write(letter("a"))
      yield* letters.write(letter("b"))
      const lines = (yield* fs.readFileString(file)).trim().split("\n")
      assert.strictEqual(lines.length, 2)
      assert.deepStrictEqual(JSON.parse(lines[1] ?? ""), letter("b"))
      assert.deepStrictEqual(yield* letters.list, [letter("a"), letter("b")])
    }).pipe(Effect.provide(NodeContext.layer)))
})
