/**
 * `switchboard connectors list|register|enable|disable|test|history|export|import|scaffold` (issue 11):
 * the SDK connector registry and resource operations, on the local database or, with SWITCHBOARD_URL,
 * on that hub over its API. Exit codes: 0 success, 1 error, 2 role denied, 64 usage error.
 */
import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Console, Effect, Either, Layer, Option, Schema, Stream } from "effect"
import * as NodePath from "node:path"
import type { OperationResult, ResourceOperation } from "../../services/ConnectorOperations.js"
import type { RegistryEntry } from "../../services/ConnectorRegistry.js"
import { MAX_IMPORT_BYTES } from "../sdk/RegistryJsonl.js"
import { parseScopes } from "../sdk/RegistryInput.js"
import { ConnectorsBackend, ConnectorsUsage, HubUrl, tokenOf } from "./ConnectorsBackend.js"
import * as ConnectorsScaffold from "./ConnectorsScaffold.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import * as Output from "./Output.js"

/** The local database, or the hub at SWITCHBOARD_URL (each imported only when chosen). */
const BackendLive = Layer.unwrapEffect(
  Effect.flatMap(HubUrl, Option.match({
    onNone: () => Effect.map(Lazy.load(() => import("./ConnectorsLocal.js")), (local) => local.layer),
    onSome: (url) => Effect.map(Lazy.load(() => import("./ConnectorsRemote.js")), (remote) => remote.layer(url))
  }))
)

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of a table"))
const tokenFile = Options.file("token-file").pipe(
  Options.optional,
  Options.withDescription("file holding the token (first line); default SWITCHBOARD_TOKEN; none: local-admin on the local database")
)
const id = Args.text({ name: "ID" }).pipe(Args.withDescription("connector id"))

/** The session of the caller (token from --token-file or SWITCHBOARD_TOKEN). */
const session = (file: Option.Option<string>) =>
  Effect.gen(function*() {
    const backend = yield* ConnectorsBackend
    return yield* backend.as(yield* tokenOf(file))
  })

const entryRow = (e: RegistryEntry) => ({
  id: e.connector_id,
  enabled: e.enabled ? "yes" : "no",
  module: e.module,
  class: e.class_name,
  auth: e.auth_type,
  scopes: e.scopes.join(","),
  updated: e.updated_at
})
const entryColumns = ["id", "enabled", "module", "class", "auth", "scopes", "updated"]

const printEntry = (verb: string, e: RegistryEntry, asJson: boolean) =>
  asJson ? Output.json(e) : Console.log(`${verb} ${e.connector_id}: ${e.module} (export ${e.class_name}), ${e.enabled ? "enabled" : "disabled"}`)

const list = Command.make("list", { json, tokenFile }, (o) =>
  Effect.gen(function*() {
    const entries = yield* (yield* session(o.tokenFile)).list
    yield* o.json ? Output.json(entries) : Output.table(entries.map(entryRow), entryColumns)
  })).pipe(Command.withDescription(Help.describe("list registered connectors and their current state (any role)", {
    examples: ["switchboard connectors list", "SWITCHBOARD_URL=https://hub.example.com switchboard connectors list --token-file viewer.token --json"]
  })))

const register = Command.make(
  "register",
  {
    id: Options.text("id").pipe(Options.withDescription("connector id: 1–40 of a-z 0-9 - _, starting with a letter")),
    module: Options.text("module").pipe(Options.withDescription("./path/to/connector.ts (relative to the working directory) or a package name")),
    className: Options.text("class").pipe(Options.withDescription("the module's export holding the definition (default for export default)")),
    scopes: Options.text("scopes").pipe(Options.withDefault(""), Options.withDescription("comma-separated scopes, e.g. read,write")),
    authType: Options.text("auth-type").pipe(Options.withDefault("env"), Options.withDescription("how it authenticates (default env)")),
    json,
    tokenFile
  },
  (o) =>
    Effect.gen(function*() {
      const entry = yield* (yield* session(o.tokenFile)).register({
        connector_id: o.id,
        module: o.module,
        class_name: o.className,
        auth_type: o.authType,
        scopes: parseScopes(o.scopes)
      })
      yield* printEntry("registered", entry, o.json)
    })
).pipe(Command.withDescription(Help.describe("register (or re-register) a connector module (admin)", {
  examples: ["switchboard connectors register --id crm-notes --module ./connectors/crm-notes.ts --class default --scopes read,write"]
})))

const toggle = (name: "enable" | "disable") =>
  Command.make(name, { id, json, tokenFile }, (o) =>
    Effect.gen(function*() {
      const entry = yield* (yield* session(o.tokenFile)).setEnabled(o.id, name === "enable")
      yield* printEntry(`${name}d`, entry, o.json)
    })).pipe(Command.withDescription(Help.describe(`${name} a connector (admin); a disabled connector is never started`, {
      examples: [`switchboard connectors ${name} crm-notes`]
    })))

const decodePayload = Schema.decodeUnknownEither(Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown })))

const payloadOption = Options.text("payload").pipe(
  Options.withDescription("JSON object: the resource (create), the patch (update) or equality filters (list)"),
  Options.mapEffect((text) =>
    Either.mapLeft(
      decodePayload(text),
      () => ValidationError.invalidValue(HelpDoc.p(`--payload must be a JSON object, e.g. '{"id":"a1","name":"Ada"}'`))
    )
  ),
  Options.optional
)

const operationOf = (o: {
  readonly action: "list" | "get" | "create" | "update" | "delete"
  readonly resourceType: string
  readonly resourceId: Option.Option<string>
  readonly payload: Option.Option<Readonly<Record<string, unknown>>>
  readonly limit: number
  readonly pageToken: Option.Option<string>
}): Effect.Effect<ResourceOperation, ConnectorsUsage> => {
  const type = o.resourceType
  const body = Option.getOrElse(o.payload, () => ({}))
  const needId = Option.match(o.resourceId, {
    onNone: () => Effect.fail(new ConnectorsUsage({ message: `--action ${o.action} needs --resource-id` })),
    onSome: Effect.succeed
  })
  switch (o.action) {
    case "list": {
      const filter: Record<string, string | number | boolean | null> = {}
      for (const [k, v] of Object.entries(body)) {
        if (v !== null && typeof v === "object") {
          return Effect.fail(new ConnectorsUsage({ message: `--payload filter ${k} must be a string, number, boolean or null` }))
        }
        if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") filter[k] = v
      }
      const query = Option.match(o.pageToken, {
        onNone: () => ({ filter, limit: o.limit }),
        onSome: (pageToken) => ({ filter, limit: o.limit, pageToken })
      })
      return Effect.succeed({ _tag: "list", type, query })
    }
    case "create":
      return Effect.succeed({ _tag: "create", type, payload: body })
    case "get":
      return Effect.map(needId, (rid): ResourceOperation => ({ _tag: "get", type, id: rid }))
    case "update":
      return Effect.map(needId, (rid): ResourceOperation => ({ _tag: "update", type, id: rid, patch: body }))
    case "delete":
      return Effect.map(needId, (rid): ResourceOperation => ({ _tag: "delete", type, id: rid }))
  }
}

const printResult = (result: OperationResult, asJson: boolean) => {
  if (asJson) return Output.json(result._tag === "page" ? result.page : result._tag === "resource" ? result.resource : result.result)
  switch (result._tag) {
    case "page":
      return Console.log(
        [...result.page.items.map((r) => JSON.stringify(r)), result.page.next_page_token === undefined ? "" : `next page: --page-token ${result.page.next_page_token}`]
          .filter((l) => l !== "").join("\n") || "(none)"
      )
    case "resource":
      return Console.log(JSON.stringify(result.resource))
    case "write":
      return Console.log(`${result.result.message}\n${JSON.stringify(result.result.resource)}`)
  }
}

const test = Command.make(
  "test",
  {
    id,
    action: Options.choice("action", ["list", "get", "create", "update", "delete"] as const).pipe(Options.withDescription("the resource operation")),
    resourceType: Options.text("resource-type").pipe(Options.withDefault("items"), Options.withDescription("resource type (default items)")),
    resourceId: Options.text("resource-id").pipe(Options.optional, Options.withDescription("resource id (get, update, delete)")),
    payload: payloadOption,
    limit: Options.integer("limit").pipe(Options.withDefault(50), Options.withDescription("page size for list (1–500)")),
    pageToken: Options.text("page-token").pipe(Options.optional, Options.withDescription("next_page_token of a previous list")),
    json,
    tokenFile
  },
  (o) =>
    Effect.gen(function*() {
      const operation = yield* operationOf(o)
      const result = yield* (yield* session(o.tokenFile)).run(o.id, operation)
      yield* printResult(result, o.json)
    })
).pipe(Command.withDescription(Help.describe("run one resource operation on a connector, for the caller's tenant", {
  details: ["Needs the role CONNECTOR_RBAC_ROLE (default operator)."],
  examples: [
    "switchboard connectors test sandbox --action list --limit 10",
    "switchboard connectors test sandbox --action create --payload '{\"id\":\"a1\",\"name\":\"Ada\"}'"
  ]
})))

const history = Command.make("history", { id, json, tokenFile }, (o) =>
  Effect.gen(function*() {
    const events = yield* (yield* session(o.tokenFile)).history(o.id)
    if (o.json) return yield* Output.json(events)
    yield* Output.table(
      events.map((e) => ({
        seq: String(e.seq),
        at: e.at,
        kind: e.kind,
        actor: e.actor,
        changed: e.changed ? "yes" : "no",
        enabled: e.entry.enabled ? "yes" : "no",
        module: e.entry.module,
        scopes: e.entry.scopes.join(",")
      })),
      ["seq", "at", "kind", "actor", "changed", "enabled", "module", "scopes"]
    )
  })).pipe(Command.withDescription(Help.describe("one connector's audit trail: every event, also no-ops (auditor)", {
    examples: ["switchboard connectors history sandbox --json"]
  })))

const exportCommand = Command.make(
  "export",
  { jsonl: Options.boolean("jsonl").pipe(Options.withDescription("JSONL, one entry a line (the only format)")), tokenFile },
  (o) =>
    Effect.gen(function*() {
      const text = yield* (yield* session(o.tokenFile)).exportJsonl
      if (text !== "") yield* Console.log(text.replace(/\n$/, ""))
    })
).pipe(Command.withDescription(Help.describe("write the registry's current state as JSONL (auditor)", {
  details: ["One line per connector: connector_id, module, class_name, enabled, auth_type, scopes, created_at, updated_at."],
  examples: ["switchboard connectors export --jsonl > registry.jsonl"]
})))

const readInput = (file: string) =>
  file === "-"
    ? NodeStream.fromReadable(() => process.stdin, () => new ConnectorsUsage({ message: "cannot read standard input" })).pipe(
      Stream.decodeText(),
      Stream.mkString,
      Effect.filterOrFail((t) => Buffer.byteLength(t) <= MAX_IMPORT_BYTES, () => new ConnectorsUsage({ message: `the input is larger than ${MAX_IMPORT_BYTES} bytes` }))
    )
    : Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const unreadable = () => new ConnectorsUsage({ message: `${file} cannot be read` })
      const info = yield* fs.stat(file).pipe(Effect.mapError(unreadable))
      if (Number(info.size) > MAX_IMPORT_BYTES) return yield* new ConnectorsUsage({ message: `${file} is larger than ${MAX_IMPORT_BYTES} bytes` })
      return yield* fs.readFileString(file).pipe(Effect.mapError(unreadable))
    })

const importCommand = Command.make(
  "import",
  { file: Args.text({ name: "FILE" }).pipe(Args.withDefault("-"), Args.withDescription("JSONL file, or - for standard input")), json, tokenFile },
  (o) =>
    Effect.gen(function*() {
      const text = yield* readInput(o.file)
      const report = yield* (yield* session(o.tokenFile)).importJsonl(text)
      if (o.json) return yield* Output.json(report)
      const kinds = report.appended.map((a) => `${a.kind} ${a.connector_id}`).join(", ")
      yield* Console.log(`imported ${report.lines} lines: ${report.appended.length} events appended${kinds === "" ? "" : ` (${kinds})`}, ${report.unchanged} unchanged`)
    })
).pipe(Command.withDescription(Help.describe("import JSONL as export writes it: an event per changed line (admin)", {
  details: ["Every line is checked before anything is written."],
  examples: ["switchboard connectors import registry.jsonl", "switchboard connectors import - < registry.jsonl"]
})))

const scaffold = Command.make(
  "scaffold",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("the new connector's id")),
    dir: Options.text("dir").pipe(Options.withDefault("."), Options.withDescription("folder to write <id>.ts and <id>.test.ts into"))
  },
  (o) =>
    Effect.gen(function*() {
      const paths = yield* ConnectorsScaffold.write(o.id, o.dir)
      // --module is relative to the working directory, as `register` resolves it.
      const relative = NodePath.relative(process.cwd(), paths.connector)
      const module = relative.startsWith("..") || NodePath.isAbsolute(relative) ? relative : `./${relative}`
      yield* Console.log(`wrote ${paths.connector}\nwrote ${paths.test}\nregister it: switchboard connectors register --id ${o.id} --module ${module} --class default`)
    })
).pipe(Command.withDescription(Help.describe("write a complete connector in one file and its test", {
  details: ["The connector is a Resources face over the ResourceStore; the command prints how to register it."],
  examples: ["switchboard connectors scaffold crm-notes --dir connectors"]
})))

const withBackend = <Name extends string, R, E, A>(command: Command.Command<Name, R | ConnectorsBackend, E, A>) =>
  command.pipe(Command.provide(BackendLive))

export const connectorsCommand = Command.make("connectors").pipe(
  Command.withDescription(Help.describe("SDK connectors: the registry, resource operations and scaffold", {
    details: [
      "With SWITCHBOARD_URL it talks to that hub's API; otherwise to the local database (DATABASE_URL, or the embedded " +
      "one under SWITCHBOARD_DATA_DIR). The caller is the token in SWITCHBOARD_TOKEN or --token-file; on the local " +
      "database no token means local-admin.",
      "Exit codes: 0 success, 1 error, 2 role denied, 64 usage error (unknown flag, missing argument, bad --payload JSON)."
    ],
    examples: ["switchboard connectors list", "switchboard connectors scaffold --help"]
  })),
  Command.withSubcommands([
    withBackend(list),
    withBackend(register),
    withBackend(toggle("enable")),
    withBackend(toggle("disable")),
    withBackend(test),
    withBackend(history),
    withBackend(exportCommand),
    withBackend(importCommand),
    scaffold
  ])
)

