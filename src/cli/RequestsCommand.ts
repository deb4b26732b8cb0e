/**
 * `switchboard requests list|show|replay` (issue 12): the API's /api/requests on the database directly, as
 * the local admin (the API needs role operator). Same filters, limits and cursors as the API (the parser is
 * src/console/Query.ts); `--json` prints the API's `{data, meta}`.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Data, Effect, Option } from "effect"
import * as Query from "../console/Query.js"
import {
  DEFAULT_BULK_REPLAY,
  DEFAULT_PAGE_LIMIT,
  MAX_BULK_REPLAY,
  MAX_DRY_RUN_COUNT,
  MAX_PAGE_LIMIT,
  type RequestSummary
} from "../domain/Console.js"
import { ValidationError } from "../domain/Errors.js"
import { excerpt, boundedProblem } from "../domain/Text.js"
import { sanitize } from "../delivery/RetryPolicy.js"
import { DeliveryStore } from "../../services/DeliveryStore.js"
import { RequestLog, type RequestFilter } from "../../services/RequestLog.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"
import * as Filters from "./RequestFilters.js"
import * as RequestView from "./RequestView.js"

/** The arguments of a command do not fit together; the message says how to call it. */
class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** No accepted request has this id or dedupe key. */
class RequestNotFound extends Data.TaggedError("RequestNotFound")<{ readonly message: string }> {}

const json = Options.boolean("json").pipe(Options.withDescription("print the API's JSON answer ({data, meta}) instead of text"))
const cursorOption = (what: string) =>
  Options.text("cursor").pipe(Options.optional, Options.withDescription(`continue after this position: ${what}`))

/** Longest dedupe key looked up (longer ones cannot exist: every part of a key is bounded at ingest). */
const MAX_KEY_BYTES = 4096

const notFound = (what: string) =>
  new RequestNotFound({ message: `no accepted request has ${what}; find one with: switchboard requests list` })

const targetsCell = (r: RequestSummary) =>
  r.outcomes.length === 0 ? "-" : r.outcomes.map((o) => `${o.target}:${o.status}`).join(",")

const list = Command.make(
  "list",
  {
    ...Filters.options,
    limit: Options.integer("limit").pipe(
      Options.optional,
      Options.withDescription(`requests per page, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`)
    ),
    cursor: cursorOption("the cursor the previous page printed (or the API's meta.next_cursor)"),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const filter = yield* Filters.parse(o)
      const limit = yield* Filters.limit(o.limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
      const after = yield* Filters.cursor(o.cursor)
      const page = yield* (yield* RequestLog).list({ filter, after, limit })
      const next = page.next === undefined ? undefined : Query.encodeRequestCursor(page.next)
      if (o.json) {
        return yield* Output.json({
          data: page.items,
          meta: { limit, count: page.items.length, ...(next === undefined ? {} : { next_cursor: next }) }
        })
      }
      yield* Output.table(
        page.items.map((r) => ({
          id: r.request_id,
          received: r.received_at,
          source: sanitize(`${r.source.channel}/${r.source.provider}/${r.source.endpoint_identity}`, 60),
          sender: sanitize(r.sender_identity, 32),
          state: r.lifecycle_state,
          targets: sanitize(targetsCell(r), 60),
          preview: sanitize(r.text_preview, 60)
        })),
        ["id", "received", "source", "sender", "state", "targets", "preview"]
      )
      if (next !== undefined) {
        const limitArgs = Option.isSome(o.limit) ? ["--limit", String(limit)] : []
        yield* Console.log(
          `next page: ${Filters.commandLine(["requests", "list", ...Filters.asArgs(filter), ...limitArgs, "--cursor", next])}`
        )
      }
    })
).pipe(Command.withDescription(Help.describe("list accepted requests, newest first", {
  details: ["The filters combine; when more match, a last line prints the command for the next page."],
  examples: [
    "switchboard requests list --since 24h --lifecycle dead_lettered",
    "switchboard requests list --channel telegram --query invoice --limit 20 --json"
  ]
})))

const show = Command.make(
  "show",
  {
    id: Args.text({ name: "ID" }).pipe(Args.optional, Args.withDescription("request id (a UUID, see requests list)")),
    key: Options.text("key").pipe(Options.optional, Options.withDescription("show the request that owns this dedupe key instead")),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const log = yield* RequestLog
      if (Option.isSome(o.id) === Option.isSome(o.key)) {
        return yield* new UsageError({ message: "give a request ID or --key DEDUPE_KEY (one of them)" })
      }
      const key = Option.getOrElse(o.key, () => "")
      const found = Option.isSome(o.id)
        ? Query.isRequestId(o.id.value) ? yield* log.get(o.id.value.toLowerCase()) : Option.none()
        // No stored key is longer or holds what Postgres cannot store (the API answers 404 alike).
        : boundedProblem(key, MAX_KEY_BYTES) === undefined
        ? yield* log.getByKey(key)
        : Option.none()
      if (Option.isNone(found)) {
        return yield* notFound(Option.isSome(o.id) ? `id ${excerpt(o.id.value)}` : `dedupe key ${excerpt(key)}`)
      }
      yield* o.json ? Output.json({ data: found.value, meta: {} }) : RequestView.print(found.value)
    })
).pipe(Command.withDescription(Help.describe("show one request: source, dedupe, text, deliveries, attempts, payload", {
  details: ["Every delivery with every attempt, the attachments and the raw payload; by request id or by dedupe key."],
  examples: ["switchboard requests show 01900000-0000-7000-8000-000000000001", "switchboard requests show --key 'telegram:bot:1234:update:991' --json"]
})))

/** At most this many targets named in a replay (as the API). */
const MAX_REPLAY_TARGETS = 64

/** Live target names to replay to (`--target`, repeatable, duplicates dropped); none: the request's own targets. */
const chosenTargets = (names: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (names.length > MAX_REPLAY_TARGETS) {
      return yield* new UsageError({ message: `give at most ${MAX_REPLAY_TARGETS} --target options (got ${names.length})` })
    }
    // The routing rules (and their RE2 engine) load only for a replay that names targets.
    const Validate = yield* Lazy.load(() => import("../routing/Validate.js"))
    for (const name of names) {
      const problem = Validate.targetName(name)
      if (problem._tag === "Left") {
        return yield* new ValidationError({ message: `--target ${problem.left}`, issues: [{ path: "--target", message: problem.left }] })
      }
    }
    return names.length === 0 ? null : [...new Set(names)]
  })

const replay = Command.make(
  "replay",
  {
    id: Args.text({ name: "ID" }).pipe(
      Args.optional,
      Args.withDescription("request id to replay; without it, replay the requests the filter options match")
    ),
    target: Options.text("target").pipe(
      Options.repeated,
      Options.withDescription("deliver to this live target (repeat for several; default: each request's own targets)")
    ),
    ...Filters.options,
    all: Options.boolean("all").pipe(Options.withDescription("bulk replay with no filter: every request (required then, as a safeguard)")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription(`bulk: only count the matching requests (at most ${MAX_DRY_RUN_COUNT})`)),
    limit: Options.integer("limit").pipe(
      Options.optional,
      Options.withDescription(`bulk: requests replayed by this run, 1 to ${MAX_BULK_REPLAY} (default ${DEFAULT_BULK_REPLAY}); it prints how to go on`)
    ),
    cursor: cursorOption("the cursor the previous bulk replay printed (or the API's meta.next_cursor)"),
    json
  },
  (o) =>
    Effect.gen(function*() {
      const targets = yield* chosenTargets(o.target)
      const filter = yield* Filters.parse(o)
      if (Option.isSome(o.id)) {
        if (!Query.isEmpty(filter) || o.all || o.dryRun || Option.isSome(o.limit) || Option.isSome(o.cursor)) {
          return yield* new UsageError({
            message: "a request ID replays that request: filter options, --all, --dry-run, --limit and --cursor go with a bulk replay (no ID)"
          })
        }
        if (!Query.isRequestId(o.id.value)) return yield* notFound(`id ${excerpt(o.id.value)}`)
        const requestId = o.id.value.toLowerCase()
        const deliveries = yield* (yield* DeliveryStore).replayRequest(requestId, targets).pipe(
          Effect.catchTag("RequestNotFound", () => notFound(`id ${excerpt(requestId)}`))
        )
        if (o.json) return yield* Output.json({ data: { request_id: requestId, deliveries }, meta: {} })
        yield* Console.log(`request ${requestId}: ${deliveries.length} deliver${deliveries.length === 1 ? "y" : "ies"} (same webhook-id as before)`)
        return yield* Output.table(deliveries.map((d) => ({ target: d.target, webhook_id: d.webhook_id, result: d.result })), [
          "target",
          "webhook_id",
          "result"
        ])
      }
      return yield* bulkReplay({ ...o, filter, targets })
    })
).pipe(Command.withDescription(Help.describe("deliver requests again, whatever their state, with the same webhook-id", {
  details: [
    "One by ID, or in bulk by the list's filter options: --dry-run counts first; a run replays up to --limit and prints " +
    "the command that continues; no filter needs --all."
  ],
  examples: [
    "switchboard requests replay 01900000-0000-7000-8000-000000000001 --target crm",
    "switchboard requests replay --since 24h --lifecycle dead_lettered --dry-run",
    "switchboard requests replay --since 24h --lifecycle dead_lettered --limit 500"
  ]
})))

const bulkReplay = (o: {
  readonly filter: RequestFilter
  readonly targets: ReadonlyArray<string> | null
  readonly all: boolean
  readonly dryRun: boolean
  readonly limit: Option.Option<number>
  readonly cursor: Option.Option<string>
  readonly json: boolean
}) =>
  Effect.gen(function*() {
    const log = yield* RequestLog
    const empty = Query.isEmpty(o.filter)
    if (empty && !o.all) {
      return yield* new UsageError({
        message: "a bulk replay without filter options would replay every request: add --all to mean that, or narrow it (--since 24h, --lifecycle dead_lettered, …)"
      })
    }
    if (!empty && o.all) return yield* new UsageError({ message: "--all means every request: drop it, or drop the filter options" })
    const limit = yield* Filters.limit(o.limit, DEFAULT_BULK_REPLAY, MAX_BULK_REPLAY)
    if (o.dryRun) {
      if (Option.isSome(o.cursor)) return yield* new UsageError({ message: "--dry-run counts every match: drop --cursor" })
      const { count, exact } = yield* log.count(o.filter, MAX_DRY_RUN_COUNT)
      if (o.json) {
        return yield* Output.json({
          data: { dry_run: true, matched: count, matched_exact: exact, replayed: 0, already_pending: 0 },
          meta: { limit }
        })
      }
      return yield* Console.log(
        `dry run: ${exact ? "" : "more than "}${count} request(s) match; nothing was replayed. ` +
          `Run the same command without --dry-run to replay them, ${limit} per run (--limit up to ${MAX_BULK_REPLAY}).`
      )
    }
    const page = yield* RequestView.collect(log, o.filter, yield* Filters.cursor(o.cursor), limit)
    const ids = page.ids
    const totals = ids.length === 0
      ? { replayed: 0, already_pending: 0 }
      : yield* (yield* DeliveryStore).replayRequests(ids, o.targets)
    const next = page.next === undefined ? undefined : Query.encodeRequestCursor(page.next)
    if (o.json) {
      return yield* Output.json({
        data: { dry_run: false, matched: ids.length, matched_exact: true, ...totals },
        meta: { limit, ...(next === undefined ? {} : { next_cursor: next }) }
      })
    }
    yield* Console.log(
      `replayed ${ids.length} request(s): ${totals.replayed} deliver${totals.replayed === 1 ? "y" : "ies"} pending again, ` +
        `${totals.already_pending} already pending (left as they were)`
    )
    if (next !== undefined) {
      const args = [
        "requests",
        "replay",
        ...(o.all ? ["--all"] : Filters.asArgs(o.filter)),
        ...(o.targets ?? []).flatMap((t) => ["--target", t]),
        ...(Option.isSome(o.limit) ? ["--limit", String(limit)] : []),
        "--cursor",
        next
      ]
      yield* Console.log(`more may match; continue with: ${Filters.commandLine(args)}`)
    }
  })

export const requestsCommand = Command.make("requests").pipe(
  Command.withDescription(Help.describe("see accepted requests and their deliveries, and replay them", {
    details: ["On the database directly, as the local admin (the API's /api/requests needs role operator)."],
    examples: ["switchboard requests list --since 1h", "switchboard requests show --help"]
  })),
  Command.withSubcommands([list, show, replay])
)
