/**
 * `switchboard connector resubmit` against a real hub on a real socket and database: dead letters
 * written by the connector's own FileDeadLetters, resubmitted over the connector's RPC client; the
 * hub's dedupe makes a rerun all duplicates; a malformed line and a still-invalid event fail alone.
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { DateTime, Duration, Effect, Layer, Redacted, Schema } from "effect"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import * as RpcSwitchboardClient from "../../layers/SwitchboardClient/RpcSwitchboardClient.js"
import { DeadLetter } from "../../services/ConnectorDeadLetters.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import { envelopeOf } from "../../src/connectors/sandbox/SandboxConnector.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as TestHub from "../support/TestHub.js"
import { inbox } from "../connectors/Inbox.js"

const Env = Layer.merge(TestHub.layer, NodeContext.layer)

layer(Env, { excludeTestServices: true, timeout: 60_000 })("connector resubmit", (it) => {
  /** A dead-letter file for `endpoint` and the CLI environment to resubmit it as that connector. */
  const setup = (endpoint: string) =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "resubmit-" })
      const token = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint })
      const env = { SWITCHBOARD_URL: hub.url, SWITCHBOARD_API_TOKEN: token.token }
      const file = `${dir}/sandbox.json.dead-letter.ndjson`
      const letters = yield* FileDeadLetters.make(file)
      const observedAt = DateTime.formatIso(yield* DateTime.now)
      const letter = (n: number, reason: string, invalid = false) =>
        letters.write({
          connector_type: "sandbox",
          endpoint_identity: endpoint,
          rejected_at: observedAt,
          reason,
          message: "refused earlier",
          issues: [],
          envelope: envelopeOf(endpoint, n, observedAt, invalid)
        })
      /** Ingests event `n` directly, as the connector would have. */
      const ingest = (n: number) =>
        Effect.flatMap(SwitchboardClient, (c) => c.ingest(envelopeOf(endpoint, n, observedAt, false))).pipe(
          Effect.provide(RpcSwitchboardClient.layer({
            url: hub.url,
            token: Redacted.make(token.token),
            requestTimeout: Duration.seconds(10)
          })),
          Effect.orDie
        )
      return { dir, env, file, letter, ingest, fs }
    })

  it.scoped("accepts the now-valid events, reports the duplicate, the still-invalid one and the malformed line; a rerun is all duplicates", () =>
    Effect.gen(function*() {
      const { dir, env, file, fs, ingest, letter } = yield* setup("resubmit-1")
      yield* ingest(3)
      yield* Effect.forEach([0, 1, 2], (n) => letter(n, "Forbidden"))
      yield* fs.writeFileString(file, "{\"connector_type\": \"sandbox\", trailing garbage\n", { flag: "a" })
      yield* letter(3, "ValidationError")
      yield* letter(4, "ValidationError", true)
      const remaining = `${dir}/remaining.ndjson`
      const args = ["connector", "resubmit", "--dead-letter-file", file, "--write-remaining", remaining]

      const dry = yield* CliInProcess.run(["connector", "resubmit", "--dead-letter-file", file, "--dry-run"], {})
      assert.strictEqual(dry.exitCode, 1, dry.stderr)
      assert.include(dry.stdout, "5 dead letters, 1 malformed line")
      assert.include(dry.stdout, "dry run: nothing submitted; recorded reasons: Forbidden 3, ValidationError 2")
      assert.strictEqual((yield* inbox("resubmit-1")).n, 1, "a dry run submits nothing")

      const first = yield* CliInProcess.run(args, env)
      assert.strictEqual(first.exitCode, 1, first.stderr)
      assert.include(first.stdout, "accepted:        3\nduplicate:       1\nstill rejected:  1\n")
      assert.match(first.stdout, /still rejected, first 1:\n {2}line 6 \(event 4\): ValidationError: .*sender/)
      assert.include(first.stdout, "malformed:       1\n  line 4: not JSON")
      assert.include(first.stderr, "switchboard: ResubmitIncomplete: 1 event still rejected and 1 malformed line")
      assert.deepStrictEqual(yield* inbox("resubmit-1"), { n: 4, distinct_ids: 4, low: 0, high: 3 })

      const left = (yield* fs.readFileString(remaining)).trim().split("\n")
      assert.strictEqual(left.length, 2)
      assert.strictEqual(left[0], "{\"connector_type\": \"sandbox\", trailing garbage", "the malformed line, as it was")
      const again = Schema.decodeUnknownSync(Schema.parseJson(DeadLetter))(left[1])
      assert.strictEqual(again.reason, "ValidationError")
      assert.notStrictEqual(again.message, "refused earlier", "the hub's new answer")
      assert.strictEqual((yield* fs.stat(remaining)).mode & 0o777, 0o600)

      const second = yield* CliInProcess.run(args, env)
      assert.strictEqual(second.exitCode, 1, second.stderr)
      assert.include(second.stdout, "accepted:        0\nduplicate:       4\nstill rejected:  1\n")
      assert.deepStrictEqual(yield* inbox("resubmit-1"), { n: 4, distinct_ids: 4, low: 0, high: 3 })
    }))

  it.scoped("exits 0 when nothing is left, batches a long file and reports progress on stderr", () =>
    Effect.gen(function*() {
      const { env, file, letter } = yield* setup("resubmit-2")
      const total = 1050
      yield* Effect.forEach(Array.from({ length: total }, (_, n) => n), (n) => letter(n, "Forbidden"), { discard: true })
      const answer = yield* CliInProcess.run(["connector", "resubmit", "--dead-letter-file", file], env)
      assert.strictEqual(answer.exitCode, 0, answer.stderr)
      assert.include(answer.stdout, `accepted:        ${total}\nduplicate:       0\nstill rejected:  0`)
      assert.match(answer.stderr, /^resubmit: (\d{4}) events submitted \(through line \1\)$/)
      assert.deepStrictEqual(yield* inbox("resubmit-2"), { n: total, distinct_ids: total, low: 0, high: total - 1 })
    }))

  it.scoped("exits 2 with one line when the file, the environment or --write-remaining cannot be used", () =>
    Effect.gen(function*() {
      const { dir, env, file, letter } = yield* setup("resubmit-3")
      yield* letter(0, "Forbidden")
      const missing = yield* CliInProcess.run(["connector", "resubmit", "--dead-letter-file", `${dir}/nope.ndjson`], env)
      assert.strictEqual(missing.exitCode, 2)
      assert.match(missing.stderr, /^switchboard: ResubmitFailed: cannot read --dead-letter-file .*nope\.ndjson: .*ENOENT/)
      const noHub = yield* CliInProcess.run(["connector", "resubmit", "--dead-letter-file", file], {})
      assert.strictEqual(noHub.exitCode, 2)
      assert.include(noHub.stderr, "SWITCHBOARD_URL is missing")
      const same = yield* CliInProcess.run(["connector", "resubmit", "--dead-letter-file", file, "--write-remaining", file], env)
      assert.strictEqual(same.exitCode, 2)
      assert.include(same.stderr, "--write-remaining must name another file than --dead-letter-file")
      const bare = yield* CliInProcess.run(["connector"], env)
      assert.strictEqual(bare.exitCode, 2)
      assert.include(bare.stderr, "name a connector type (")
    }))
})
