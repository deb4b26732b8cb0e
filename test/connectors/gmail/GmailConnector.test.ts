/**
 * The Gmail source against the fake Gmail + OAuth server on a real socket: cursor initialisation,
 * history pagination with the safe cursor per message, label filters, the 404 reset with its gap fill,
 * credentials refused, rate limits, and the watch renewal under TestClock.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import * as MemoryBlobStore from "../../../layers/BlobStore/MemoryBlobStore.js"
import * as HttpGmailApi from "../../../layers/GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../../../layers/GmailCredentials/EnvGmailCredentials.js"
import * as GmailConnector from "../../../src/connectors/gmail/GmailConnector.js"
import { DEFAULT_EXCLUDE, type GmailSettings } from "../../../src/connectors/gmail/Settings.js"
import * as Watch from "../../../src/connectors/gmail/Watch.js"
import { validateEnvelope } from "../../../src/ingest/Validate.js"
import type { Cursor, SourceBatch, SourceItem } from "../../../services/SourceConnector.js"
import * as FakeGmail from "../../support/FakeGmail.js"

const MAILBOX = "user@example.com"
const ENDPOINT = `gmail:user:${MAILBOX}`

const settings: GmailSettings = {
  pollInterval: Duration.seconds(60),
  labelInclude: [],
  labelExclude: DEFAULT_EXCLUDE,
  pubsub: Option.none()
}

const apiLayer = (fake: FakeGmail.FakeGmailServer, refreshToken = fake.oauth.initialRefreshToken) =>
  HttpGmailApi.layer({ baseUrl: fake.url, tokenUrl: fake.tokenUrl, requestTimeout: Duration.seconds(10) }).pipe(
    Layer.provide(EnvGmailCredentials.layer({
      clientId: fake.oauth.clientId,
      clientSecret: Redacted.make(fake.oauth.clientSecret),
      refreshToken: Redacted.make(refreshToken)
    })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const withConnector = <A, E>(
  f: (c: Effect.Effect.Success<ReturnType<typeof GmailConnector.make>>, fake: FakeGmail.FakeGmailServer) => Effect.Effect<A, E>,
  options: FakeGmail.FakeGmailOptions = {},
  overrides: Partial<GmailSettings> = {}
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeGmail.make({ historyPageSize: 40, listPageSize: 30, ...options })
    const context = yield* Layer.build(Layer.merge(apiLayer(fake), MemoryBlobStore.layer))
    const made = yield* GmailConnector.make({ endpointIdentity: ENDPOINT, mailbox: MAILBOX, settings: { ...settings, ...overrides }, concurrency: 4 })
      .pipe(Effect.provide(context))
    return yield* f(made, fake)
  }))

const events = (batch: SourceBatch) => batch.items.filter((i): i is Extract<SourceItem, { _tag: "Event" }> => i._tag === "Event")
const eventIds = (batches: ReadonlyArray<SourceBatch>) => batches.flatMap((b) => events(b).map((e) => e.envelope.event?.external_event_id))

/** Fetches from `cursor` until a batch finds nothing, like the runtime does. */
const drain = (fetch: (c: Option.Option<Cursor>) => Effect.Effect<SourceBatch, unknown>, cursor: Cursor) =>
  Effect.gen(function*() {
    const batches: Array<SourceBatch> = []
    let at = cursor
    for (let i = 0; i < 100; i++) {
      const batch = yield* fetch(Option.some(at))
      batches.push(batch)
      at = batch.next
      if (batch.items.length === 0) break
    }
    return { batches, at }
  })

describe("GmailConnector", () => {
  it.live("without a cursor it starts at the profile's history id and replays nothing", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        fake.addMessage({ shape: "full_text_plain_only" })
        const batch = yield* connector.fetch(Option.none())
        assert.strictEqual(batch.items.length, 0)
        assert.strictEqual(String(batch.next["history_id"]), String(fake.mailbox.historyId))
        assert.match(String(batch.next["last_updated_at"]), /^\d{4}-\d\d-\d\dT/)
      })
    ))

  it.live("follows every page once; each message's cursor is safe, SPAM/SENT are skipped, envelopes are valid", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        const start = (yield* connector.fetch(Option.none())).next
        const added = Array.from({ length: 230 }, (_, i) =>
          fake.addMessage({
            shape: i % 3 === 0 ? "full_multipart_alternative" : "full_text_plain_only",
            labelIds: i % 50 === 7 ? ["SPAM"] : i % 50 === 9 ? ["SENT"] : ["INBOX", "UNREAD"]
          }))
        const { at, batches } = yield* drain(connector.fetch, start)
        const wanted = added.filter((_, i) => i % 50 !== 7 && i % 50 !== 9).map((m) => m.messageId)
        assert.deepStrictEqual(eventIds(batches), wanted)
        const skips = batches.flatMap((b) => b.items.filter((i) => i._tag === "Skip"))
        assert.strictEqual(skips.length, added.length - wanted.length)
        assert.isTrue(skips.every((s) => s._tag === "Skip" && s.reason === "label_excluded"))
        assert.isAbove(batches.length, 2, "the history spans several fetches")
        assert.strictEqual(String(at["history_id"]), String(fake.mailbox.historyId))
        for (const batch of batches) {
          for (const e of events(batch)) {
            assert.isTrue(Either.isRight(validateEnvelope(e.envelope)), "every envelope passes the hub's decoder")
            assert.strictEqual(e.envelope.source.endpoint_identity, ENDPOINT)
          }
          // cursors never go backwards and never pass the batch's next
          const ids = batch.items.map((i) => BigInt(String(i.cursor["history_id"])))
          assert.deepStrictEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
        }
      })
    ))

  it.live("a history id Gmail no longer keeps: reset to the profile's, and the gap is filled from messages.list", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        const old = (yield* connector.fetch(Option.none())).next
        const gap = Array.from({ length: 70 }, (_, i) => fake.addMessage({ shape: "full_text_plain_only", internalDate: Date.now() + i * 1000 }))
        fake.expireHistoryBefore(String(fake.mailbox.historyId))
        const { at, batches } = yield* drain(connector.fetch, old)
        assert.deepStrictEqual(eventIds(batches), gap.map((m) => m.messageId), "every mail of the gap, oldest first, once")
        // until the whole gap is handled, its messages keep the expired cursor
        assert.isTrue(batches.slice(0, -2).every((b) => String(b.next["history_id"]) === String(old["history_id"])))
        assert.strictEqual(String(at["history_id"]), String(fake.mailbox.historyId))
        const c = yield* connector.counters!
        assert.strictEqual(c["gap_fills"], 1)
        assert.strictEqual(c["cursor_resets"], 1)
        assert.strictEqual(c["gap_fill_messages"], 70)
        assert.isAtLeast(fake.count("messages.list"), 3, "every page of messages.list")
      })
    ))

  it.live("a revoked access token is refreshed once and the fetch succeeds; invalid_grant stops with re-authorise", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        const start = (yield* connector.fetch(Option.none())).next
        fake.addMessage({ shape: "full_text_plain_only" })
        fake.revokeAccessTokens()
        const batch = yield* connector.fetch(Option.some(start))
        assert.strictEqual(events(batch).length, 1)
        assert.strictEqual((yield* connector.counters!)["oauth_refreshes"], 2)
        fake.oauth.revokeRefreshToken()
        fake.revokeAccessTokens()
        const refused = yield* Effect.flip(connector.fetch(Option.some(batch.next)))
        assert.strictEqual(refused._tag, "SourceUnauthorized")
        assert.include(refused.message, "re-authorise")
        assert.strictEqual((yield* connector.counters!)["oauth_refresh_failures"], 1)
      })
    ))

  it.live("a 429 with Retry-After is SourceRateLimited for exactly that long, and counted", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        const start = (yield* connector.fetch(Option.none())).next
        fake.failNext("history.list", { status: 429, retryAfter: 17 })
        const limited = yield* Effect.flip(connector.fetch(Option.some(start)))
        assert.strictEqual(limited._tag, "SourceRateLimited")
        if (limited._tag === "SourceRateLimited") assert.strictEqual(Duration.toSeconds(limited.retryAfter), 17)
        assert.strictEqual((yield* connector.counters!)["rate_limited"], 1)
      })
    ))

  it.live("a message deleted between history and get is skipped as deleted, its neighbours are not", () =>
    withConnector(({ connector }, fake) =>
      Effect.gen(function*() {
        const start = (yield* connector.fetch(Option.none())).next
        const [a, b, c] = [0, 1, 2].map(() => fake.addMessage({ shape: "full_text_plain_only" }))
        fake.failNext("messages.get", { status: 404 }, 1)
        const batch = yield* connector.fetch(Option.some(start))
        assert.deepStrictEqual(batch.items.map((i) => i._tag === "Skip" ? i.reason : "event"), ["deleted", "event", "event"])
        assert.deepStrictEqual(events(batch).map((e) => e.envelope.event?.external_event_id), [b!.messageId, c!.messageId])
        assert.isDefined(a)
      })
    ))
})

describe("Gmail watch renewal", () => {
  it.effect("watch at start, again after GMAIL_WATCH_RENEW_INTERVAL_S, and before the watch expires", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeGmail.make()
      const context = yield* Layer.build(apiLayer(fake))
      const renewals: Array<string> = []
      const fiber = yield* Effect.fork(Watch.loop({
        topic: "projects/switchboard-test/topics/gmail",
        labelIds: [],
        renewInterval: Duration.hours(6),
        count: (name) => Effect.sync(() => void renewals.push(name))
      }).pipe(Effect.provide(context)))
      yield* Effect.promise(() => fake.whenRequested("watch", 1))
      yield* Effect.yieldNow()
      yield* TestClock.adjust(Duration.hours(5))
      assert.strictEqual(fake.count("watch"), 1, "not before the renewal interval")
      yield* TestClock.adjust(Duration.hours(1))
      yield* Effect.promise(() => fake.whenRequested("watch", 2))
      assert.deepStrictEqual(Watch.nextRenewal(Duration.days(1), 7_200_000, 0), Duration.hours(1), "an expiry sooner than the interval wins")
      assert.deepStrictEqual(Watch.nextRenewal(Duration.days(1), 0, 0), Watch.MIN_RENEWAL)
      yield* Fiber.interrupt(fiber)
      assert.isAtLeast(renewals.filter((r) => r === "watch_renewals").length, 1)
      assert.deepStrictEqual(fake.watchCalls[0]?.topicName, "projects/switchboard-test/topics/gmail")
    })))
})
