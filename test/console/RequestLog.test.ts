import { assert, describe, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Either, FastCheck as fc, Fiber, Layer, Option } from "effect"
import * as PgRequestLog from "../../layers/RequestLog/PgRequestLog.js"
import * as Dedupe from "../../src/console/Dedupe.js"
import { MAX_ATTEMPTS_SHOWN, PREVIEW_CHARS, type RequestDetail } from "../../src/domain/Console.js"
import type { IngestEnvelopeV1 } from "../../src/domain/Envelope.js"
import { dedupeKey } from "../../src/ingest/DedupeKey.js"
import { DatabaseLocation } from "../../services/Database.js"
import { type RequestCursor, type RequestFilter, RequestLog } from "../../services/RequestLog.js"
import * as TestDatabase from "../support/TestDatabase.js"

const TestLayer = PgRequestLog.layer.pipe(Layer.provideMerge(TestDatabase.layer))

const BASE = Date.parse("2026-11-20T10:00:00.000Z")

interface Row {
  readonly request_id: string
  readonly received_at: Date
  readonly channel?: string
  readonly provider?: string
  readonly endpoint?: string
  readonly sender?: string
  readonly text?: string
  readonly lifecycle?: string
  readonly dedupe_key?: string
  readonly outcomes?: ReadonlyArray<unknown>
  readonly external_event_id?: string | null
}

const uuid = () => globalThis.crypto.randomUUID()

/** A fresh namespace per test (rows of other tests never match its channel filter). */
let namespaces = 0
const namespace = (what: string) => `${what}-${++namespaces}-${Math.random().toString(36).slice(2, 8)}`

const insert = (rows: ReadonlyArray<Row>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    rows.length === 0 ? Effect.void : sql`INSERT INTO message_inbox ${
      sql.insert(rows.map((r) => ({
        request_id: r.request_id,
        dedupe_key: r.dedupe_key ?? `event:test:${r.request_id}`,
        source_channel: r.channel ?? "sandbox",
        source_provider: r.provider ?? "sandbox",
        source_endpoint_identity: r.endpoint ?? "ep-1",
        external_event_id: r.external_event_id === undefined ? r.request_id : r.external_event_id,
        external_thread_id: null,
        sender_identity: r.sender ?? "someone",
        observed_at: new Date(r.received_at.getTime() - 1000),
        normalized_text: r.text ?? "hello",
        raw: JSON.stringify({ id: r.request_id }),
        received_at: r.received_at,
        lifecycle_state: r.lifecycle ?? "accepted",
        dispatch_outcomes: JSON.stringify(r.outcomes ?? [])
      })))
    }`.pipe(Effect.asVoid)).pipe(Effect.orDie)

/** Newest first: received_at descending, then request_id descending (lower-case hex compares as the uuid bytes do). */
const newestFirst = (a: { received_at: Date; request_id: string }, b: { received_at: Date; request_id: string }) =>
  b.received_at.getTime() - a.received_at.getTime() || (a.request_id < b.request_id ? 1 : a.request_id > b.request_id ? -1 : 0)

const idsOf = (filter: RequestFilter, limit = 200) =>
  Effect.flatMap(RequestLog, (log) => log.list({ filter, after: undefined, limit })).pipe(
    Effect.map((page) => page.items.map((i) => i.request_id))
  )

/** Every page of `filter`, following the cursor, calling `between` after each page. */
const allPages = <R = never>(
  filter: RequestFilter,
  limit: number,
  between: (page: number) => Effect.Effect<void, never, R> = () => Effect.void
) =>
  Effect.gen(function*() {
    const log = yield* RequestLog
    const seen: Array<string> = []
    let after: RequestCursor | undefined
    for (let page = 0; page < 1000; page++) {
      const result = yield* log.list({ filter, after, limit })
      assert.isAtMost(result.items.length, limit)
      seen.push(...result.items.map((i) => i.request_id))
      if (result.next === undefined) return seen
      assert.strictEqual(result.items.length, limit)
      after = result.next
      yield* between(page)
    }
    return assert.fail("more than 1000 pages")
  })

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("PgRequestLog", (it) => {
  it.effect("pages newest first, ties on received_at broken by request_id, every row exactly once", () =>
    Effect.gen(function*() {
      const channel = namespace("order")
      const rows = Array.from({ length: 31 }, (_, i) => ({ request_id: uuid(), received_at: new Date(BASE + (i % 4) * 1000), channel }))
      yield* insert(rows)
      const expected = [...rows].sort(newestFirst).map((r) => r.request_id)
      for (const limit of [1, 4, 7, 31, 50]) {
        assert.deepStrictEqual(yield* allPages({ channel }, limit), expected, `limit ${limit}`)
      }
    }))

  it.effect.prop(
    "keyset paging sees every row once while requests keep arriving between pages",
    [
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.array(fc.integer({ min: -1, max: 7 }), { maxLength: 3 }), { maxLength: 8 })
    ],
    ([initial, limit, arrivals]) =>
      Effect.gen(function*() {
        const channel = namespace("prop")
        const row = (offset: number) => ({ request_id: uuid(), received_at: new Date(BASE + offset * 1000), channel })
        const rows = initial.map(row)
        const arriving = arrivals.map((offsets) => offsets.map(row))
        yield* insert(rows)
        // The model: a page after the cursor holds the rows in the table then that sort after it; new
        // requests land anywhere in time (before, among or after the rows seen so far).
        const table = [...rows]
        const expected: Array<string> = []
        let cursor: Row | undefined
        for (let k = 0; ; k++) {
          const after = table.filter((r) => cursor === undefined || newestFirst(cursor, r) < 0).sort(newestFirst)
          const page = after.slice(0, limit)
          expected.push(...page.map((r) => r.request_id))
          if (after.length <= limit) break
          cursor = page.at(-1)
          table.push(...(arriving[k] ?? []))
        }
        const seen = yield* allPages({ channel }, limit, (k) => insert(arriving[k] ?? []))
        assert.deepStrictEqual(seen, expected)
        assert.strictEqual(new Set(seen).size, seen.length, "no row twice")
        for (const r of rows) assert.include(seen, r.request_id, "no row that was there from the start is missed")
      }),
    { fastCheck: { numRuns: 30 } }
  )

  it.effect("filters by channel, provider, endpoint, sender, lifecycle, since (inclusive) and until (exclusive)", () =>
    Effect.gen(function*() {
      const channel = namespace("filter")
      const at = (s: number) => new Date(BASE + s * 1000)
      const a = { request_id: uuid(), received_at: at(1), channel, provider: "p1", endpoint: "e1", sender: "s1", lifecycle: "delivered" }
      const b = { request_id: uuid(), received_at: at(2), channel, provider: "p1", endpoint: "e2", sender: "s2", lifecycle: "routed" }
      const c = { request_id: uuid(), received_at: at(3), channel, provider: "p2", endpoint: "e1", sender: "s1", lifecycle: "dead_lettered" }
      const d = { request_id: uuid(), received_at: at(4), channel, provider: "p2", endpoint: "e3", sender: "S1", lifecycle: "delivered" }
      yield* insert([a, b, c, d])
      const ids = (...rs: ReadonlyArray<{ request_id: string }>) => rs.map((r) => r.request_id)
      assert.deepStrictEqual(yield* idsOf({ channel }), ids(d, c, b, a))
      assert.deepStrictEqual(yield* idsOf({ channel: `${channel}x` }), [])
      assert.deepStrictEqual(yield* idsOf({ channel, provider: "p1" }), ids(b, a))
      assert.deepStrictEqual(yield* idsOf({ channel, endpoint: "e1" }), ids(c, a))
      assert.deepStrictEqual(yield* idsOf({ channel, provider: "p2", endpoint: "e1" }), ids(c))
      assert.deepStrictEqual(yield* idsOf({ channel, sender: "s1" }), ids(c, a), "sender matches exactly, case included")
      assert.deepStrictEqual(yield* idsOf({ channel, lifecycle: "delivered" }), ids(d, a))
      assert.deepStrictEqual(yield* idsOf({ channel, lifecycle: "partially_failed" }), [])
      assert.deepStrictEqual(yield* idsOf({ channel, since: at(2) }), ids(d, c, b))
      assert.deepStrictEqual(yield* idsOf({ channel, until: at(3) }), ids(b, a))
      assert.deepStrictEqual(yield* idsOf({ channel, since: at(2), until: at(4), sender: "s1" }), ids(c))
      assert.deepStrictEqual(yield* idsOf({ sender: "s2", channel, lifecycle: "routed", provider: "p1", endpoint: "e2" }), ids(b))
    }))

  it.effect("a channel and endpoint without a provider page over each of the channel's providers, merged in order", () =>
    Effect.gen(function*() {
      const endpoint = namespace("box")
      const rows = Array.from({ length: 23 }, (_, i) => ({
        request_id: uuid(),
        received_at: new Date(BASE + (i % 5) * 1000),
        channel: "email",
        provider: i % 3 === 0 ? "imap" : "gmail",
        endpoint,
        text: i % 2 === 0 ? "even invoice" : "odd note"
      }))
      const elsewhere = { request_id: uuid(), received_at: new Date(BASE), channel: "telegram", provider: "telegram", endpoint }
      yield* insert([...rows, elsewhere])
      const expected = [...rows].sort(newestFirst).map((r) => r.request_id)
      for (const limit of [1, 3, 8, 50]) {
        assert.deepStrictEqual(yield* allPages({ channel: "email", endpoint }, limit), expected, `limit ${limit}`)
      }
      const invoices = [...rows].filter((r) => r.text === "even invoice").sort(newestFirst).map((r) => r.request_id)
      assert.deepStrictEqual(yield* allPages({ channel: "email", endpoint, q: "INVOICE" }, 4), invoices)
      assert.deepStrictEqual(yield* idsOf({ channel: "telegram", endpoint }), [elsewhere.request_id])
      assert.deepStrictEqual(yield* idsOf({ channel: "email", provider: "imap", endpoint }),
        [...rows].filter((r) => r.provider === "imap").sort(newestFirst).map((r) => r.request_id))
      assert.deepStrictEqual(
        yield* Effect.flatMap(RequestLog, (log) => log.count({ channel: "email", endpoint }, 100)),
        { count: rows.length, exact: true }
      )
    }))

  it.effect("q is a case-insensitive substring in which %, _, \\ and quotes are literal", () =>
    Effect.gen(function*() {
      const channel = namespace("q")
      const texts = {
        percent: "Get 50% off today",
        fifty: "Get 500 off today",
        underscore: "call set_limit now",
        dash: "call set-limit now",
        backslash: "path C:\\Users\\ana",
        noBackslash: "path C:Users ana",
        quotes: `she said "it's fine"`,
        mixed: "Invoice INV-2026 from ACME",
        unicode: "Grüße aus München 🎉"
      }
      const rows = Object.entries(texts).map(([name, text], i) => ({
        request_id: uuid(), received_at: new Date(BASE + i * 1000), channel, text, name
      }))
      yield* insert(rows)
      const named = (q: string) =>
        Effect.map(idsOf({ channel, q }), (ids) => ids.map((id) => rows.find((r) => r.request_id === id)!.name).sort())
      assert.deepStrictEqual(yield* named("50%"), ["percent"])
      assert.deepStrictEqual(yield* named("0% o"), ["percent"])
      assert.deepStrictEqual(yield* named("t_l"), ["underscore"])
      assert.deepStrictEqual(yield* named("set_"), ["underscore"])
      assert.deepStrictEqual(yield* named("C:\\U"), ["backslash"])
      assert.deepStrictEqual(yield* named("\\ana"), ["backslash"])
      assert.deepStrictEqual(yield* named(`"it's`), ["quotes"])
      assert.deepStrictEqual(yield* named(`it's fine"`), ["quotes"])
      assert.deepStrictEqual(yield* named("invoice inv-2026"), ["mixed"])
      assert.deepStrictEqual(yield* named("acme"), ["mixed"])
      assert.deepStrictEqual(yield* named("ße aus Mü"), ["unicode"])
      assert.deepStrictEqual(yield* named("🎉"), ["unicode"])
      assert.deepStrictEqual(yield* named("off today"), ["fifty", "percent"])
      assert.deepStrictEqual(yield* named("%%%"), [])
      assert.deepStrictEqual(yield* named("___"), [])
    }))

  it.effect("hostile filter values are data: long, quoted, SQL-like, NUL and lone surrogates never break a query", () =>
    Effect.gen(function*() {
      const channel = namespace("hostile")
      const sqlish = "'; DROP TABLE message_inbox; --"
      const long = "x".repeat(20_000)
      const row = { request_id: uuid(), received_at: new Date(BASE), channel, sender: sqlish, endpoint: long, text: `note ${sqlish}` }
      yield* insert([row])
      assert.deepStrictEqual(yield* idsOf({ channel, sender: sqlish }), [row.request_id])
      assert.deepStrictEqual(yield* idsOf({ channel, endpoint: long }), [row.request_id])
      assert.deepStrictEqual(yield* idsOf({ channel, q: "DROP TABLE message_inbox; --" }), [row.request_id])
      for (
        const value of [
          "y".repeat(20_000), "\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "$1", "::uuid", "\\", "%", "_", `"`, "'", "\n\r\t", "🎉".repeat(50)
        ]
      ) {
        for (const filter of [{ channel: value }, { provider: value }, { endpoint: value }, { sender: value }]) {
          assert.deepStrictEqual(yield* idsOf(filter), [], JSON.stringify(filter).slice(0, 80))
        }
        // q is a literal substring: it finds the row exactly when its text contains the value.
        const found = row.text.includes(value) ? [row.request_id] : []
        assert.deepStrictEqual(yield* idsOf({ channel, q: value }), found, JSON.stringify(value).slice(0, 80))
        const log = yield* RequestLog
        assert.deepStrictEqual(yield* log.count({ channel, q: value }, 10), { count: found.length, exact: true })
        assert.isTrue(Option.isNone(yield* log.getByKey(value)))
        assert.isTrue(Option.isNone(yield* log.get(value)))
      }
      const log = yield* RequestLog
      for (const id of ["", "not-a-uuid", `${row.request_id}'`, ` ${row.request_id}`, "{" + row.request_id + "}", sqlish]) {
        assert.isTrue(Option.isNone(yield* log.get(id)), id)
      }
      assert.isTrue(Option.isSome(yield* log.get(row.request_id.toUpperCase())))
      // The table is still there.
      assert.deepStrictEqual(yield* idsOf({ channel }), [row.request_id])
    }))

  it.effect("count stops at the cap and says whether it is exact", () =>
    Effect.gen(function*() {
      const channel = namespace("count")
      yield* insert(Array.from({ length: 12 }, (_, i) => ({ request_id: uuid(), received_at: new Date(BASE + i), channel })))
      const log = yield* RequestLog
      assert.deepStrictEqual(yield* log.count({ channel }, 5), { count: 5, exact: false })
      assert.deepStrictEqual(yield* log.count({ channel }, 11), { count: 11, exact: false })
      assert.deepStrictEqual(yield* log.count({ channel }, 12), { count: 12, exact: true })
      assert.deepStrictEqual(yield* log.count({ channel }, 1000), { count: 12, exact: true })
      assert.deepStrictEqual(yield* log.count({ channel }, 0), { count: 0, exact: false })
      assert.deepStrictEqual(yield* log.count({ channel, since: new Date(BASE + 10) }, 100), { count: 2, exact: true })
      assert.deepStrictEqual(yield* log.count({ channel: `${channel}-none` }, 0), { count: 0, exact: true })
    }))

  it.effect("a list row carries its outcomes and the first PREVIEW_CHARS characters of its text", () =>
    Effect.gen(function*() {
      const channel = namespace("preview")
      const long = "é".repeat(64 * 1024 / 2)
      const exact = "a".repeat(PREVIEW_CHARS)
      const outcomes = [
        { target: "a", status: "delivered", attempts: 1, last_error: null, delivered_at: "2026-11-20T10:00:02.5+00:00" },
        { target: "b", status: "dead_lettered", attempts: 8, last_error: "HTTP 503", delivered_at: null },
        { target: "c", status: "bogus" }
      ]
      const rows = [
        { request_id: uuid(), received_at: new Date(BASE + 2), channel, text: long, outcomes, lifecycle: "partially_failed" },
        { request_id: uuid(), received_at: new Date(BASE + 1), channel, text: exact },
        { request_id: uuid(), received_at: new Date(BASE), channel, text: "" }
      ]
      yield* insert(rows)
      const page = yield* Effect.flatMap(RequestLog, (log) => log.list({ filter: { channel }, after: undefined, limit: 10 }))
      const [first, second, third] = page.items
      assert.strictEqual(first?.text_preview, "é".repeat(PREVIEW_CHARS))
      assert.isTrue(first?.text_truncated)
      assert.strictEqual(first?.lifecycle_state, "partially_failed")
      assert.deepStrictEqual(first?.outcomes, [
        { target: "a", status: "delivered", attempts: 1, last_error: null, delivered_at: "2026-11-20T10:00:02.500Z" },
        { target: "b", status: "dead_lettered", attempts: 8, last_error: "HTTP 503", delivered_at: null }
      ])
      assert.strictEqual(first?.received_at, new Date(BASE + 2).toISOString())
      assert.strictEqual(first?.observed_at, new Date(BASE + 2 - 1000).toISOString())
      assert.deepStrictEqual(first?.source, { channel, provider: "sandbox", endpoint_identity: "ep-1" })
      assert.strictEqual(second?.text_preview, exact)
      assert.isFalse(second?.text_truncated)
      assert.strictEqual(third?.text_preview, "")
      assert.isFalse(third?.text_truncated)
      assert.isUndefined(page.next)
      const detail = yield* Effect.flatMap(RequestLog, (log) => log.get(rows[0]!.request_id))
      assert.strictEqual(Option.getOrThrow(detail).normalized_text, long)
    }))

  it.effect("get and getByKey show every delivery with its attempts, paused targets and parked rows", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const log = yield* RequestLog
      const id = uuid()
      const suffix = namespace("t")
      const [live, paused, dead, busy] = ["live", "paused", "dead", "busy"].map((n) => `${n}-${suffix}`) as [string, string, string, string]
      const key = `event:sandbox:sandbox:ep-1:${suffix}`
      yield* insert([{ request_id: id, received_at: new Date(BASE), dedupe_key: key, lifecycle: "routed", external_event_id: suffix }])
      const now = new Date(BASE + 60_000)
      for (const name of [live, paused, dead, busy]) {
        yield* sql`INSERT INTO delivery_targets (name, url, secret, created_at, paused_at)
          VALUES (${name}, 'http://127.0.0.1:9/', 'whsec_dGVzdA==', ${now}, ${name === paused ? now : null})`
      }
      const retryAt = new Date(BASE + 120_000)
      yield* sql`INSERT INTO delivery_outbox (request_id, target, status, attempts, next_attempt_at, last_status, last_error,
          last_attempt_at, delivered_at) VALUES
        (${id}, ${live}, 'pending', 2, ${retryAt}, 503, 'HTTP 503', ${new Date(BASE + 2000)}, NULL),
        (${id}, ${paused}, 'pending', 0, 'infinity', NULL, NULL, NULL, NULL),
        (${id}, ${dead}, 'dead_lettered', 1, ${new Date(BASE)}, NULL, 'connection refused', ${new Date(BASE + 1000)}, NULL),
        (${id}, ${busy}, 'delivered', ${MAX_ATTEMPTS_SHOWN + 5}, ${new Date(BASE)}, 200, NULL, ${new Date(BASE + 9000)}, ${new Date(BASE + 9000)})`
      yield* sql`INSERT INTO delivery_attempts (request_id, target, attempt, attempted_at, status, latency_ms, outcome, error, next_attempt_at)
        VALUES
        (${id}, ${live}, 1, ${new Date(BASE + 1000)}, 500, 12, 'retry', 'HTTP 500', ${new Date(BASE + 1500)}),
        (${id}, ${live}, 2, ${new Date(BASE + 2000)}, 503, 15, 'retry', 'HTTP 503', ${retryAt}),
        (${id}, ${dead}, 1, ${new Date(BASE + 1000)}, NULL, NULL, 'dead', 'connection refused', NULL)`
      yield* sql`INSERT INTO delivery_attempts (request_id, target, attempt, attempted_at, status, latency_ms, outcome, error, next_attempt_at)
        SELECT ${id}, ${busy}, n, ${new Date(BASE)}::timestamptz + n * interval '1 ms',
          CASE WHEN n = ${MAX_ATTEMPTS_SHOWN + 5} THEN 200 ELSE 502 END, n,
          CASE WHEN n = ${MAX_ATTEMPTS_SHOWN + 5} THEN 'delivered' ELSE 'retry' END, NULL, NULL
        FROM generate_series(1, ${MAX_ATTEMPTS_SHOWN + 5}) AS n`

      const byId = Option.getOrThrow(yield* log.get(id))
      const byKey = Option.getOrThrow(yield* log.getByKey(key))
      assert.deepStrictEqual(byKey, byId)
      assert.strictEqual(byId.request_id, id)
      assert.deepStrictEqual(byId.raw, { id })
      assert.deepStrictEqual(byId.attachments, [])
      assert.strictEqual(byId.policy_tier, "default")
      assert.deepStrictEqual(byId.deliveries.map((d) => d.target), [busy, dead, live, paused])
      const of = (name: string) => byId.deliveries.find((d) => d.target === name)!

      const l = of(live)
      assert.strictEqual(l.status, "pending")
      assert.isFalse(l.paused)
      assert.strictEqual(l.next_attempt_at, retryAt.toISOString())
      assert.strictEqual(l.webhook_id, `msg_${id.replace(/-/g, "")}_${live}`)
      assert.deepStrictEqual(l.history.map((a) => [a.attempt, a.status, a.latency_ms, a.outcome, a.error]), [
        [1, 500, 12, "retry", "HTTP 500"],
        [2, 503, 15, "retry", "HTTP 503"]
      ])
      assert.strictEqual(l.history[1]?.next_attempt_at, retryAt.toISOString())
      assert.isFalse(l.history_truncated)
      assert.strictEqual(l.last_error, "HTTP 503")

      const p = of(paused)
      assert.isTrue(p.paused)
      assert.strictEqual(p.status, "pending")
      assert.isNull(p.next_attempt_at, "the parked 'infinity' is not shown as a time")
      assert.deepStrictEqual(p.history, [])

      const d = of(dead)
      assert.strictEqual(d.status, "dead_lettered")
      assert.isNull(d.next_attempt_at)
      assert.deepStrictEqual(d.history.map((a) => [a.status, a.outcome, a.error]), [[null, "dead", "connection refused"]])

      const b = of(busy)
      assert.strictEqual(b.attempts, MAX_ATTEMPTS_SHOWN + 5)
      assert.isTrue(b.history_truncated)
      assert.strictEqual(b.history.length, MAX_ATTEMPTS_SHOWN)
      assert.deepStrictEqual(b.history.map((a) => a.attempt), Array.from({ length: MAX_ATTEMPTS_SHOWN }, (_, i) => i + 6))
      assert.strictEqual(b.history.at(-1)?.outcome, "delivered")
      assert.strictEqual(b.delivered_at, new Date(BASE + 9000).toISOString())

      assert.isTrue(Option.isNone(yield* log.get(uuid())))
      assert.isTrue(Option.isNone(yield* log.getByKey(`${key}x`)))
    }))

  it.effect("a request without deliveries has an empty delivery list", () =>
    Effect.gen(function*() {
      const id = uuid()
      yield* insert([{ request_id: id, received_at: new Date(BASE) }])
      const detail = Option.getOrThrow(yield* Effect.flatMap(RequestLog, (log) => log.get(id)))
      assert.deepStrictEqual(detail.deliveries, [])
      assert.strictEqual(detail.lifecycle_state, "accepted")
    }))

  it.effect("the detail explains each dedupe rule with the request's own parts", () =>
    Effect.gen(function*() {
      const log = yield* RequestLog
      const envelope = (over: { idem?: string; event?: string }): IngestEnvelopeV1 => ({
        schema_version: "ingest.v1",
        source: { channel: "email", provider: "gmail", endpoint_identity: `ops:${namespace("box")}@acme.example` },
        event: { observed_at: "2026-11-20T10:42:13.120Z", ...(over.event === undefined ? {} : { external_event_id: over.event }) },
        sender: { identity: "mailto:ana@acme.example" },
        payload: { raw: {}, normalized_text: "Invoice INV-7 is overdue" },
        ...(over.idem === undefined ? {} : { control: { idempotency_key: over.idem } })
      })
      const cases = [
        { e: envelope({ idem: "order:42", event: "<m1@x>" }), rule: "idempotency_key", words: [`"order:42"`, "idempotency"] },
        { e: envelope({ event: "<m2@acme.example>" }), rule: "external_event_id", words: [`"<m2@acme.example>"`, "event id"] },
        { e: envelope({ event: "unknown" }), rule: "content_hash", words: ["SHA-256", `"mailto:ana@acme.example"`, "hour window starting 2026-11-20T10:00:00.000Z"] }
      ] as const
      for (const c of cases) {
        const id = uuid()
        const key = dedupeKey(c.e)
        yield* insert([{
          request_id: id, received_at: new Date(BASE), dedupe_key: key, channel: c.e.source.channel, provider: c.e.source.provider,
          endpoint: c.e.source.endpoint_identity, sender: c.e.sender.identity
        }])
        const detail: RequestDetail = Option.getOrThrow(yield* log.getByKey(key))
        assert.strictEqual(detail.request_id, id)
        assert.strictEqual(detail.dedupe.key, key)
        assert.strictEqual(detail.dedupe.rule, c.rule)
        for (const w of c.words) assert.include(detail.dedupe.explanation, w)
        assert.include(detail.dedupe.explanation, c.e.source.endpoint_identity)
      }
    }))

  it.effect("a query the server stops at its statement timeout answers RequestLogUnavailable", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const log = yield* RequestLog
      const location = yield* DatabaseLocation
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // Another session holds the table, so the page waits (deterministically) until it is stopped.
      const holder = yield* sql`LOCK TABLE message_inbox IN ACCESS EXCLUSIVE MODE`.pipe(
        Effect.zipRight(Deferred.succeed(locked, undefined)),
        Effect.zipRight(Deferred.await(release)),
        sql.withTransaction,
        Effect.fork
      )
      yield* Deferred.await(locked)
      const result = yield* Effect.either(log.list({ filter: {}, after: undefined, limit: 5 }))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      if (Either.isRight(result)) return assert.fail("the page was answered although the table was locked")
      assert.strictEqual(result.left._tag, "RequestLogUnavailable")
      // Postgres stops the statement itself; the embedded database (one session) is bounded by the client-side timeout.
      if (location.kind === "postgres") assert.include(result.left.message, "was stopped")
    }), { timeout: 60_000 })
})

describe("Dedupe.derive", () => {
  const parts = { channel: "telegram", provider: "telegram", endpoint_identity: "bot:7", sender_identity: "tg:42" }
  const digest = "ab".repeat(32)

  it("reads each prefix as its rule, with identities that contain ':'", () => {
    const idem = Dedupe.derive("idem:telegram:telegram:bot:7:k:1", parts)
    assert.strictEqual(idem.rule, "idempotency_key")
    assert.include(idem.explanation, `"k:1"`)
    const event = Dedupe.derive("event:telegram:telegram:bot:7:991", parts)
    assert.strictEqual(event.rule, "external_event_id")
    assert.include(event.explanation, `"991"`)
    const hash = Dedupe.derive(`hash:telegram:telegram:bot:7:tg:42:2026-11-20T10:00:00.000Z:${digest}`, parts)
    assert.strictEqual(hash.rule, "content_hash")
    assert.include(hash.explanation, "hour window starting 2026-11-20T10:00:00.000Z")
    assert.include(hash.explanation, digest.slice(0, 12))
    assert.include(hash.explanation, `"tg:42"`)
  })

  it("says so when a key does not match the request's parts or no rule made it", () => {
    assert.include(Dedupe.derive("event:slack:slack:x:1", parts).explanation, "not scoped")
    assert.include(Dedupe.derive(`hash:telegram:telegram:bot:7:tg:43:2026-11-20T10:00:00.000Z:${digest}`, parts).explanation, "could not be matched")
    const other = Dedupe.derive("gen:1:2:3", parts)
    assert.include(other.explanation, "Not a key the hub's ingest makes")
    assert.strictEqual(other.key, "gen:1:2:3")
  })
})
