/**
 * `switchboard checkpoints list|show|set`, run in-process (test/support/CliInProcess.ts) on a fresh migrated
 * database: an empty list, a set → show → list round trip (the previous cursor printed, commits counted, the
 * runner joined from switchboard_singletons), refused cursors and keys (exit 2, nothing stored, the value
 * never echoed) and a missing checkpoint (exit 1).
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schema } from "effect"
import * as Migrations from "../../layers/Database/Migrations.js"
import { StoredCheckpoint } from "../../src/domain/Checkpoint.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as TestDatabase from "../support/TestDatabase.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const TargetLive = Layer.scoped(Target, TestDatabase.freshTarget)
const Env = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t)))
).pipe(Layer.provideMerge(TargetLive))

const Listed = Schema.extend(StoredCheckpoint, Schema.Struct({ runner: Schema.NullOr(Schema.String), runner_started_at: Schema.NullOr(Schema.String) }))
const decode = <A, I>(schema: Schema.Schema<A, I>) => (text: string) => Schema.decodeUnknownSync(Schema.parseJson(schema))(text)
const SetAnswer = Schema.Struct({ previous: Schema.NullOr(StoredCheckpoint), checkpoint: StoredCheckpoint })

layer(Env, { excludeTestServices: true, timeout: 120_000 })("checkpoints CLI", (it) => {
  const cli = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(Target, (t) =>
      CliInProcess.run(["checkpoints", ...args], {
        DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`,
        COLUMNS: "120"
      }))
  const stored = (endpoint: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ cursor: unknown }>`SELECT cursor FROM connector_checkpoints WHERE source_endpoint_identity = ${endpoint}`)

  it.effect("list on a fresh database says there are none yet, in one line, exit 0; --json is []", () =>
    Effect.gen(function*() {
      const text = yield* cli("list")
      assert.strictEqual(text.exitCode, 0, text.stderr)
      assert.match(text.stdout, /^no hub-held checkpoints yet[^\n]*$/)
      const json = yield* cli("list", "--json")
      assert.strictEqual(json.exitCode, 0, json.stderr)
      assert.deepStrictEqual(JSON.parse(json.stdout), [])
    }))

  it.effect("set → set → show → list: the previous cursor, commits, updated_by cli, the runner it last started on", () =>
    Effect.gen(function*() {
      const first = yield* cli("set", "telegram", "round-bot", "--cursor", '{"last_update_id":5}')
      assert.strictEqual(first.exitCode, 0, first.stderr)
      assert.include(first.stdout, "previous cursor: none")
      assert.include(first.stdout, 'new cursor:      {"last_update_id":5}')
      assert.include(first.stderr, "a running connector overwrites this cursor", "the warning goes to stderr")

      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO switchboard_singletons (name, runner, holder, started_at) VALUES ('connector:telegram:round-bot', '127.0.0.1:7501', '127.0.0.1:7501/test', now())`

      const second = yield* cli("set", "telegram", "round-bot", "--cursor", '{"last_update_id":42}', "--json")
      assert.strictEqual(second.exitCode, 0, second.stderr)
      const answer = decode(SetAnswer)(second.stdout)
      assert.deepStrictEqual(answer.previous?.cursor, { last_update_id: 5 })
      assert.deepStrictEqual(answer.checkpoint.cursor, { last_update_id: 42 })
      assert.deepStrictEqual(answer.checkpoint.source, { channel: "telegram", provider: "telegram", endpoint_identity: "round-bot" })
      assert.strictEqual(answer.checkpoint.commits, 2)
      assert.strictEqual(answer.checkpoint.updated_by, "cli")
      assert.include(second.stderr, "last started on runner 127.0.0.1:7501")
      assert.deepStrictEqual((yield* stored("round-bot")).map((r) => r.cursor), [{ last_update_id: 42 }])

      const show = yield* cli("show", "telegram", "round-bot")
      assert.strictEqual(show.exitCode, 0, show.stderr)
      assert.include(show.stdout, "source          telegram/telegram/round-bot")
      assert.include(show.stdout, "updated by      cli")
      assert.include(show.stdout, "commits         2")
      assert.include(show.stdout, "runner          127.0.0.1:7501")
      assert.include(show.stdout, 'cursor:\n{\n  "last_update_id": 42\n}')
      const shown = decode(Listed)((yield* cli("show", "telegram", "round-bot", "--json")).stdout)
      assert.strictEqual(shown.runner, "127.0.0.1:7501")
      assert.deepStrictEqual(shown.cursor, { last_update_id: 42 })

      const long = { seq: 3, note: "n".repeat(500) }
      const other = yield* cli("set", "crm-sync", "acme", "--channel", "api", "--provider", "internal", "--cursor", JSON.stringify(long))
      assert.strictEqual(other.exitCode, 0, other.stderr)

      const list = yield* cli("list")
      assert.strictEqual(list.exitCode, 0, list.stderr)
      const lines = list.stdout.split("\n")
      assert.match(lines[0]!, /^type\s+source\s+updated_at\s+updated_by\s+commits\s+runner\s+cursor$/)
      assert.strictEqual(lines.length, 3)
      assert.match(lines[1]!, /^crm-sync\s+api\/internal\/acme\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+cli\s+1\s+-\s+\{"seq":3,"note":"n+…$/)
      assert.match(lines[2]!, /^telegram\s+telegram\/telegram\/round-bot\s+\S+\s+cli\s+2\s+127\.0\.0\.1:7501\s+\{"last_update_id":42\}$/)
      for (const line of lines) assert.isAtMost(line.length, 120, "the cursor is cut to fit COLUMNS")
      const all = decode(Schema.Array(Listed))((yield* cli("list", "--json")).stdout)
      assert.deepStrictEqual(all.map((c) => [c.connector_type, c.runner]), [["crm-sync", null], ["telegram", "127.0.0.1:7501"]])
      assert.deepStrictEqual(all[0]!.cursor, long, "--json prints the cursor whole")
    }))

  it.effect("a cursor that is not JSON, an array, 20 KiB, 40 deep or has a NUL in a key: exit 2, named, not echoed, nothing stored", () =>
    Effect.gen(function*() {
      const big = JSON.stringify({ k: "x".repeat(20 * 1024) })
      const deep = `${'{"a":'.repeat(40)}1${"}".repeat(40)}`
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["not json", "is not valid JSON"],
        ["[1,2,3]", "must be a JSON object, not an array"],
        [big, "must be at most 16384 bytes as JSON"],
        [deep, "nests deeper than 16 levels"],
        ['{"a\\u0000b":1}', 'at $["a\\u0000b"]: key must not contain NUL']
      ]
      for (const [cursor, problem] of cases) {
        const answer = yield* cli("set", "telegram", "refused-bot", "--cursor", cursor)
        assert.strictEqual(answer.exitCode, 2, `${problem}: ${answer.stderr}`)
        assert.include(answer.stderr, problem)
        assert.include(answer.stderr, "--cursor")
        assert.isAtMost(answer.stderr.length, 600, `${problem}: the value is not echoed`)
        assert.notInclude(answer.stderr, "xxxxxxxxxx")
      }
      assert.isEmpty(yield* stored("refused-bot"))
    }))

  it.effect("an unknown type without --channel/--provider, or a bad key: exit 2 naming the flags or the field, nothing stored", () =>
    Effect.gen(function*() {
      const neither = yield* cli("set", "crm-sync", "nokey", "--cursor", "{}")
      assert.strictEqual(neither.exitCode, 2, neither.stderr)
      assert.include(neither.stderr, "crm-sync is not a built-in connector type")
      assert.include(neither.stderr, "--channel and --provider")
      const half = yield* cli("set", "crm-sync", "nokey", "--cursor", "{}", "--channel", "api")
      assert.strictEqual(half.exitCode, 2, half.stderr)
      assert.include(half.stderr, "give its source with --provider")
      const mismatch = yield* cli("set", "telegram", "nokey", "--cursor", "{}", "--provider", "gmail")
      assert.strictEqual(mismatch.exitCode, 2, mismatch.stderr)
      assert.include(mismatch.stderr, "telegram's source is telegram/telegram")
      const pair = yield* cli("set", "crm-sync", "nokey", "--cursor", "{}", "--channel", "api", "--provider", "gmail")
      assert.strictEqual(pair.exitCode, 2, pair.stderr)
      assert.include(pair.stderr, 'provider "gmail" does not belong to channel "api"')
      const badType = yield* cli("set", "Not A Type", "nokey", "--cursor", "{}")
      assert.strictEqual(badType.exitCode, 2, badType.stderr)
      assert.include(badType.stderr, "connector type must be 1 to 64 characters")
      const longEndpoint = yield* cli("set", "sandbox", "e".repeat(300), "--cursor", "{}")
      assert.strictEqual(longEndpoint.exitCode, 2, longEndpoint.stderr)
      assert.include(longEndpoint.stderr, "at most 256 bytes")
      assert.isEmpty(yield* stored("nokey"))
      assert.isEmpty(yield* stored("e".repeat(300)))
    }))

  it.effect("show of a checkpoint that does not exist: one line on stderr, exit 1", () =>
    Effect.gen(function*() {
      const answer = yield* cli("show", "sandbox", "never-set")
      assert.strictEqual(answer.exitCode, 1, answer.stderr)
      assert.strictEqual(answer.stdout, "")
      assert.match(answer.stderr, /^switchboard: CheckpointNotFound: no hub-held checkpoint for sandbox "?never-set"?; see switchboard checkpoints list$/)
    }))
})
