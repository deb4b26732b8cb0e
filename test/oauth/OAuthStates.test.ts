/** Pending consents on a real database under the TestClock: ten minutes to come back, once, from the same browser. */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, TestClock, TestContext } from "effect"
import * as MemorySecretStore from "../../layers/SecretStore/MemorySecretStore.js"
import { SecretStore } from "../../services/SecretStore.js"
import { sha256 } from "../../src/oauth/GmailOAuth.js"
import * as OAuthStates from "../../src/oauth/OAuthStates.js"
import * as TestDatabase from "../support/TestDatabase.js"

const Env = Layer.merge(TestDatabase.layer, MemorySecretStore.layer)

const begin = OAuthStates.begin({ tokenId: "tk_test", endpoint: "gmail:user:alice@example.com", redirectUri: "http://127.0.0.1:1/cb" })
const completeWith = (b: OAuthStates.Begun) => OAuthStates.complete({ state: b.state, browserNonce: Option.some(b.browserNonce) })
const problemOf = <A, R>(effect: Effect.Effect<A, OAuthStates.StateRefused | { readonly _tag: string }, R>) =>
  Effect.map(Effect.flip(effect), (e) => ("problem" in e ? e.problem : e._tag))

/** Runs under a TestClock set to a fixed, realistic time (rows carry real timestamps). */
const atTestTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.zipRight(TestClock.setTime(Date.parse("2026-03-01T10:00:00Z")), effect).pipe(Effect.provide(TestContext.TestContext))

layer(Env, { excludeTestServices: true, timeout: 120_000 })("OAuthStates", (it) => {
  it.effect("a state completes within ten minutes and answers its mailbox, token and verifier", () =>
    atTestTime(Effect.gen(function*() {
      const b = yield* begin
      yield* TestClock.adjust(Duration.minutes(9))
      const done = yield* completeWith(b)
      assert.strictEqual(done.endpoint, "gmail:user:alice@example.com")
      assert.strictEqual(done.tokenId, "tk_test")
      assert.strictEqual(done.redirectUri, "http://127.0.0.1:1/cb")
      assert.strictEqual(Redacted.value(done.verifier), Redacted.value(b.verifier))
    })))

  it.effect("after ten minutes it is expired, and stays refused", () =>
    atTestTime(Effect.gen(function*() {
      const b = yield* begin
      yield* TestClock.adjust(Duration.sum(Duration.minutes(10), Duration.millis(1)))
      assert.strictEqual(yield* problemOf(completeWith(b)), "expired")
      assert.strictEqual(yield* problemOf(completeWith(b)), "expired")
    })))

  it.effect("checks run in order: unknown, then used, then expired, then the browser nonce", () =>
    atTestTime(Effect.gen(function*() {
      const b = yield* begin
      assert.strictEqual(yield* problemOf(OAuthStates.complete({ state: Redacted.make("x".repeat(43)), browserNonce: Option.some(b.browserNonce) })), "unknown")
      assert.strictEqual(yield* problemOf(OAuthStates.complete({ state: b.state, browserNonce: Option.none() })), "cookie_missing")
      assert.strictEqual(yield* problemOf(OAuthStates.complete({ state: b.state, browserNonce: Option.some(Redacted.make("y".repeat(43))) })), "cookie_mismatch")
      yield* completeWith(b)
      assert.isTrue(Option.isNone(yield* Effect.flatMap(SecretStore, (st) => st.get(`oauth:state:${sha256(b.state)}`, "code_verifier"))), "the verifier is gone once used")
      assert.strictEqual(yield* problemOf(completeWith(b)), "used")
      yield* TestClock.adjust(Duration.hours(1))
      assert.strictEqual(yield* problemOf(completeWith(b)), "used", "a used state stays 'used' after it expires")
    })))

  it.effect("concurrent completions of one state: exactly one succeeds", () =>
    atTestTime(Effect.gen(function*() {
      const b = yield* begin
      const results = yield* Effect.all(Array.from({ length: 6 }, () => Effect.either(completeWith(b))), { concurrency: "unbounded" })
      assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1)
    })))

  it.effect("states are pruned a day after they expire, verifiers included", () =>
    atTestTime(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* SecretStore
      const old = yield* begin
      const verifierOwner = `oauth:state:${sha256(old.state)}`
      assert.isTrue(Option.isSome(yield* store.get(verifierOwner, "code_verifier")))
      yield* TestClock.adjust(Duration.sum(Duration.days(1), Duration.minutes(11)))
      yield* begin
      assert.strictEqual(yield* problemOf(completeWith(old)), "unknown")
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM oauth_states WHERE expires_at < ${new Date(Date.parse("2026-03-01T10:00:00Z") + 11 * 60_000)}`
      assert.strictEqual(rows[0]!.n, 0)
      assert.isTrue(Option.isNone(yield* store.get(verifierOwner, "code_verifier")))
    })))
})
