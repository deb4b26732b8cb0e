import { NodeFileSystem } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FileActionLog from "../../layers/Actions/FileActionLog.js"
import { ActionLog } from "../../services/ActionLog.js"

const entry = (i: number) => ({
  ts: "2026-12-01T00:00:00.000Z",
  caller: "tk_000000000001",
  action: "slack.send",
  connector: "slack",
  status: "sent",
  ms: i,
  ids_masked: true as const
})

it.live("creates the file (0600) on the first line only, and writes every queued line before it closes", () =>
  Effect.gen(function*() {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-action-log-"))
    const path = Path.join(dir, "logs", "actions.log")
    const scope = yield* Scope.make()
    const log = yield* Layer.buildWithScope(FileActionLog.layerAt(path).pipe(Layer.provide(NodeFileSystem.layer)), scope).pipe(
      Effect.map((ctx) => Context.get(ctx, ActionLog))
    )
    assert.isFalse(Fs.existsSync(path), "no call, no file")
    yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => entry(i)), log.write, { discard: true })
    yield* Scope.close(scope, Exit.void)
    const lines = Fs.readFileSync(path, "utf8").split("\n").filter((l) => l !== "")
    assert.strictEqual(lines.length, 1000)
    assert.deepStrictEqual(JSON.parse(lines[999]!), entry(999))
    assert.strictEqual(Fs.statSync(path).mode & 0o777, 0o600)
    Fs.rmSync(dir, { recursive: true, force: true })
  }))
