/**
 * `switchboard checkpoints list|show|set` (issue 15): the hub-held connector cursors (connector_checkpoints,
 * migration 0068) on the database directly, as the local admin. `set` replaces a cursor by hand (updated_by
 * `cli`): what editing the checkpoint file is for a connector process. `list` and `show` also name the runner
 * a hosted connector last started on (switchboard_singletons, `connector:<type>:<endpoint_identity>`).
 */
import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { Console, Data, Effect, Either, Option, type Schema } from "effect"
import { CheckpointKey, describeKey, type StoredCheckpoint } from "../domain/Checkpoint.js"
import { Channel, MAX_ENDPOINT_IDENTITY_BYTES, Provider } from "../domain/Envelope.js"
import { ConnectorType } from "../domain/Heartbeat.js"
import { requiredString } from "../domain/Text.js"
import { sanitize } from "../delivery/RetryPolicy.js"
import * as Pasted from "../oauth/Pasted.js"
import { singletonName } from "../../services/Cluster.js"
import { CheckpointsUnavailable, ConnectorCheckpoints } from "../../services/ConnectorCheckpoints.js"
import { type CheckpointRow, toStored } from "../../layers/ConnectorCheckpoints/PgConnectorCheckpoints.js"
import * as SqlFailure from "../../layers/Database/SqlFailure.js"
import { terminalStyle } from "./Entry.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"
import { decodeOne, detail, type Listed, parseCursor, rows, safeJson } from "./CheckpointsView.js"

/** No hub-held checkpoint has this connector type and endpoint identity. */
class CheckpointNotFound extends Data.TaggedError("CheckpointNotFound")<{ readonly message: string }> {}

/** `checkpoints set` was not confirmed at the terminal's prompt; nothing was changed. */
class CheckpointSetDeclined extends Data.TaggedError("CheckpointSetDeclined")<{ readonly message: string }> {}

/** A mistake the parser cannot see: one stderr line, exit 2 (a ValidationError a command raises is printed by it, Failure.ts). */
const usage = (message: string) =>
  Console.error(`switchboard checkpoints: ${message}`).pipe(
    Effect.zipRight(Effect.fail(ValidationError.invalidValue(HelpDoc.p(message))))
  )

const decodeOr = <A, I>(schema: Schema.Schema<A, I>, value: unknown, what: string) =>
  Either.match(decodeOne(schema, value), { onLeft: (problem) => usage(`${what} ${problem}`), onRight: Effect.succeed })

const EndpointIdentity = requiredString(MAX_ENDPOINT_IDENTITY_BYTES)

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))
const typeArg = Args.text({ name: "connector-type" }).pipe(
  Args.withDescription("the connector type, e.g. telegram, sandbox, gmail, or a registered connector's id")
)
const endpointArg = Args.text({ name: "endpoint-identity" }).pipe(
  Args.withDescription("the connector's CONNECTOR_ENDPOINT_IDENTITY (bot username, mailbox, sandbox name)")
)
const channel = Options.text("channel").pipe(
  Options.optional,
  Options.withDescription("the source channel (default: the built-in type's own; required for other types)")
)
const provider = Options.text("provider").pipe(
  Options.optional,
  Options.withDescription("the source provider (default: the built-in type's own; required for other types)")
)

interface Row extends CheckpointRow {
  readonly runner: string | null
  readonly started_at: Date | null
}

const toListed = (r: Row): Listed => ({
  ...toStored(r),
  runner: r.runner,
  runner_started_at: r.started_at === null ? null : r.started_at.toISOString()
})

const guard = SqlFailure.guard((reason) => new CheckpointsUnavailable({ message: reason }))

/** Checkpoints with the runner each connector last started on; all, or those of one type and endpoint. */
const listed = (only?: { readonly type: string; readonly endpoint: string }) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Row>`SELECT c.connector_type, c.source_channel, c.source_provider, c.source_endpoint_identity, c.cursor,
        c.updated_at, c.updated_by, c.commits, s.runner, s.started_at
      FROM connector_checkpoints c
      LEFT JOIN switchboard_singletons s ON s.name = 'connector:' || c.connector_type || ':' || c.source_endpoint_identity
      WHERE ${sql.and(only === undefined ? [] : [sql`c.connector_type = ${only.type}`, sql`c.source_endpoint_identity = ${only.endpoint}`])}
      ORDER BY c.connector_type, c.source_channel, c.source_provider, c.source_endpoint_identity`.pipe(
      Effect.map((found) => found.map(toListed)),
      guard
    ))

const list = Command.make("list", { json }, (o) =>
  Effect.gen(function*() {
    const all = yield* listed()
    if (o.json) return yield* Console.log(safeJson(all, 2))
    if (all.length === 0) {
      return yield* Console.log(
        "no hub-held checkpoints yet: a hosted connector commits its first with its first accepted batch (or: switchboard checkpoints set)"
      )
    }
    const table = rows(all, (yield* terminalStyle("")).width)
    yield* Output.table(table.rows, table.columns)
  })).pipe(Command.withDescription(Help.describe("list every hub-held connector checkpoint", {
    details: [
      "One row per connector type and source: the cursor as compact JSON (cut to fit the width; --json or show prints it whole), " +
      "when and by whom it was last committed (a token id, in-process:<type>, cli), how many commits, and the runner the hosted " +
      "connector last started on (- when no hub ran it). Runs on DATABASE_URL, else the embedded database."
    ],
    examples: ["switchboard checkpoints list", "switchboard checkpoints list --json"]
  })))

const show = Command.make("show", { type: typeArg, endpoint: endpointArg, channel, provider, json }, (o) =>
  Effect.gen(function*() {
    const type = yield* decodeOr(ConnectorType, o.type, "connector type")
    const endpoint = yield* decodeOr(EndpointIdentity, o.endpoint, "endpoint identity")
    const wantChannel = yield* Effect.transposeOption(Option.map(o.channel, (c) => decodeOr(Channel, c, "--channel")))
    const wantProvider = yield* Effect.transposeOption(Option.map(o.provider, (p) => decodeOr(Provider, p, "--provider")))
    const found = (yield* listed({ type, endpoint })).filter((c) =>
      Option.getOrElse(Option.map(wantChannel, (w) => w === c.source.channel), () => true) &&
      Option.getOrElse(Option.map(wantProvider, (w) => w === c.source.provider), () => true)
    )
    if (found.length === 0) {
      return yield* new CheckpointNotFound({
        message: `no hub-held checkpoint for ${type} ${sanitize(endpoint, 80)}; see switchboard checkpoints list`
      })
    }
    if (found.length > 1) {
      const sources = found.map((c) => `${c.source.channel}/${c.source.provider}`).join(", ")
      return yield* usage(`${found.length} checkpoints match (${sources}): choose one with --channel and --provider`)
    }
    yield* Console.log(o.json ? safeJson(found[0], 2) : detail(found[0]!))
  })).pipe(Command.withDescription(Help.describe("show one hub-held checkpoint, its cursor pretty-printed", {
    details: ["Not found: one line on stderr, exit 1. Give --channel and --provider only when one connector has several sources."],
    examples: ["switchboard checkpoints show telegram butler_bot", "switchboard checkpoints show sandbox sandbox-1 --json"]
  })))

/** The source channel and provider of a `set`: the built-in type's own, else both flags. */
const sourceOf = (type: string, given: { readonly channel: Option.Option<string>; readonly provider: Option.Option<string> }) =>
  Effect.gen(function*() {
    const { sources } = yield* Lazy.load(() => import("../../layers/Connectors/Builtins.js"))
    const builtin = sources.get(type)
    if (builtin === undefined) {
      const missing = [Option.isNone(given.channel) ? "--channel" : "", Option.isNone(given.provider) ? "--provider" : ""].filter((f) => f !== "")
      if (missing.length > 0) {
        return yield* usage(
          `${type} is not a built-in connector type (${[...sources.keys()].sort().join(", ")}): give its source with ${missing.join(" and ")}`
        )
      }
      return { channel: Option.getOrElse(given.channel, () => ""), provider: Option.getOrElse(given.provider, () => "") }
    }
    const own = { channel: builtin.source.channel as string, provider: builtin.source.provider as string }
    for (const [flag, value, expected] of [["--channel", given.channel, own.channel], ["--provider", given.provider, own.provider]] as const) {
      if (Option.isSome(value) && value.value !== expected) {
        return yield* usage(`${flag} ${sanitize(value.value, 40)}: ${type}'s source is ${own.channel}/${own.provider} (leave ${flag} out)`)
      }
    }
    return own
  })

const cursorOption = Options.text("cursor").pipe(
  Options.withPseudoName("json"),
  Options.withDescription("the new cursor, a JSON object (at most 16 KiB compact, nesting at most 16), e.g. '{\"last_update_id\":42}'"),
  Options.mapEffect((text) => Either.mapLeft(parseCursor(text), (problem) => ValidationError.invalidValue(HelpDoc.p(problem))))
)

const yes = Options.boolean("yes").pipe(
  Options.withDescription("do not ask for confirmation on a terminal (piped or scripted runs never ask)")
)

const WARNING = "a running connector overwrites this cursor with its next accepted batch: stop it first " +
  "(a hosted connector: stop the hubs that host it, or set the cursor while its singleton is stopped)"

const set = Command.make("set", { type: typeArg, endpoint: endpointArg, cursor: cursorOption, channel, provider, yes, json }, (o) =>
  Effect.gen(function*() {
    const type = yield* decodeOr(ConnectorType, o.type, "connector type")
    const source = yield* sourceOf(type, o)
    const key = yield* decodeOr(CheckpointKey, { connector_type: type, source: { ...source, endpoint_identity: o.endpoint } }, "checkpoint")
    const name = singletonName({ _tag: "Connector", connectorType: key.connector_type, endpointIdentity: key.source.endpoint_identity })
    const sql = yield* SqlClient.SqlClient
    const last = yield* guard(sql<{ runner: string; started_at: Date }>`SELECT runner, started_at FROM switchboard_singletons WHERE name = ${name}`)
    const where = last[0] === undefined ? "" : `; it last started on runner ${sanitize(last[0].runner, 80)} at ${last[0].started_at.toISOString()}`
    yield* Console.error(`switchboard checkpoints: ${WARNING}${where}`)
    if (!o.yes && process.stdin.isTTY === true && process.stdout.isTTY === true) {
      // A plain question (no colour, NO_COLOR or not); only "y" or "yes" replaces.
      yield* Console.error(`replace the cursor of ${sanitize(describeKey(key), 400)}? [y/N]`)
      const answer = yield* Pasted.readLine(64).pipe(Effect.orElseSucceed(() => ""))
      if (!/^\s*y(es)?\s*$/i.test(answer)) return yield* new CheckpointSetDeclined({ message: "not confirmed: the checkpoint is unchanged" })
    }
    const checkpoints = yield* ConnectorCheckpoints
    const previous = yield* checkpoints.get(key)
    const stored = yield* checkpoints.set({ input: { ...key, cursor: o.cursor }, by: "cli" })
    if (o.json) return yield* Console.log(safeJson({ previous: Option.getOrNull(previous), checkpoint: stored }, 2))
    yield* Console.log([
      `set ${sanitize(describeKey(stored), 400)} (commit ${stored.commits}, by cli)`,
      `previous cursor: ${Option.match(previous, { onNone: () => "none (no checkpoint yet)", onSome: (p: StoredCheckpoint) => safeJson(p.cursor) })}`,
      `new cursor:      ${safeJson(stored.cursor)}`
    ].join("\n"))
  })).pipe(Command.withDescription(Help.describe("replace a connector's hub-held cursor (updated_by cli)", {
    details: [
      "The channel and provider are the built-in type's own (telegram: telegram/telegram, sandbox: sandbox/sandbox, " +
      "gmail: email/gmail); any other type needs --channel and --provider. A cursor that is not a JSON object, larger " +
      "than 16 KiB, nested deeper than 16 or not storable is refused (exit 2) and nothing is stored.",
      "Prints the previous and the new cursor. A running connector overwrites the cursor with its next accepted batch: " +
      "stop it first (for a hosted connector, stop the hubs that host it). On a terminal it asks before replacing " +
      "unless --yes is given; piped or scripted runs do not ask."
    ],
    examples: [
      "switchboard checkpoints set telegram butler_bot --cursor '{\"last_update_id\":42}'",
      "switchboard checkpoints set crm-sync acme --channel api --provider internal --cursor '{\"page\":\"p7\"}' --yes"
    ]
  })))

export const checkpointsCommand = Command.make("checkpoints").pipe(
  Command.withDescription(Help.describe("hub-held connector checkpoints: list, show, set", {
    details: [
      "Cursors that hosted connectors (and connectors with CONNECTOR_CURSOR_STORE=hub) commit to the hub together " +
      "with the batch they move past; a connector process with CONNECTOR_CURSOR_PATH keeps its own file."
    ],
    examples: ["switchboard checkpoints list", "switchboard checkpoints show telegram butler_bot"]
  })),
  Command.withSubcommands([list, show, set])
)

/** What the checkpoints commands need on top of the database. */
export const layer = Lazy.layer(
  Effect.map(Lazy.load(() => import("../../layers/ConnectorCheckpoints/PgConnectorCheckpoints.js")), (m) => m.layer)
)
