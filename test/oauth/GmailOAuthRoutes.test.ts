/**
 * The hub's Gmail consent (`/oauth/gmail/start`, `/oauth/gmail/callback`) against FakeGmail's consent
 * page and token endpoint: who may start, what Google is asked, how the state is bound and used up, what
 * each failure answers — and, at the end, that no secret reached a log line or an answer.
 */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { SecretStore } from "../../services/SecretStore.js"
import * as GmailOAuth from "../../src/oauth/GmailOAuth.js"
import { ALICE, approve, cookieOf, OAuthHub, secretsOf } from "./OAuthHub.js"
import * as OAuthHubLayer from "./OAuthHub.js"

const enc = encodeURIComponent
const bodyOf = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>

/** The OAuth app of the fake, stored as `switchboard gmail credentials client` would. */
const storeClient = Effect.gen(function*() {
  const { fake } = yield* OAuthHub
  const store = yield* SecretStore
  yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_ID, Redacted.make(fake.oauth.clientId))
  yield* store.put(GmailOAuth.CLIENT_OWNER, GmailOAuth.CLIENT_SECRET, Redacted.make(fake.oauth.clientSecret))
})

const start = (endpoint: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(OAuthHub, (hub) =>
    hub.get(`${hub.url}/oauth/gmail/start?endpoint=${enc(endpoint)}`, { authorization: `Bearer ${hub.admin}`, ...headers }))

/** A started consent: the consent URL, the cookie, and the callback URL Google would redirect to. */
const begun = (endpoint = ALICE) =>
  Effect.gen(function*() {
    const hub = yield* OAuthHub
    yield* storeClient
    const started = yield* start(endpoint, { accept: "application/json" })
    assert.strictEqual(started.status, 200, started.text)
    const url = String(bodyOf(started.text)["authorization_url"])
    return { url, cookie: cookieOf(started) ?? "", callback: yield* approve(hub, url) }
  })

const stateRows = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM oauth_states`)

const storedRefreshToken = (endpoint: string) =>
  Effect.flatMap(SecretStore, (s) => s.get(endpoint, GmailOAuth.REFRESH_TOKEN)).pipe(Effect.map(Option.map(Redacted.value)))

layer(OAuthHubLayer.layer(), { excludeTestServices: true, timeout: 120_000 })("Gmail OAuth routes", (it) => {
  it.effect("start: anonymous is 401 before anything else (no state, even for a bad endpoint); non-admin 403", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const before = (yield* stateRows)[0]!.n
      for (const query of [`endpoint=${enc(ALICE)}`, "endpoint=nonsense", "", "endpoint=a&endpoint=b"]) {
        const anonymous = yield* hub.get(`${hub.url}/oauth/gmail/start?${query}`)
        assert.strictEqual(anonymous.status, 401, query)
        assert.strictEqual(bodyOf(anonymous.text)["_tag"], "Unauthorized")
        assert.strictEqual(anonymous.headers.getSetCookie().length, 0)
      }
      const wrong = yield* hub.get(`${hub.url}/oauth/gmail/start?endpoint=${enc(ALICE)}`, { authorization: "Bearer sw_test_not-a-token" })
      assert.strictEqual(wrong.status, 401)
      const ingest = yield* hub.mintToken({ role: "ingest" })
      const forbidden = yield* hub.get(`${hub.url}/oauth/gmail/start?endpoint=${enc(ALICE)}`, { authorization: `Bearer ${ingest.token}` })
      assert.strictEqual(forbidden.status, 403)
      assert.include(String(bodyOf(forbidden.text)["message"]), "admin token")
      assert.strictEqual((yield* stateRows)[0]!.n, before)
    }))

  it.effect("start: the endpoint must be gmail:user:<address>, given once and bounded (400 naming the problem)", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const auth = { authorization: `Bearer ${hub.admin}` }
      const cases: ReadonlyArray<[string, string]> = [
        ["", "is required"],
        [`endpoint=${enc("telegram:bot")}`, "gmail:user:"],
        [`endpoint=${enc("gmail:user:not-an-address")}`, "mail address"],
        [`endpoint=${enc("gmail:user:a@b\u0000.com")}`, "NUL"],
        [`endpoint=${enc(`gmail:user:${"a".repeat(300)}@example.com`)}`, "at most 256 bytes"],
        [`endpoint=${enc(ALICE)}&endpoint=${enc(ALICE)}`, "2 times"]
      ]
      for (const [query, expected] of cases) {
        const answer = yield* hub.get(`${hub.url}/oauth/gmail/start?${query}`, auth)
        assert.strictEqual(answer.status, 400, query)
        assert.include(String(bodyOf(answer.text)["message"]), expected, query)
      }
    }))

  it.effect("start without an OAuth app configured is 409 naming GMAIL_CLIENT_ID and the CLI command", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(SecretStore, (s) => s.remove(GmailOAuth.CLIENT_OWNER))
      const answer = yield* start(ALICE)
      assert.strictEqual(answer.status, 409)
      const body = bodyOf(answer.text)
      assert.strictEqual(body["_tag"], "OAuthClientMissing")
      assert.include(String(body["message"]), "GMAIL_CLIENT_ID")
      assert.include(String(body["message"]), "switchboard gmail credentials client")
    }))

  it.effect("start: 302 to Google's consent with every parameter, PKCE S256, and a bound HttpOnly cookie; the state is stored hashed", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const sql = yield* SqlClient.SqlClient
      yield* storeClient
      const answer = yield* start(ALICE)
      assert.strictEqual(answer.status, 302)
      assert.strictEqual(answer.headers.get("cache-control"), "no-store")
      const location = new URL(answer.headers.get("location") ?? "")
      assert.strictEqual(`${location.origin}${location.pathname}`, hub.fake.authUrl)
      const q = location.searchParams
      assert.strictEqual(q.get("client_id"), hub.fake.oauth.clientId)
      assert.strictEqual(q.get("redirect_uri"), `${hub.url}/oauth/gmail/callback`)
      assert.strictEqual(q.get("response_type"), "code")
      assert.strictEqual(q.get("scope"), "https://www.googleapis.com/auth/gmail.readonly")
      assert.strictEqual(q.get("access_type"), "offline")
      assert.strictEqual(q.get("prompt"), "consent")
      assert.strictEqual(q.get("code_challenge_method"), "S256")
      assert.match(q.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/)
      assert.strictEqual(q.get("login_hint"), "alice@example.com")
      const state = q.get("state") ?? ""
      assert.match(state, /^[A-Za-z0-9_-]{43}$/)

      const cookie = answer.headers.getSetCookie()[0] ?? ""
      assert.match(cookie, /^sb_gmail_oauth=[A-Za-z0-9_-]{43};/)
      for (const attribute of ["HttpOnly", "SameSite=Lax", "Path=/oauth/gmail", "Max-Age=600"]) assert.include(cookie, attribute)
      assert.notInclude(cookie, "Secure", "the default redirect URI is http on 127.0.0.1")

      const rows = yield* sql<{ dump: string; token_id: string; endpoint_identity: string; ttl: number }>`
        SELECT row_to_json(o)::text AS dump, token_id, endpoint_identity,
          extract(epoch from expires_at - created_at)::int AS ttl
        FROM oauth_states o WHERE state_sha256 = ${createHash("sha256").update(state).digest("hex")}`
      assert.lengthOf(rows, 1)
      assert.notInclude(rows[0]!.dump, state)
      assert.notInclude(rows[0]!.dump, (cookie.split(";")[0] ?? "").split("=")[1] ?? "-")
      assert.strictEqual(rows[0]!.endpoint_identity, ALICE)
      assert.match(rows[0]!.token_id, /^tk_/)
      assert.strictEqual(rows[0]!.ttl, 600)
    }))

  it.effect("start with Accept: application/json answers 200 {authorization_url} and the same cookie", () =>
    Effect.gen(function*() {
      yield* storeClient
      const answer = yield* start(ALICE, { accept: "application/json" })
      assert.strictEqual(answer.status, 200)
      const body = bodyOf(answer.text)
      assert.match(String(body["authorization_url"]), /code_challenge_method=S256/)
      assert.strictEqual(body["endpoint_identity"], ALICE)
      assert.match(cookieOf(answer) ?? "", /^sb_gmail_oauth=/)
    }))

  it.effect("callback: the good path exchanges the code with the PKCE verifier and stores the refresh token; the page names the mailbox, never a token", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const { callback, cookie } = yield* begun()
      const done = yield* hub.get(callback, { cookie })
      assert.strictEqual(done.status, 200, done.text)
      assert.include(done.headers.get("content-type") ?? "", "text/html")
      assert.include(done.text, ALICE)
      assert.strictEqual(done.headers.get("referrer-policy"), "no-referrer")
      assert.match(done.headers.getSetCookie()[0] ?? "", /^sb_gmail_oauth=;.*Max-Age=0/)
      const stored = yield* storedRefreshToken(ALICE)
      assert.isTrue(Option.isSome(stored))
      assert.isTrue(hub.fake.oauth.refreshTokens.has(Option.getOrThrow(stored)), "the fake issued it (so the verifier matched)")
      assert.notInclude(done.text, Option.getOrThrow(stored))
      const grant = hub.fake.oauth.tokenRequests.at(-1)
      assert.deepStrictEqual(grant, { grant_type: "authorization_code", client_id: hub.fake.oauth.clientId })
    }))

  it.effect("callback: the state is single use; a replay is 400 'used' and stores nothing new", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const { callback, cookie } = yield* begun()
      assert.strictEqual((yield* hub.get(callback, { cookie })).status, 200)
      const first = yield* storedRefreshToken(ALICE)
      const replay = yield* hub.get(callback, { cookie, accept: "application/json" })
      assert.strictEqual(replay.status, 400)
      assert.strictEqual(bodyOf(replay.text)["problem"], "used")
      assert.deepStrictEqual(yield* storedRefreshToken(ALICE), first)
    }))

  it.effect("callback: a missing or another consent's cookie is 403 naming which, and leaves the state usable by its own browser", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const mine = yield* begun()
      const theirs = yield* begun()
      const missing = yield* hub.get(mine.callback)
      assert.strictEqual(missing.status, 403)
      assert.strictEqual(bodyOf(missing.text)["problem"], "cookie_missing")
      const other = yield* hub.get(mine.callback, { cookie: theirs.cookie })
      assert.strictEqual(other.status, 403)
      assert.strictEqual(bodyOf(other.text)["problem"], "cookie_mismatch")
      const garbage = yield* hub.get(mine.callback, { cookie: "sb_gmail_oauth=%00%27;drop" })
      assert.strictEqual(bodyOf(garbage.text)["problem"], "cookie_mismatch")
      assert.strictEqual((yield* hub.get(mine.callback, { cookie: mine.cookie })).status, 200)
    }))

  it.effect("callback: an expired state is 400 'expired' (and is not used up)", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const sql = yield* SqlClient.SqlClient
      const { callback, cookie } = yield* begun()
      const state = new URL(callback).searchParams.get("state") ?? ""
      const hash = createHash("sha256").update(state).digest("hex")
      yield* sql`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE state_sha256 = ${hash}`
      const answer = yield* hub.get(callback, { cookie })
      assert.strictEqual(answer.status, 400)
      assert.strictEqual(bodyOf(answer.text)["problem"], "expired")
      assert.include(String(bodyOf(answer.text)["message"]), "10 minutes")
      assert.isNull((yield* sql<{ used_at: Date | null }>`SELECT used_at FROM oauth_states WHERE state_sha256 = ${hash}`)[0]!.used_at)
    }))

  it.effect("callback: unknown, missing or malformed state and code are 400 naming the parameter, never echoing it", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const cb = `${hub.url}/oauth/gmail/callback`
      const unknown = yield* hub.get(`${cb}?code=4/abc&state=${"A".repeat(43)}`, { cookie: `sb_gmail_oauth=${"B".repeat(43)}` })
      assert.strictEqual(unknown.status, 400)
      assert.strictEqual(bodyOf(unknown.text)["problem"], "unknown")
      assert.include(String(bodyOf(unknown.text)["message"]), "switchboard gmail auth")
      const cases: ReadonlyArray<[string, string]> = [
        ["code=4/abc", "\"state\" is required"],
        [`state=${"A".repeat(43)}`, "\"code\" is required"],
        ["code=4/abc&state=short-secretish", "not a state this hub issues"],
        [`code=${enc("has space")}&state=${"A".repeat(43)}`, "\"code\" holds characters"],
        [`code=${"c".repeat(3000)}&state=${"A".repeat(43)}`, "longer than 2048"]
      ]
      for (const [query, expected] of cases) {
        const answer = yield* hub.get(`${cb}?${query}`)
        assert.strictEqual(answer.status, 400, query)
        assert.include(String(bodyOf(answer.text)["message"]), expected, query)
        assert.notInclude(answer.text, "short-secretish")
      }
    }))

  it.effect("callback: Google's error (access_denied) is 400 naming it; an unrecognised error is not echoed", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const { callback } = yield* begun()
      const state = new URL(callback).searchParams.get("state") ?? ""
      const denied = yield* hub.get(`${hub.url}/oauth/gmail/callback?error=access_denied&state=${state}`)
      assert.strictEqual(denied.status, 400)
      assert.strictEqual(bodyOf(denied.text)["error"], "access_denied")
      assert.include(String(bodyOf(denied.text)["message"]), "declined")
      const odd = yield* hub.get(`${hub.url}/oauth/gmail/callback?error=${enc("<script>x</script>")}`)
      assert.strictEqual(bodyOf(odd.text)["error"], "unrecognised")
      assert.notInclude(odd.text, "<script>")
    }))

  it.effect("callback: an answer without refresh_token is 502 telling to revoke and consent again; nothing is stored", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const bob = "gmail:user:bob@example.com"
      const { callback, cookie } = yield* begun(bob)
      hub.fake.failNext("token", {
        status: 200,
        body: { access_token: "ya29.no-refresh", expires_in: 3599, scope: GmailOAuth.SCOPE, token_type: "Bearer" }
      })
      const answer = yield* hub.get(callback, { cookie })
      assert.strictEqual(answer.status, 502)
      const body = bodyOf(answer.text)
      assert.strictEqual(body["_tag"], "RefreshTokenMissing")
      assert.include(String(body["message"]), "myaccount.google.com/permissions")
      assert.include(String(body["message"]), "prompt=consent")
      assert.notInclude(answer.text, "ya29.no-refresh")
      assert.isTrue(Option.isNone(yield* storedRefreshToken(bob)))
    }))

  it.effect("callback: the token endpoint refusing the code is 502 naming Google's error; unreachable is 502 too", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const carol = "gmail:user:carol@example.com"
      const first = yield* begun(carol)
      hub.fake.failNext("token", { status: 400, body: { error: "invalid_grant", error_description: "Malformed auth code." } })
      const refused = yield* hub.get(first.callback, { cookie: first.cookie })
      assert.strictEqual(refused.status, 502)
      assert.strictEqual(bodyOf(refused.text)["error"], "invalid_grant")
      assert.include(String(bodyOf(refused.text)["message"]), "start the consent again")
      const second = yield* begun(carol)
      hub.fake.failNext("token", { status: 503, body: "<html>busy</html>" })
      const down = yield* hub.get(second.callback, { cookie: second.cookie })
      assert.strictEqual(down.status, 502)
      assert.strictEqual(bodyOf(down.text)["_tag"], "OAuthTokenEndpointFailed")
      assert.isTrue(Option.isNone(yield* storedRefreshToken(carol)))
    }))

  it.effect("callback: a consent that did not grant gmail.readonly is 400 ScopeNotGranted; nothing is stored", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const dave = "gmail:user:dave@example.com"
      const { callback, cookie } = yield* begun(dave)
      hub.fake.failNext("token", {
        status: 200,
        body: { access_token: "ya29.x", refresh_token: "1//0not-kept", expires_in: 3599, scope: "openid email", token_type: "Bearer" }
      })
      const answer = yield* hub.get(callback, { cookie })
      assert.strictEqual(answer.status, 400)
      assert.strictEqual(bodyOf(answer.text)["_tag"], "ScopeNotGranted")
      assert.notInclude(answer.text, "1//0not-kept")
      assert.isTrue(Option.isNone(yield* storedRefreshToken(dave)))
    }))

  it.effect("no secret value (client secret, codes, access or refresh tokens, the secrets key) is in any log line or answer", () =>
    Effect.gen(function*() {
      const hub = yield* OAuthHub
      const secrets = [...secretsOf(hub), "ya29.no-refresh", "1//0not-kept"]
      assert.isAbove(hub.fake.oauth.codes.size, 5)
      assert.isAbove(hub.logs.length, 10)
      assert.isTrue(hub.logs.some((l) => l.includes("mailbox authorised")), "info lines were captured too")
      for (const secret of secrets) {
        for (const line of hub.logs) assert.notInclude(line, secret)
        for (const answer of hub.seen.filter((a) => !a.includes("Fake Google wants access"))) {
          // the callback URL itself (Google's redirect, which carries the code) is in the fake's page only
          assert.notInclude(answer, secret)
        }
      }
    }))
})
