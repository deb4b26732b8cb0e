/**
 * `ConnectorCredentials` over the hub's `/rpc`, through HubGmailCredentials as a connector process uses
 * it: only an ingest/admin token scoped to email/gmail/<exactly this mailbox> gets the secrets, Redacted;
 * StoreGmailCredentials reads the same secrets in the hub's own process.
 */
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Redacted } from "effect"
import * as HubGmailCredentials from "../../layers/GmailCredentials/HubGmailCredentials.js"
import * as StoreGmailCredentials from "../../layers/GmailCredentials/StoreGmailCredentials.js"
import { GmailCredentials } from "../../services/GmailCredentials.js"
import { SecretStore } from "../../services/SecretStore.js"
import * as GmailOAuth from "../../src/oauth/GmailOAuth.js"
import { ALICE, OAuthHub, secretsOf } from "./OAuthHub.js"
import * as OAuthHubLayer from "./OAuthHub.js"

const BOB = "gmail:user:bob@example.com"
const REFRESH = "1//0alice-refresh-token-over-rpc"

const seed = Effect.gen(function*() {
  const { fake } = yield* OAuthHub
  const store = yield* SecretStore
  yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_ID, Redacted.make(fake.oauth.clientId))
  yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_SECRET, Redacted.make(fake.oauth.clientSecret))
  yield* store.put(ALICE, GmailOAuth.REFRESH_TOKEN, Redacted.make(REFRESH))
})

/** GmailCredentials.get as a connector for `endpoint` with `token` sees it. */
const getAs = (token: string, endpoint: string) =>
  Effect.flatMap(OAuthHub, (hub) =>
    Effect.flatMap(GmailCredentials, (c) => c.get).pipe(
      Effect.provide(HubGmailCredentials.layer({ url: hub.url, token: Redacted.make(token), endpoint, requestTimeout: Duration.seconds(20) }))
    ))

const scoped = (endpoint: string, extra: Record<string, string> = {}) =>
  Effect.flatMap(OAuthHub, (hub) => hub.mintToken({ channel: "email", provider: "gmail", endpoint_identity: endpoint, ...extra }))

layer(OAuthHubLayer.layer(), { excludeTestServices: true, timeout: 120_000 })("ConnectorCredentials RPC", (it) => {
  it.effect("a token scoped to email/gmail/<this mailbox> gets the app and the refresh token, Redacted", () =>
    Effect.gen(function*() {
      const { fake } = yield* OAuthHub
      yield* seed
      const { token } = yield* scoped(ALICE)
      const credentials = yield* getAs(token, ALICE)
      assert.strictEqual(credentials.clientId, fake.oauth.clientId)
      assert.strictEqual(Redacted.value(credentials.clientSecret), fake.oauth.clientSecret)
      assert.strictEqual(Redacted.value(credentials.refreshToken), REFRESH)
      const printed = `${String(credentials.refreshToken)} ${JSON.stringify(credentials)}`
      assert.notInclude(printed, REFRESH)
      assert.notInclude(printed, fake.oauth.clientSecret)
      // an admin token scoped to exactly this mailbox too; wildcards on channel/provider are fine
      const admin = yield* scoped(ALICE, { role: "admin", channel: "*", provider: "*" })
      assert.strictEqual(Redacted.value((yield* getAs(admin.token, ALICE)).refreshToken), REFRESH)
    }))

  it.effect("a token for another mailbox, another channel, a wildcard mailbox or the read role is refused", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      yield* seed
      const cases: ReadonlyArray<[string, Record<string, string>, string]> = [
        ["another mailbox", { endpoint_identity: BOB }, "does not cover email/gmail/gmail:user:alice@example.com"],
        ["another channel", { channel: "telegram", provider: "telegram", endpoint_identity: ALICE }, "does not cover"],
        ["another provider", { channel: "email", provider: "imap", endpoint_identity: ALICE }, "does not cover"],
        ["a wildcard mailbox", { endpoint_identity: "*" }, "exactly this mailbox"],
        ["the read role", { role: "read" }, "role ingest or admin"]
      ]
      for (const [what, scope, expected] of cases) {
        const { token } = yield* hub.mintToken({ channel: "email", provider: "gmail", endpoint_identity: ALICE, ...scope })
        const error = yield* Effect.flip(getAs(token, ALICE))
        assert.strictEqual(error._tag, "CredentialsMissing", what)
        assert.include(error.message, expected, what)
        assert.include(error.message, "the hub refused", what)
        assert.notInclude(error.message, REFRESH)
      }
      // the admin token of the hub has scope * and is refused too
      assert.include((yield* Effect.flip(getAs(hub.admin, ALICE))).message, "exactly this mailbox")
    }))

  it.effect("anonymous and unknown tokens are refused before any call runs (401)", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      yield* seed
      const body = `${JSON.stringify({ _tag: "Request", id: "1", tag: "ConnectorCredentials", payload: { provider: "gmail", endpoint_identity: ALICE }, headers: [] })}\n`
      const anonymous = yield* Effect.promise(() =>
        fetch(`${hub.url}/rpc`, { method: "POST", headers: { "content-type": "application/ndjson" }, body }).then(async (r) => ({ status: r.status, text: await r.text() })))
      assert.strictEqual(anonymous.status, 401)
      assert.notInclude(anonymous.text, REFRESH)
      const unknown = yield* Effect.flip(getAs("sw_test_unknown-token-value-000000000000000000", ALICE))
      assert.strictEqual(unknown._tag, "CredentialsMissing")
      assert.include(unknown.message, "SWITCHBOARD_API_TOKEN")
    }))

  it.effect("a mailbox without a stored refresh token is CredentialsMissing naming how to authorise it", () =>
    Effect.gen(function*() {
      yield* seed
      const { token } = yield* scoped(BOB)
      const error = yield* Effect.flip(getAs(token, BOB))
      assert.strictEqual(error._tag, "CredentialsMissing")
      assert.include(error.message, "/oauth/gmail/start")
      assert.strictEqual(error._tag === "CredentialsMissing" ? error.endpoint : "", BOB)
    }))

  it.effect("a malformed endpoint is refused by the hub, never looked up", () =>
    Effect.gen(function*() {
      const { token } = yield* scoped("gmail:user:x")
      const error = yield* Effect.flip(getAs(token, "gmail:user:x"))
      assert.strictEqual(error._tag, "CredentialsMissing")
      assert.include(error.message, "mail address")
    }))

  it.effect("a hub that cannot be reached is CredentialsUnavailable (retry later), not Missing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(GmailCredentials, (c) => c.get).pipe(
        Effect.provide(HubGmailCredentials.layer({ url: "http://127.0.0.1:9", token: Redacted.make("sw_test_x"), endpoint: ALICE, requestTimeout: Duration.seconds(10) }))
      ))
      assert.strictEqual(error._tag, "CredentialsUnavailable")
    }))

  it.effect("StoreGmailCredentials (a connector hosted by the hub) reads the same secrets from the store, again on every get", () =>
    Effect.gen(function*() {
      yield* seed
      const credentials = yield* StoreGmailCredentials.make(ALICE).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      assert.strictEqual(Redacted.value((yield* credentials.get).refreshToken), REFRESH)
      yield* Effect.flatMap(SecretStore, (s) => s.put(ALICE, GmailOAuth.REFRESH_TOKEN, Redacted.make("1//0re-authorised")))
      assert.strictEqual(Redacted.value((yield* credentials.get).refreshToken), "1//0re-authorised")
      yield* Effect.flatMap(SecretStore, (s) => s.remove(ALICE))
      assert.strictEqual((yield* Effect.flip(credentials.get))._tag, "CredentialsMissing")
      yield* seed
    }))

  it.effect("no secret value is in any hub log line; only the credentials answer itself carries them", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      assert.isTrue(hub.logs.some((l) => l.includes("gmail credentials handed to a connector")))
      for (const secret of [...secretsOf(hub), REFRESH, "1//0re-authorised"]) {
        for (const line of hub.logs) assert.notInclude(line, secret)
      }
    }))
})
