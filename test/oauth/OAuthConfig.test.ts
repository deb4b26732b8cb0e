/**
 * Configuration of the Gmail OAuth flow: which OAuth app is used (environment pair or secret store), the
 * variables and their checks, the consent URL, what `gmail auth` accepts as pasted — and a hub on
 * DATABASE_URL without SWITCHBOARD_SECRETS_KEY, which refuses to begin a consent it could not store.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import * as MemorySecretStore from "../../layers/SecretStore/MemorySecretStore.js"
import { SecretStore } from "../../services/SecretStore.js"
import * as GmailOAuth from "../../src/oauth/GmailOAuth.js"
import * as OAuthClient from "../../src/oauth/OAuthClient.js"
import * as Pasted from "../../src/oauth/Pasted.js"
import { ALICE, OAuthHub } from "./OAuthHub.js"
import * as OAuthHubLayer from "./OAuthHub.js"

const settingsFrom = (env: Record<string, string>) =>
  GmailOAuth.SettingsConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("Gmail OAuth settings", () => {
  it.effect("defaults are Google's endpoints and the hub's loopback callback", () =>
    Effect.gen(function*() {
      const s = yield* settingsFrom({})
      assert.strictEqual(s.authUrl, "https://accounts.google.com/o/oauth2/v2/auth")
      assert.strictEqual(s.tokenUrl, "https://oauth2.googleapis.com/token")
      assert.isUndefined(s.redirectUri)
      assert.strictEqual(GmailOAuth.defaultRedirectUri(s.hubPort), "http://127.0.0.1:7400/oauth/gmail/callback")
    }))

  it.effect("a URL variable that is not http(s) fails naming the variable", () =>
    Effect.gen(function*() {
      for (const name of ["GOOGLE_OAUTH_AUTH_URL", "GOOGLE_OAUTH_TOKEN_URL", "GMAIL_OAUTH_REDIRECT_URI"]) {
        const error = yield* Effect.flip(settingsFrom({ [name]: "ftp://example.com/x" }))
        assert.include(String(error), name)
      }
    }))

  it.effect("the OAuth app: the environment pair wins; an id without its secret is refused; else the store; else 'missing'", () =>
    Effect.gen(function*() {
      const store = yield* SecretStore
      const missing = yield* Effect.flip(OAuthClient.resolve(yield* settingsFrom({}), store))
      assert.strictEqual(missing._tag, "OAuthClientMissing")
      yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_ID, Redacted.make("stored-id"))
      assert.strictEqual((yield* Effect.flip(OAuthClient.resolve(yield* settingsFrom({}), store)))._tag, "OAuthClientMissing", "an id alone is not an app")
      yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_SECRET, Redacted.make("stored-secret"))
      const stored = yield* OAuthClient.resolve(yield* settingsFrom({}), store)
      assert.deepStrictEqual([stored.clientId, Redacted.value(stored.clientSecret), stored.source], ["stored-id", "stored-secret", "secret store"])
      const env = yield* OAuthClient.resolve(yield* settingsFrom({ GMAIL_CLIENT_ID: "env-id", GMAIL_CLIENT_SECRET: "env-secret" }), store)
      assert.deepStrictEqual([env.clientId, Redacted.value(env.clientSecret), env.source], ["env-id", "env-secret", "environment"])
      const half = yield* Effect.flip(OAuthClient.resolve(yield* settingsFrom({ GMAIL_CLIENT_ID: "env-id" }), store))
      assert.include(half.message, "GMAIL_CLIENT_SECRET")
    }).pipe(Effect.provide(MemorySecretStore.layer)))

  it("the consent URL carries PKCE S256 of the verifier and never the verifier itself", () => {
    const verifier = GmailOAuth.randomToken()
    const url = new URL(GmailOAuth.consentUrl("https://accounts.example/auth?hd=x", {
      clientId: "id",
      redirectUri: "http://127.0.0.1:7400/oauth/gmail/callback",
      state: GmailOAuth.randomToken(),
      verifier,
      endpoint: ALICE
    }))
    assert.strictEqual(url.searchParams.get("hd"), "x", "parameters already in GOOGLE_OAUTH_AUTH_URL are kept")
    assert.strictEqual(url.searchParams.get("code_challenge"), GmailOAuth.challengeOf(verifier))
    assert.notInclude(url.toString(), Redacted.value(verifier))
  })

  it("endpoint identities: gmail:user:<address>, bounded", () => {
    for (const good of [ALICE, "gmail:user:first.last+tag@sub.example.co.uk"]) assert.isUndefined(GmailOAuth.endpointProblem(good), good)
    for (const bad of ["alice@example.com", "gmail:user:", "gmail:user:@example.com", "gmail:user:a@localhost", "gmail:user:a b@example.com", `gmail:user:${"a".repeat(65)}@example.com`]) {
      assert.isString(GmailOAuth.endpointProblem(bad), bad)
    }
  })

  it("pasted answers: the redirect address (state checked), a bare query, or the code alone", () => {
    const state = GmailOAuth.randomToken()
    const s = Redacted.value(state)
    const code = (text: string) => Either.map(Pasted.codeOf(text, state), Redacted.value)
    assert.deepStrictEqual(code(`http://127.0.0.1:7400/oauth/gmail/callback?state=${s}&code=4%2F0abc&scope=x`), Either.right("4/0abc"))
    assert.deepStrictEqual(code(`?state=${s}&code=4/0abc`), Either.right("4/0abc"))
    assert.deepStrictEqual(code("  4/0abc  "), Either.right("4/0abc"))
    assert.deepStrictEqual(code("4%2F0abc"), Either.right("4/0abc"))
    assert.include(Either.getLeft(Pasted.codeOf(`http://x/cb?state=${"Z".repeat(43)}&code=4/0abc`, state)).pipe((o) => o._tag === "Some" ? o.value : ""), "another consent")
    assert.include(Either.getLeft(Pasted.codeOf(`http://x/cb?error=access_denied&state=${s}`, state)).pipe((o) => o._tag === "Some" ? o.value : ""), "access_denied")
    assert.isTrue(Either.isLeft(Pasted.codeOf("", state)))
    assert.isTrue(Either.isLeft(Pasted.codeOf("two words", state)))
    assert.isTrue(Either.isLeft(Pasted.codeOf("http://x/cb?state=" + s, state)))
  })
})

layer(OAuthHubLayer.layer({ key: false }), { excludeTestServices: true, timeout: 120_000 })("a hub on DATABASE_URL without SWITCHBOARD_SECRETS_KEY", (it) => {
  it.effect("starts, but a consent is refused with 409 naming SWITCHBOARD_SECRETS_KEY (before Google is asked)", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const answer = yield* hub.get(`${hub.url}/oauth/gmail/start?endpoint=${encodeURIComponent(ALICE)}`, { authorization: `Bearer ${hub.admin}` })
      // no OAuth app can be stored either, so configure none and the app check answers first
      assert.strictEqual(answer.status, 409)
      assert.strictEqual(JSON.parse(answer.text)._tag, "OAuthClientMissing")
      const store = yield* SecretStore
      const refused = yield* Effect.flip(store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_SECRET, Redacted.make("x")))
      assert.include(refused.message, "SWITCHBOARD_SECRETS_KEY")
    }))
})

layer(
  OAuthHubLayer.layer({ key: false, env: { GMAIL_CLIENT_ID: "fake-client-id.apps.googleusercontent.com", GMAIL_CLIENT_SECRET: "GOCSPX-fake-client-secret" } }),
  { excludeTestServices: true, timeout: 120_000 }
)("a hub with the OAuth app in the environment but no SWITCHBOARD_SECRETS_KEY", (it) => {
  it.effect("refuses the consent with 409 SecretsKeyMissing, sets no cookie, never redirects to Google", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const answer = yield* hub.get(`${hub.url}/oauth/gmail/start?endpoint=${encodeURIComponent(ALICE)}`, { authorization: `Bearer ${hub.admin}` })
      assert.strictEqual(answer.status, 409)
      const body = JSON.parse(answer.text) as { _tag: string; message: string }
      assert.strictEqual(body._tag, "SecretsKeyMissing")
      assert.include(body.message, "SWITCHBOARD_SECRETS_KEY")
      assert.deepStrictEqual(answer.headers.getSetCookie(), [])
      assert.strictEqual(hub.fake.oauth.authorizationRequests.length, 0)
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* sql`SELECT count(*)::int AS n FROM oauth_states`, [{ n: 0 }], "no state without its verifier")
    }))
})
