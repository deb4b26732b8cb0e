import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import {
  ConfigProvider,
  Duration,
  Effect,
  Either,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Redacted,
  Ref,
  Schema,
  TestClock
} from "effect"
import { createRemoteJWKSet, jwtVerify } from "jose"
import { createHash } from "node:crypto"
import PostalMime from "postal-mime"
import * as HttpGmailApi from "../../../layers/GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../../../layers/GmailCredentials/EnvGmailCredentials.js"
import { isStaleHistory, toSourceError } from "../../../src/connectors/gmail/Errors.js"
import {
  AttachmentBody,
  GmailApi,
  type GmailError,
  HistoryList,
  Message,
  MessageList,
  Profile
} from "../../../services/GmailApi.js"
import {
  CredentialsUnavailable,
  GmailCredentials,
  type OAuthCredentials
} from "../../../services/GmailCredentials.js"
import * as FakeGmail from "../../support/FakeGmail.js"

type Api = typeof GmailApi.Service
type Fake = FakeGmail.FakeGmailServer

const credentialsOf = (fake: Fake, refreshToken = fake.oauth.initialRefreshToken): OAuthCredentials => ({
  clientId: fake.oauth.clientId,
  clientSecret: Redacted.make(fake.oauth.clientSecret),
  refreshToken: Redacted.make(refreshToken)
})

const clientLayer = (fake: Fake, credentials: Layer.Layer<GmailCredentials>) =>
  HttpGmailApi.layer({ baseUrl: fake.url, tokenUrl: fake.tokenUrl, requestTimeout: Duration.seconds(30) }).pipe(
    Layer.provide(credentials),
    Layer.provide(NodeHttpClient.layerUndici)
  )

/** Runs `f` against a fresh FakeGmail through the real HTTP client; `credentials` default to the fake's own. */
const withApi = <A, E>(
  f: (api: Api, fake: Fake) => Effect.Effect<A, E>,
  options: FakeGmail.FakeGmailOptions = {},
  credentials?: (fake: Fake) => Layer.Layer<GmailCredentials>
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeGmail.make(options)
    const layer = clientLayer(fake, credentials?.(fake) ?? EnvGmailCredentials.layer(credentialsOf(fake)))
    return yield* Effect.flatMap(GmailApi, (api) => f(api, fake)).pipe(Effect.provide(layer))
  }))

const bytesOf = (data: string) => Buffer.from(data, "base64url")
const failureOf = <A>(effect: Effect.Effect<A, GmailError>) => Effect.flip(effect)

describe("HttpGmailApi against FakeGmail", () => {
  it("decodes every corpus answer with the contract schemas", () => {
    const decodes: Array<[string, Schema.Schema.AnyNoContext]> = [
      ["getProfile_response.json", Profile],
      ["history.list_response.json", HistoryList],
      ["messages.list_response.json", MessageList],
      ["messages.attachments.get_response.json", AttachmentBody],
      ...FakeGmail.SHAPES.map((shape): [string, Schema.Schema.AnyNoContext] => [`messages.get_${shape}.json`, Message])
    ]
    for (const [file, schema] of decodes) {
      assert.isTrue(Either.isRight(Schema.decodeUnknownEither(schema)(FakeGmail.corpus(file))), file)
    }
  })

  it.live("every method decodes the fake's corpus-shaped answers", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const start = (yield* api.getProfile).historyId
        const added = FakeGmail.SHAPES.map((shape) => fake.addMessage({ shape }))
        const png = new Uint8Array(FakeGmail.TINY_PNG)
        const withAttachment = fake.addMessage({ shape: "full_mixed_alternative_plus_png_attachment", attachments: [png] })

        const profile = yield* api.getProfile
        assert.strictEqual(profile.emailAddress, "user@example.com")
        assert.strictEqual(profile.historyId, withAttachment.historyId)

        const history = yield* api.listHistory({ startHistoryId: start, historyTypes: ["messageAdded"] })
        assert.deepStrictEqual(
          history.history?.flatMap((r) => r.messagesAdded?.map((a) => a.message.id) ?? []),
          [...added, withAttachment].map((m) => m.id)
        )

        const full = yield* api.getMessage(withAttachment.id, "full")
        const template = Schema.decodeUnknownSync(Message)(
          FakeGmail.corpus("messages.get_full_mixed_alternative_plus_png_attachment.json")
        )
        assert.strictEqual(full.threadId, withAttachment.threadId)
        assert.deepStrictEqual(full.labelIds, ["UNREAD", "INBOX"])
        assert.deepStrictEqual(full.payload?.parts?.[0], template.payload?.parts?.[0])
        const messageId = full.payload?.headers?.find((h) => h.name === "Message-ID")?.value
        assert.strictEqual(messageId, withAttachment.messageId)

        const attachmentId = full.payload?.parts?.[1]?.body?.attachmentId ?? ""
        assert.deepStrictEqual(withAttachment.attachmentIds, [attachmentId])
        const attachment = yield* api.getAttachment(withAttachment.id, attachmentId)
        assert.deepStrictEqual(new Uint8Array(bytesOf(attachment.data)), png)
        assert.strictEqual(attachment.size, png.length)

        const metadata = yield* api.getMessage(withAttachment.id, "metadata")
        assert.isUndefined(metadata.payload?.parts)
        assert.strictEqual(metadata.payload?.mimeType, "multipart/mixed")

        const raw = yield* api.getMessage(withAttachment.id, "raw")
        const parsed = yield* Effect.promise(() => PostalMime.parse(bytesOf(raw.raw ?? "")))
        assert.strictEqual(parsed.messageId, withAttachment.messageId)
        assert.strictEqual(parsed.text?.trim(), "Another one with attachments")
        assert.deepStrictEqual(new Uint8Array(parsed.attachments[0]?.content as ArrayBuffer), png)

        const list = yield* api.listMessages({})
        assert.strictEqual(list.messages?.[0]?.id, withAttachment.id)
        assert.strictEqual(list.resultSizeEstimate, added.length + 1)

        const watch = yield* api.watch({ topicName: "projects/p/topics/gmail", labelIds: ["INBOX"], labelFilterBehavior: "include" })
        assert.strictEqual(watch.historyId, profile.historyId)
        assert.isAbove(Number(watch.expiration), Date.now())
        assert.deepStrictEqual(fake.watchCalls, [
          { topicName: "projects/p/topics/gmail", labelIds: ["INBOX"], labelFilterBehavior: "INCLUDE" }
        ])
        yield* api.stop
        assert.strictEqual(fake.stopCalls, 1)
      })
    ))

  it.live("following nextPageToken gives every history record and listed message exactly once", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const start = (yield* api.getProfile).historyId
        const ids: Array<string> = []
        for (let i = 0; i < 10; i++) {
          ids.push(fake.addMessage({ shape: "full_text_plain_only", internalDate: 1_700_000_000_000 + i * 60_000 }).id)
          if (i % 4 === 0) fake.mailbox.addLabels(ids[i]!, ["STARRED"]) // not a messageAdded record
        }
        const seen: Array<string> = []
        let pageToken: string | undefined
        let pages = 0
        do {
          const page: HistoryList = yield* api.listHistory({ startHistoryId: start, historyTypes: ["messageAdded"], pageToken })
          pages++
          seen.push(...(page.history ?? []).flatMap((r) => r.messagesAdded?.map((a) => a.message.id) ?? []))
          pageToken = page.nextPageToken
        } while (pageToken !== undefined)
        assert.deepStrictEqual(seen, ids)
        assert.strictEqual(pages, 4)

        // gap fill: after:<epoch s> keeps messages from that second on, newest first, across pages
        const listed: Array<string> = []
        let listToken: string | undefined
        do {
          const page: MessageList = yield* api.listMessages({ q: `after:${1_700_000_000 + 3 * 60}`, pageToken: listToken })
          listed.push(...(page.messages ?? []).map((m) => m.id))
          listToken = page.nextPageToken
        } while (listToken !== undefined)
        assert.deepStrictEqual(listed, ids.slice(3).reverse())
      }), { historyPageSize: 3, listPageSize: 2 }))

  it.live("a too-old startHistoryId answers the corpus 404, recognised by isStaleHistory", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const start = (yield* api.getProfile).historyId
        const added = fake.addMessage({ shape: "full_text_plain_only" })
        fake.expireHistoryBefore(added.historyId)
        const error = yield* failureOf(api.listHistory({ startHistoryId: start, historyTypes: ["messageAdded"] }))
        assert.isTrue(isStaleHistory(error))
        assert.deepStrictEqual(
          error._tag === "GmailApiError" ? [error.status, error.reason, error.detail] : [],
          [404, "notFound", "Requested entity was not found."]
        )
        // the same body for an unknown message is not a stale cursor
        const gone = yield* failureOf(api.getMessage("19e0000000000001", "full"))
        assert.isFalse(isStaleHistory(gone))
        assert.strictEqual((yield* api.listHistory({ startHistoryId: added.historyId, historyTypes: ["messageAdded"] })).history, undefined)
      })
    ))

  it.live("a 401 refreshes the token once and retries once; a second 401 is GmailAuthFailed", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        yield* api.getProfile
        fake.revokeAccessTokens()
        yield* api.getProfile
        assert.strictEqual(fake.count("token"), 2)
        assert.deepStrictEqual(fake.requests.filter((r) => r.endpoint === "getProfile").map((r) => r.status), [200, 401, 200])
        assert.strictEqual((yield* api.counters).oauth_refreshes, 2)

        fake.failNext("getProfile", { status: 401 }, 2)
        const error = yield* failureOf(api.getProfile)
        assert.strictEqual(error._tag, "GmailAuthFailed")
        assert.strictEqual(error._tag === "GmailAuthFailed" ? error.reason : "", "unauthorized")
        assert.strictEqual(fake.count("token"), 3)
        const source = toSourceError(error)
        assert.strictEqual(source._tag, "SourceUnauthorized")
        assert.include(source.message, "re-authorise")
      })
    ))

  it.effect("the token is refreshed before it expires, with 60 s to spare (TestClock)", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        yield* api.getProfile
        yield* TestClock.adjust(Duration.seconds(3600 - 61))
        yield* api.getProfile
        assert.strictEqual(fake.count("token"), 1)
        yield* TestClock.adjust(Duration.seconds(2))
        yield* api.getProfile
        assert.strictEqual(fake.count("token"), 2)
        assert.isTrue(fake.requests.filter((r) => r.endpoint === "getProfile").every((r) => r.status === 200))
        assert.notStrictEqual(fake.requests.at(-1)?.bearer, fake.requests[1]?.bearer)
      }), { accessTokenExpiresInS: 3600 }))

  it.live("invalid_grant is GmailAuthFailed and counted; a re-authorisation is picked up on the next refresh", () =>
    Effect.gen(function*() {
      const current = yield* Ref.make<OAuthCredentials | undefined>(undefined)
      const fromRef = Layer.succeed(GmailCredentials, {
        get: Effect.flatMap(Ref.get(current), (c) =>
          c === undefined ? Effect.fail(new CredentialsUnavailable({ message: "hub unreachable" })) : Effect.succeed(c))
      })
      yield* withApi((api, fake) =>
        Effect.gen(function*() {
          const unavailable = yield* failureOf(api.getProfile)
          assert.strictEqual(unavailable._tag, "GmailHttpError")
          assert.strictEqual(toSourceError(unavailable)._tag, "SourceTransient")

          yield* Ref.set(current, credentialsOf(fake))
          fake.oauth.revokeRefreshToken()
          const refused = yield* failureOf(api.getProfile)
          assert.deepStrictEqual(refused._tag === "GmailAuthFailed" ? refused.reason : refused._tag, "invalid_grant")
          assert.strictEqual(toSourceError(refused)._tag, "SourceUnauthorized")
          assert.deepStrictEqual(yield* api.counters, { oauth_refreshes: 0, oauth_refresh_failures: 1, rate_limited: 0 })

          yield* Ref.set(current, { ...credentialsOf(fake), clientSecret: Redacted.make("wrong-secret") })
          const badClient = yield* failureOf(api.getProfile)
          assert.strictEqual(badClient._tag === "GmailAuthFailed" ? badClient.reason : badClient._tag, "invalid_client")

          fake.oauth.addRefreshToken("1//0fresh-after-consent")
          yield* Ref.set(current, credentialsOf(fake, "1//0fresh-after-consent"))
          assert.strictEqual((yield* api.getProfile).emailAddress, "user@example.com")
          assert.deepStrictEqual(yield* api.counters, { oauth_refreshes: 1, oauth_refresh_failures: 2, rate_limited: 0 })
        }), {}, () => fromRef)
    }))

  it.live("missing development credentials are GmailAuthFailed(no_credentials) naming the variables", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const error = yield* failureOf(api.getProfile)
        assert.strictEqual(error._tag === "GmailAuthFailed" ? error.reason : error._tag, "no_credentials")
        assert.include(error.message, "GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN are not set")
        assert.strictEqual(fake.count("token"), 0)
      }), {}, () =>
      EnvGmailCredentials.layerConfig.pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["GMAIL_CLIENT_ID", "id"]])))),
        Layer.orDie
      )))

  it.effect("429 and 503 carry Retry-After (seconds or HTTP date); 403 rate limits are rate limits", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const now = Date.UTC(2026, 0, 5, 10, 0, 0)
        yield* TestClock.setTime(now)
        fake.failNext("messages.list", { status: 429, retryAfter: 17 })
        fake.failNext("messages.list", { status: 503, retryAfter: new Date(now + 90_000).toUTCString() })
        fake.failNext("messages.list", { status: 403 })
        fake.failNext("messages.list", {
          status: 403,
          body: FakeGmail.googleError(403, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED")
        })
        const tooMany = yield* failureOf(api.listMessages({}))
        const unavailable = yield* failureOf(api.listMessages({}))
        const userLimit = yield* failureOf(api.listMessages({}))
        const scopes = yield* failureOf(api.listMessages({}))
        const waits = [tooMany, unavailable].map((e) => e._tag === "GmailApiError" ? e.retryAfter : undefined)
        assert.deepStrictEqual(waits, [Duration.seconds(17), Duration.seconds(90)])
        const rated = toSourceError(tooMany)
        assert.deepStrictEqual(rated._tag === "SourceRateLimited" ? rated.retryAfter : rated._tag, Duration.seconds(17))
        assert.strictEqual(toSourceError(unavailable)._tag, "SourceTransient")
        const slowDown = toSourceError(userLimit)
        assert.deepStrictEqual(slowDown._tag === "SourceRateLimited" ? slowDown.retryAfter : slowDown._tag, Duration.seconds(30))
        assert.strictEqual(toSourceError(scopes)._tag, "SourceUnauthorized")
        assert.strictEqual((yield* api.counters).rate_limited, 2)
      })
    ))

  it.effect("5xx, transport failures and timeouts are transient", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        fake.failNext("history.list", { status: 500 })
        const serverError = yield* failureOf(api.listHistory({ startHistoryId: "1", historyTypes: ["messageAdded"] }))
        assert.deepStrictEqual(serverError._tag === "GmailApiError" ? [serverError.status, serverError.reason] : [], [500, "backendError"])
        assert.strictEqual(toSourceError(serverError)._tag, "SourceTransient")

        fake.failNext("token", { status: 503 })
        fake.revokeAccessTokens()
        const tokenDown = yield* failureOf(api.getProfile)
        assert.deepStrictEqual(tokenDown._tag === "GmailApiError" ? [tokenDown.method, tokenDown.status] : [], ["oauth.token", 503])
        assert.strictEqual(toSourceError(tokenDown)._tag, "SourceTransient")
        assert.strictEqual((yield* api.counters).oauth_refresh_failures, 0)

        fake.failNext("getProfile", { status: 200, hang: true })
        const fiber = yield* Effect.fork(api.getProfile)
        yield* Effect.promise(() => fake.whenRequested("getProfile", 2))
        yield* TestClock.adjust(Duration.seconds(30))
        const timedOut = yield* Fiber.join(fiber).pipe(Effect.flip)
        assert.deepStrictEqual(timedOut._tag === "GmailHttpError" ? timedOut.reason : timedOut._tag, "Timeout")
        assert.strictEqual(toSourceError(timedOut)._tag, "SourceTransient")
      })
    ).pipe(Effect.zipRight(Effect.gen(function*() {
      const closed = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* FakeGmail.make()
        return yield* Effect.flatMap(GmailApi, (api) => failureOf(api.getProfile)).pipe(
          Effect.provide(HttpGmailApi.layer({ baseUrl: "http://127.0.0.1:9", tokenUrl: fake.tokenUrl, requestTimeout: "5 seconds" }).pipe(
            Layer.provide(EnvGmailCredentials.layer(credentialsOf(fake))),
            Layer.provide(NodeHttpClient.layerUndici)
          ))
        )
      }))
      assert.deepStrictEqual(closed._tag === "GmailHttpError" ? closed.reason : closed._tag, "Transport")
      assert.strictEqual(toSourceError(closed)._tag, "SourceTransient")
    }))))

  it.live("an answer that does not decode is a Decode error naming paths, not values", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        fake.failNext("getProfile", { status: 200, body: { emailAddress: "secret-looking@example.com", historyId: 42 } })
        fake.failNext("getProfile", { status: 200, body: "<html>captive portal</html>" })
        const shape = yield* failureOf(api.getProfile)
        const notJson = yield* failureOf(api.getProfile)
        assert.deepStrictEqual(shape._tag === "GmailHttpError" ? shape.reason : shape._tag, "Decode")
        assert.include(shape.message, "historyId")
        assert.notInclude(shape.message, "secret-looking")
        assert.include(notJson.message, "not JSON")
        assert.strictEqual(toSourceError(shape)._tag, "SourceTransient")
      })
    ))

  it.live("ids with characters Gmail ids never have are refused before any request", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        const before = fake.requests.length
        for (const bad of ["../profile", "a/b", "id?format=raw", "", "x".repeat(3000)]) {
          const error = yield* failureOf(api.getMessage(bad, "full"))
          assert.deepStrictEqual(error._tag === "GmailHttpError" ? error.reason : error._tag, "Decode")
        }
        yield* failureOf(api.getAttachment("19e0000000000001", "ANG%2F..")).pipe(Effect.map((e) => assert.strictEqual(e._tag, "GmailHttpError")))
        assert.strictEqual(fake.requests.length, before)
      })
    ))

  it.live("concurrent callers share one refresh, on a cold start and after a revocation", () =>
    withApi((api, fake) =>
      Effect.gen(function*() {
        yield* Effect.all(Array.from({ length: 8 }, () => api.getProfile), { concurrency: "unbounded" })
        assert.strictEqual(fake.count("token"), 1)
        fake.revokeAccessTokens()
        yield* Effect.all(Array.from({ length: 8 }, () => api.getProfile), { concurrency: "unbounded" })
        assert.strictEqual(fake.count("token"), 2)
        assert.strictEqual((yield* api.counters).oauth_refreshes, 2)
      })
    ))

  it.live("no secret or access token appears in any error message or log line", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make((options) => lines.push(Logger.logfmtLogger.log(options))))
      const errors: Array<string> = []
      const keep = (e: GmailError) => errors.push(e.message, String(e), JSON.stringify(e), toSourceError(e).message)
      const secrets = yield* withApi((api, fake) =>
        Effect.gen(function*() {
          yield* api.getProfile
          const issued = fake.oauth.issuedAccessTokens[0] ?? ""
          fake.failNext("getProfile", {
            status: 403,
            body: FakeGmail.googleError(403, `token ${issued} lacks a scope`, "insufficientPermissions", "PERMISSION_DENIED")
          })
          fake.failNext("token", { status: 200, body: { access_token: "ya29.leaked-in-a-bad-answer", expires_in: "soon" } })
          fake.failNext("token", {
            status: 400,
            body: { error: "invalid_grant", error_description: `refresh token ${fake.oauth.initialRefreshToken} revoked` }
          })
          yield* failureOf(api.getProfile).pipe(Effect.map(keep))
          fake.revokeAccessTokens()
          yield* failureOf(api.getProfile).pipe(Effect.map(keep))
          yield* failureOf(api.getProfile).pipe(Effect.map(keep))
          fake.failNext("getProfile", { status: 401 }, 2)
          yield* failureOf(api.getProfile).pipe(Effect.map(keep))
          return [fake.oauth.clientSecret, fake.oauth.initialRefreshToken, "ya29.leaked-in-a-bad-answer", ...fake.oauth.issuedAccessTokens]
        })
      ).pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.All))
      assert.strictEqual(errors.length, 16)
      assert.isAbove(lines.length, 0)
      for (const secret of secrets) {
        for (const text of [...errors, ...lines]) assert.notInclude(text, secret)
      }
    }))

  it.live("the fake's OAuth side: consent link, authorization_code with PKCE, push tokens verified by its JWKS", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeGmail.make()
      const verifier = "a-long-enough-pkce-code-verifier-0123456789"
      const challenge = createHash("sha256").update(verifier).digest("base64url")
      const consent = new URL(fake.authUrl)
      for (const [k, v] of Object.entries({
        client_id: fake.oauth.clientId,
        redirect_uri: "http://127.0.0.1:1/oauth/gmail/callback",
        response_type: "code",
        scope: FakeGmail.GMAIL_READONLY_SCOPE,
        state: "st4te",
        code_challenge: challenge,
        code_challenge_method: "S256"
      })) consent.searchParams.set(k, v)
      const page = yield* Effect.promise(() => fetch(consent).then((r) => r.text()))
      const approve = new URL(/id="approve" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, "&") ?? "http://x/")
      assert.strictEqual(approve.searchParams.get("state"), "st4te")
      const exchange = (codeVerifier: string) =>
        Effect.promise(() =>
          fetch(fake.tokenUrl, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({
              grant_type: "authorization_code",
              code: approve.searchParams.get("code") ?? "",
              redirect_uri: "http://127.0.0.1:1/oauth/gmail/callback",
              client_id: fake.oauth.clientId,
              client_secret: fake.oauth.clientSecret,
              code_verifier: codeVerifier
            })
          }).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, unknown> }))
        )
      assert.deepStrictEqual(yield* exchange("wrong-verifier"), {
        status: 400,
        body: { error: "invalid_grant", error_description: "Invalid code verifier." }
      })
      const granted = yield* exchange(verifier)
      assert.strictEqual(granted.status, 200)
      assert.isTrue(fake.oauth.refreshTokens.has(String(granted.body["refresh_token"])))
      assert.strictEqual((yield* exchange(verifier)).status, 400) // a code is single use

      const jwks = createRemoteJWKSet(new URL(fake.jwksUrl))
      const verify = (jwt: string) =>
        Effect.promise(() =>
          jwtVerify(jwt, jwks, { audience: "https://hub.example/gmail/push", issuer: "https://accounts.google.com" })
            .then((r) => r.payload["email"], (e: Error) => e.name)
        )
      const claims = { audience: "https://hub.example/gmail/push", email: "push@p.iam.gserviceaccount.com" }
      assert.strictEqual(yield* verify(yield* fake.signPushToken(claims)), "push@p.iam.gserviceaccount.com")
      assert.strictEqual(yield* verify(yield* fake.signPushToken({ ...claims, unknownKey: true })), "JWSSignatureVerificationFailed")
      assert.strictEqual(yield* verify(yield* fake.signPushToken({ ...claims, expiresInS: -60 })), "JWTExpired")
    })))

  it.effect("a bad base URL fails at start naming the variable; defaults are Google's", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(HttpGmailApi.OptionsFromEnv).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["GMAIL_API_BASE_URL", "ftp://gmail.example"]])))
      )
      assert.include(String(bad), "GMAIL_API_BASE_URL must be an http:// or https:// URL")
      const defaults = yield* HttpGmailApi.OptionsFromEnv.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      assert.deepStrictEqual([defaults.baseUrl, defaults.tokenUrl], ["https://gmail.googleapis.com", "https://oauth2.googleapis.com/token"])
    }))
})
