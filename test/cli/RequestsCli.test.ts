/**
 * `switchboard requests list|show|replay` and `switchboard targets pause|resume|test`, run in-process
 * (test/support/CliInProcess.ts) on the database of a running test hub with a delivery worker, against
 * real local HTTP receivers: requests are ingested and delivered for real, then inspected and replayed
 * through the CLI, and what the receivers got is checked.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as DeliveryWorker from "../../layers/Delivery/DeliveryWorker.js"
import * as Migrations from "../../layers/Database/Migrations.js"
import {
  BulkReplayResponse,
  RequestDetailResponse,
  RequestListResponse,
  TargetPauseResponse,
  TargetTestResponse
} from "../../src/domain/Console.js"
import type { IngestEnvelopeInput } from "../../src/domain/Envelope.js"
import * as CliInProcess from "../support/CliInProcess.js"
import * as TestDatabase from "../support/TestDatabase.js"
import * as TestHub from "../support/TestHub.js"
import * as Receiver from "../delivery/support/Receiver.js"
import * as S from "../delivery/support/Scenario.js"
import { verify } from "../delivery/support/StandardWebhooks.js"
import { fastDelivery } from "../delivery/support/TestOptions.js"
import * as Wait from "../delivery/support/Wait.js"

class DbTarget extends Context.Tag("test/DbTarget")<DbTarget, TestDatabase.Target>() {}
const TargetLive = Layer.scoped(DbTarget, TestDatabase.freshTarget)
const Database = Layer.provideMerge(
  Migrations.layer,
  Layer.unwrapEffect(Effect.map(DbTarget, (t) => TestDatabase.servicesFor(t)))
)
const Env = DeliveryWorker.layerWith(fastDelivery).pipe(
  Layer.provideMerge(TestHub.layerWith(Database)),
  Layer.provideMerge(TargetLive),
  Layer.merge(NodeContext.layer)
)

const decode = <A, I>(schema: Schema.Schema<A, I>) => (text: string) => Schema.decodeUnknownSync(Schema.parseJson(schema))(text)

/** The words of a POSIX shell line as RequestFilters.commandLine prints it: plain words, '…' words and backslash escapes. */
const words = (line: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let word: string | undefined
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === "'") quoted = false
      else word += c
    } else if (c === "'") {
      quoted = true
      word ??= ""
    } else if (c === "\\") {
      word = (word ?? "") + (line[++i] ?? "")
    } else if (c === " ") {
      if (word !== undefined) out.push(word)
      word = undefined
    } else word = (word ?? "") + c
  }
  if (word !== undefined) out.push(word)
  return out
}

/** The command a line of the output prints after `marker`, as arguments for the CLI (without "switchboard"). */
const printedCommand = (stdout: string, marker: string): Option.Option<ReadonlyArray<string>> => {
  const line = stdout.split("\n").find((l) => l.startsWith(marker))
  if (line === undefined) return Option.none()
  const all = words(line.slice(marker.length))
  assert.strictEqual(all[0], "switchboard", line)
  return Option.some(all.slice(1))
}

const envelope = (id: string, o: S.EnvelopeOptions & { readonly raw?: Record<string, unknown> }): IngestEnvelopeInput => {
  const base = S.envelope(id, o)
  return o.raw === undefined ? base : { ...base, payload: { ...base.payload, raw: o.raw } }
}

layer(Env, { excludeTestServices: true, timeout: 240_000 })("requests and targets CLI", (it) => {
  const cli = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(DbTarget, (t) =>
      CliInProcess.run(args, {
        DATABASE_URL: `postgres://postgres@${t.host}:${t.port}/${t.database}`,
        SWITCHBOARD_LOG_LEVEL: "warn",
        SWITCHBOARD_DELIVERY_ALLOW_PRIVATE: "true"
      }))

  const ok = (answer: CliInProcess.CliAnswer) => {
    assert.strictEqual(answer.exitCode, 0, `${answer.stdout}\n${answer.stderr}`)
    return answer.stdout
  }
  const fails = (answer: CliInProcess.CliAnswer, ...texts: ReadonlyArray<string>) => {
    assert.notStrictEqual(answer.exitCode, 0, answer.stdout)
    for (const text of texts) assert.include(answer.stdout + answer.stderr, text)
  }

  it.scoped("list filters and pages newest first; the printed next command fetches the next page", () =>
    Effect.gen(function*() {
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) {
        const text = i % 2 === 0 ? `a big invoice ${i}` : `hello ${i}`
        ids.push(yield* S.ingest(S.envelope(`list-${i}`, { endpoint: "list-ep", text, sender: i === 4 ? "zoe" : "bob" })))
      }
      const all = decode(RequestListResponse)(ok(yield* cli("requests", "list", "--endpoint", "list-ep", "--json")))
      assert.sameMembers(all.data.map((r) => r.request_id), ids)
      assert.deepStrictEqual(all.meta, { limit: 50, count: 5 })
      const order = all.data.map((r) => r.request_id)
      assert.deepStrictEqual([...order].sort((a, b) => (all.data.find((r) => r.request_id === b)!.received_at).localeCompare(
        all.data.find((r) => r.request_id === a)!.received_at
      )), order, "newest first")

      // Pages of 2, following the printed command each time.
      const seen: Array<string> = []
      let next: Option.Option<ReadonlyArray<string>> = Option.some(["requests", "list", "--endpoint", "list-ep", "--since", "1h", "--limit", "2"])
      let pages = 0
      while (Option.isSome(next)) {
        const out = ok(yield* cli(...next.value))
        pages++
        assert.include(out.split("\n")[0]!, "id")
        seen.push(...order.filter((id) => out.includes(id)))
        next = printedCommand(out, "next page: ")
        if (Option.isSome(next)) {
          assert.includeMembers([...next.value], ["--endpoint", "list-ep", "--limit", "2", "--cursor"])
          // The lookback is pinned to the instant it meant.
          assert.match(next.value[next.value.indexOf("--since") + 1]!, /^\d{4}-\d\d-\d\dT.*Z$/)
        }
      }
      assert.strictEqual(pages, 3)
      assert.deepStrictEqual(seen, order)

      // The cursor of --json pages the same way.
      const first = decode(RequestListResponse)(ok(yield* cli("requests", "list", "--endpoint", "list-ep", "--limit", "3", "--json")))
      assert.isString(first.meta.next_cursor)
      const second = decode(RequestListResponse)(ok(yield* cli(
        "requests", "list", "--endpoint", "list-ep", "--limit", "3", "--cursor", first.meta.next_cursor!, "--json"
      )))
      assert.deepStrictEqual([...first.data, ...second.data].map((r) => r.request_id), order)
      assert.isUndefined(second.meta.next_cursor)

      // Filters, a search with a space (quoted in the next command), and a window that holds nothing.
      const searched = ok(yield* cli("requests", "list", "--endpoint", "list-ep", "--query", "BIG invoice", "--limit", "1"))
      assert.include(searched, "a big invoice")
      assert.include(searched.split("\n").find((l) => l.startsWith("next page: "))!, "--query 'BIG invoice'")
      const followed = ok(yield* cli(...Option.getOrThrow(printedCommand(searched, "next page: "))))
      assert.include(followed, "a big invoice")
      assert.notInclude(followed, "hello")
      const bySender = decode(RequestListResponse)(ok(yield* cli("requests", "list", "--endpoint", "list-ep", "--sender", "zoe", "--json")))
      assert.deepStrictEqual(bySender.data.map((r) => r.request_id), [ids[4]])
      const accepted = decode(RequestListResponse)(ok(yield* cli(
        "requests", "list", "--endpoint", "list-ep", "--lifecycle", "delivered", "--json"
      )))
      assert.deepStrictEqual(accepted.data, [], "nothing was routed, so nothing was delivered")
      assert.strictEqual(ok(yield* cli("requests", "list", "--endpoint", "list-ep", "--until", "1h")), "(none)")
    }))

  it.scoped("show by id and by key: dedupe derivation, text, every attempt, the payload (cut when long, never raw escapes)", () =>
    Effect.gen(function*() {
      const flaky = yield* Receiver.make((_, n) => (n === 0 ? { status: 503, body: "busy" } : Receiver.ok))
      yield* S.addTarget("show-t", flaky.url)
      yield* S.addRoute({ endpoint_identity: "show-ep", target: "show-t" })
      yield* S.refresh
      const id = yield* S.ingest(envelope("show-1", {
        endpoint: "show-ep",
        text: "line one\nline \u001b[2Jtwo \u202eevil",
        raw: { id: "show-1", note: "esc \u001b]0;owned\u0007 bidi \u202e", payload_blob: "x".repeat(20_000) }
      }))
      yield* S.waitForState(id, "delivered")

      const detail = decode(RequestDetailResponse)(ok(yield* cli("requests", "show", id, "--json")))
      assert.strictEqual(detail.data.request_id, id)
      assert.strictEqual(detail.data.dedupe.rule, "external_event_id")
      const delivery = detail.data.deliveries.find((d) => d.target === "show-t")!
      assert.deepStrictEqual(delivery.history.map((a) => [a.attempt, a.status, a.outcome]), [[1, 503, "retry"], [2, 204, "delivered"]])

      const text = ok(yield* cli("requests", "show", id))
      for (const part of [
        `request     ${id}`, "state       delivered", `dedupe key  ${detail.data.dedupe.key}`, "rule external_event_id",
        "line one", "show-t: delivered", `webhook-id ${delivery.webhook_id}, 2 attempt(s)`, "HTTP 503", "HTTP 204", "busy",
        "payload (raw):", "\"id\": \"show-1\"", "… cut: the payload shows 8000 of"
      ]) assert.include(text, part)
      assert.notInclude(text, "\u001b", "no escape sequence reaches the terminal")
      assert.notInclude(text, "\u202e")
      assert.include(text, "\\u202e", "the payload keeps it, escaped")

      const byKey = ok(yield* cli("requests", "show", "--key", detail.data.dedupe.key))
      assert.include(byKey, `request     ${id}`)
      fails(yield* cli("requests", "show", "--key", "event:nope"), "RequestNotFound", "no accepted request has dedupe key")
      fails(yield* cli("requests", "show", id, "--key", "event:x"), "give a request ID or --key")
    }))

  it.scoped("replay one request (same webhook-id) and in bulk: dry run counts, a run is capped and prints how to go on", () =>
    Effect.gen(function*() {
      const picky = yield* Receiver.make(() => ({ status: 400, body: "unknown field" }))
      yield* S.addTarget("replay-t", picky.url)
      yield* S.addRoute({ endpoint_identity: "replay-ep", target: "replay-t" })
      yield* S.refresh
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push(yield* S.ingest(S.envelope(`replay-${i}`, { endpoint: "replay-ep" })))
      for (const id of ids) yield* S.waitForState(id, "dead_lettered")
      picky.answer(() => Receiver.ok)

      const one = ok(yield* cli("requests", "replay", ids[0]!))
      assert.include(one, `request ${ids[0]}: 1 delivery`)
      assert.include(one, "replayed")
      yield* S.waitForState(ids[0]!, "delivered")
      const hooks = (id: string) =>
        picky.received().filter((r) => Receiver.json(r).data["request_context"]?.["request_id"] === id).map((r) => Receiver.header(r, "webhook-id"))
      assert.strictEqual(hooks(ids[0]!).length, 2)
      assert.strictEqual(new Set(hooks(ids[0]!)).size, 1, "the replay keeps the webhook-id")

      fails(yield* cli("requests", "replay"), "--all")
      fails(yield* cli("requests", "replay", ids[0]!, "--dry-run"), "go with a bulk replay")
      const dry = ok(yield* cli("requests", "replay", "--endpoint", "replay-ep", "--lifecycle", "dead_lettered", "--dry-run"))
      assert.include(dry, "dry run: 2 request(s) match; nothing was replayed")
      const dryJson = decode(BulkReplayResponse)(ok(yield* cli("requests", "replay", "--endpoint", "replay-ep", "--dry-run", "--json")))
      assert.deepStrictEqual(dryJson.data, { dry_run: true, matched: 3, matched_exact: true, replayed: 0, already_pending: 0 })
      assert.strictEqual(picky.received().length, 4, "a dry run replays nothing")

      const first = ok(yield* cli("requests", "replay", "--endpoint", "replay-ep", "--lifecycle", "dead_lettered", "--limit", "1"))
      assert.include(first, "replayed 1 request(s): 1 delivery pending again")
      const go = Option.getOrThrow(printedCommand(first, "more may match; continue with: "))
      assert.includeMembers([...go], ["--endpoint", "replay-ep", "--lifecycle", "dead_lettered", "--limit", "1", "--cursor"])
      const second = ok(yield* cli(...go))
      assert.include(second, "replayed 1 request(s)")
      assert.isTrue(Option.isNone(printedCommand(second, "more may match")), "the last dead letter was replayed: nothing follows")
      for (const id of ids) yield* S.waitForState(id, "delivered")
      assert.strictEqual(picky.received().length, 6)
      // Replayed again from the start: past the cap of 2, the printed cursor goes on after the newest two.
      const again = ok(yield* cli("requests", "replay", "--endpoint", "replay-ep", "--limit", "2"))
      assert.include(again, "replayed 2 request(s): 2 deliveries pending again")
      const rest = ok(yield* cli(...Option.getOrThrow(printedCommand(again, "more may match; continue with: "))))
      assert.include(rest, "replayed 1 request(s)")
      yield* Wait.untilTrue("9 deliveries received", Effect.sync(() => picky.received().length === 9))
      for (const id of ids) assert.strictEqual(new Set(hooks(id)).size, 1, "every replay keeps the webhook-id")
    }))

  it.effect("a bulk replay past one page (200 requests) replays exactly --limit, then goes on from the printed cursor", () =>
    Effect.gen(function*() {
      yield* Effect.forEach(Array.from({ length: 205 }, (_, i) => i), (i) =>
        S.ingest(S.envelope(`cap-${i}`, { endpoint: "cap-ep" })), { concurrency: 8, discard: true })
      const first = ok(yield* cli("requests", "replay", "--endpoint", "cap-ep", "--limit", "203"))
      // Nothing routes cap-ep, so the requests have no delivery to make pending.
      assert.include(first, "replayed 203 request(s): 0 deliveries pending again")
      const rest = ok(yield* cli(...Option.getOrThrow(printedCommand(first, "more may match; continue with: "))))
      assert.include(rest, "replayed 2 request(s)")
      assert.isTrue(Option.isNone(printedCommand(rest, "more may match")))
    }))

  it.scoped("pause holds a target's deliveries, resume releases them; list and show say so", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      yield* S.addTarget("pausable", receiver.url)
      yield* S.addRoute({ endpoint_identity: "pause-ep", target: "pausable" })
      yield* S.refresh
      const paused = decode(TargetPauseResponse)(ok(yield* cli("targets", "pause", "pausable", "--json")))
      assert.isNotNull(paused.data.target.paused_at)
      assert.strictEqual(paused.data.target.kind, "webhook")
      assert.include(ok(yield* cli("targets", "pause", "pausable")), "paused target pausable")
      assert.include(ok(yield* cli("targets", "list")), paused.data.target.paused_at!)

      const id = yield* S.ingest(S.envelope("pause-1", { endpoint: "pause-ep" }))
      const held = decode(RequestDetailResponse)(ok(yield* cli("requests", "show", id, "--json")))
      assert.deepStrictEqual(held.data.deliveries.map((d) => [d.target, d.status, d.paused, d.next_attempt_at]), [["pausable", "pending", true, null]])
      assert.include(ok(yield* cli("requests", "show", id)), "target paused (waits for: switchboard targets resume pausable)")

      assert.include(ok(yield* cli("targets", "resume", "pausable")), "resumed target pausable")
      yield* S.waitForState(id, "delivered")
      assert.strictEqual(receiver.received().length, 1)
      const resumed = decode(TargetPauseResponse)(ok(yield* cli("targets", "resume", "pausable", "--json")))
      assert.deepStrictEqual([resumed.data.target.paused_at, resumed.data.deliveries], [null, 0])
      fails(yield* cli("targets", "pause", "no-such-target"), "TargetNotFound")
    }))

  it.scoped("targets test sends a signed event: exit 0 on 2xx with the answer, non-zero otherwise", () =>
    Effect.gen(function*() {
      const good = yield* Receiver.make(() => ({ status: 200, body: "pong" }))
      const bad = yield* Receiver.make(() => ({ status: 500, body: "nope" }))
      const secret = yield* S.addTarget("test-good", good.url)
      yield* S.addTarget("test-bad", bad.url)

      const out = ok(yield* cli("targets", "test", "test-good"))
      assert.include(out, "HTTP 200 in ")
      assert.include(out, "answer: pong")
      assert.strictEqual(good.received().length, 1)
      const sent = good.received()[0]!
      assert.strictEqual(verify(secret, sent.headers, sent.body, Math.floor(Date.now() / 1000)), "ok")
      assert.include(out, Receiver.header(sent, "webhook-id"))

      const failed = yield* cli("targets", "test", "test-bad")
      fails(failed, "HTTP 500", "answer: nope", "TargetTestFailed", "test-bad answered HTTP 500")
      assert.strictEqual(failed.exitCode, 1)
      const asJson = yield* cli("targets", "test", "test-bad", "--json")
      assert.strictEqual(asJson.exitCode, 1)
      const result = decode(TargetTestResponse)(asJson.stdout)
      assert.deepStrictEqual([result.data.status, result.data.ok, result.data.response_excerpt], [500, false, "nope"])
      fails(yield* cli("targets", "test", "no-such-target"), "TargetNotFound")
    }))

  it.effect("bad input fails with a non-zero exit and one line naming the option and what it may be", () =>
    Effect.gen(function*() {
      fails(yield* cli("requests", "list", "--since", "yesterday"), "ValidationError: --since must be an RFC 3339 time with an offset or a lookback such as 24h")
      fails(yield* cli("requests", "list", "--lifecycle", "nope"),
        "--lifecycle must be one of accepted, routed, delivered, partially_failed, dead_lettered (got \"nope\")")
      fails(yield* cli("requests", "list", "--query", "ab"), "--query must be 3 to 200 characters (got 2)")
      fails(yield* cli("requests", "list", "-q", "ab"), "--query must be 3 to 200 characters (got 2)")
      fails(yield* cli("requests", "list", "--since", "1h", "--until", "2h"), "--until must be later than since")
      fails(yield* cli("requests", "list", "--limit", "0"), "--limit must be a whole number from 1 to 200")
      fails(yield* cli("requests", "list", "--cursor", "garbage!"), "--cursor is not a cursor")
      fails(yield* cli("requests", "replay", "--all", "--limit", "1001"), "--limit must be a whole number from 1 to 1000")
      fails(yield* cli("requests", "replay", "--all", "--channel", "sandbox"), "--all means every request")
      fails(yield* cli("requests", "replay", "01900000-0000-7000-8000-0000000000ff"), "RequestNotFound")
      fails(yield* cli("requests", "replay", "--all", "--target", "Not A Name"), "--target target name")
      const unknown = yield* cli("requests", "show", "01900000-0000-7000-8000-0000000000ff")
      assert.strictEqual(unknown.exitCode, 1)
      assert.strictEqual(unknown.stderr.split("\n").length, 1, unknown.stderr)
      assert.include(unknown.stderr, "RequestNotFound: no accepted request has id \"01900000-0000-7000-8000-0000000000ff\"")
      fails(yield* cli("requests", "show", "not-a-uuid"), "no accepted request has id \"not-a-uuid\"")

      // Help is wrapped to the terminal's width: compare with the line breaks as spaces.
      const flat = (text: string) => text.replace(/\s+/g, " ")
      const help = flat(ok(yield* cli("requests", "list", "--help")))
      for (const part of ["--lifecycle", "accepted, routed, delivered", "--since", "lookback such as 24h", "-q, --query", "--cursor", "--limit", "--json"]) {
        assert.include(help, part)
      }
      const replayHelp = flat(ok(yield* cli("requests", "replay", "--help")))
      for (const part of ["--all", "--dry-run", "--target", "--cursor", "same webhook-id"]) assert.include(replayHelp, part)
      assert.include(flat(ok(yield* cli("targets", "test", "--help"))), "exits 1 unless the receiver answered 2xx")
    }))
})
