/** `switchboard token …` as a user runs it, against the same database as a running test hub. */
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { TokenRecord } from "../../services/TokenStore.js"
import * as Cli from "../support/Cli.js"
import { sample } from "../support/Fixtures.js"
import { field, postJson } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as TestHub from "../support/TestHub.js"
import { Context } from "effect"
import * as Migrations from "../../layers/Database/Migrations.js"
import { VERIFIED_TTL_MS } from "../../layers/TokenStore/PgTokenStore.js"

class Target extends Context.Tag("test/Target")<Target, TestDatabase.Target>() {}
const TargetLive = Layer.scoped(Target, TestDatabase.freshTarget)
const Database = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapEffect(Effect.map(Target, (t) => TestDatabase.servicesFor(t)))
)
const Env = TestHub.layerWith(Database).pipe(Layer.provideMerge(TargetLive), Layer.merge(NodeContext.layer))

const Created = Schema.parseJson(Schema.extend(TokenRecord, Schema.Struct({ token: Schema.String })))

layer(Env, { excludeTestServices: true, timeout: 180_000 })("token CLI", (it) => {
  const cli = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(Target, (t) =>
      Cli.run(args, {
        DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`,
        SWITCHBOARD_LOG_LEVEL: "warn"
      }))

  it.effect("create → ingest → rotate → revoke, each visible to the running hub at once", () =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const created = yield* cli(
        "token", "create", "--channel", "sandbox", "--provider", "sandbox", "--endpoint", "cli-bot", "--expires-in", "90d", "--json"
      )
      assert.strictEqual(created.exitCode, 0, created.stderr)
      const token = Schema.decodeUnknownSync(Created)(created.stdout)
      assert.match(token.token, /^sw_live_[A-Za-z0-9_-]{43}$/)
      assert.strictEqual(token.status, "active")
      assert.notInclude(created.stderr, token.token, "the secret never reaches the logs")

      const url = `${hub.url}/api/ingest`
      assert.strictEqual((yield* postJson(url, token.token, sample("cli-1", { endpoint_identity: "cli-bot" }))).status, 202)
      assert.strictEqual((yield* postJson(url, token.token, sample("cli-2", { endpoint_identity: "other" }))).status, 403)

      const rotated = yield* cli("token", "rotate", token.id, "--grace", "1h", "--json")
      assert.strictEqual(rotated.exitCode, 0, rotated.stderr)
      const next = Schema.decodeUnknownSync(Created)(rotated.stdout)
      assert.strictEqual(next.replaces, token.id)
      assert.strictEqual((yield* postJson(url, next.token, sample("cli-3", { endpoint_identity: "cli-bot" }))).status, 202)
      assert.strictEqual((yield* postJson(url, token.token, sample("cli-4", { endpoint_identity: "cli-bot" }))).status, 202)

      const revoked = yield* cli("token", "revoke", token.id, "--reason", "leaked in a screenshot")
      assert.strictEqual(revoked.exitCode, 0, revoked.stderr)
      // A hub trusts a token it verified for VERIFIED_TTL_MS (PgTokenStore): a revocation is seen within that.
      yield* Effect.sleep(VERIFIED_TTL_MS + 100)
      const after = yield* postJson(url, token.token, sample("cli-5", { endpoint_identity: "cli-bot" }))
      assert.strictEqual(after.status, 401)
      assert.include(String(field(after.body, "message")), "revoked")

      const list = yield* cli("token", "list")
      assert.strictEqual(list.exitCode, 0)
      assert.include(list.stdout, token.id)
      assert.include(list.stdout, "revoked")
      assert.notInclude(list.stdout, token.token)
    }))

  it.effect("bad arguments and unknown ids fail with a non-zero exit and one clear line", () =>
    Effect.gen(function*() {
      const badDuration = yield* cli("token", "create", "--channel", "a", "--provider", "b", "--endpoint", "c", "--expires-in", "soon")
      assert.notStrictEqual(badDuration.exitCode, 0)
      assert.include(badDuration.stdout + badDuration.stderr, "is not a duration")
      const unknown = yield* cli("token", "revoke", "tk_000000000000", "--reason", "x")
      assert.strictEqual(unknown.exitCode, 1)
      assert.include(unknown.stderr, "no token with id tk_000000000000")
      const pair = yield* cli("token", "create", "--channel", "telegram", "--provider", "slack", "--endpoint", "bot")
      assert.strictEqual(pair.exitCode, 1)
      assert.include(pair.stderr, `--provider "slack" never carries channel "telegram" (allowed: telegram)`)
      const channel = yield* cli("token", "create", "--channel", "sms", "--provider", "*", "--endpoint", "*")
      assert.strictEqual(channel.exitCode, 1)
      assert.include(channel.stderr, `--channel "sms" is not a channel`)
      const help = yield* cli("token", "create", "--help")
      assert.strictEqual(help.exitCode, 0)
      assert.include(help.stdout, "--expires-in")
    }))
})
