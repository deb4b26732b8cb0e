/** The `switchboard` command line: the hub, migrations, and the admin commands. */
import { Command } from "@effect/cli"
import { Console, Effect, Layer } from "effect"
import * as Entry from "./Entry.js"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import { HubConfigFromEnv } from "../../services/HubConfig.js"
import * as EmbeddedTuning from "../../layers/Database/EmbeddedTuning.js"
import { tokenCommand } from "./TokenCommand.js"
import * as RollupCommand from "./RollupCommand.js"
import { connectorCommand } from "./ConnectorCommand.js"
import { TelegramCliLive, telegramCommand } from "./TelegramCommand.js"
import { GmailCliLive, gmailCommand } from "./GmailCommand.js"
import { deadLettersCommand, routesCommand, targetsCommand } from "./DeliveryCommands.js"
import { actionsCommand } from "./ActionsCommand.js"
import { connectorsCommand } from "./ConnectorsCommand.js"
import { requestsCommand } from "./RequestsCommand.js"
import { blobsCommand } from "./BlobsCommand.js"
import * as CheckpointsCommand from "./CheckpointsCommand.js"

// The layers below are imported when their command runs (Lazy.ts): reading the command line loads only the tree.
const MigratedLive = Lazy.layer(Effect.map(Lazy.database, (db) => db.DatabaseLive))
/** The database of an admin command: a few queries, then exit (an embedded one gets a small buffer pool). */
const DatabaseLive = MigratedLive.pipe(Layer.provide(Layer.succeed(EmbeddedTuning.EmbeddedTuning, EmbeddedTuning.command)))
const StoresLive = Lazy.layer(Effect.map(Lazy.database, (db) => db.StoresLive))
const DeliveryStoresLive = Lazy.layer(Effect.map(Lazy.load(() => import("../../layers/Delivery/DeliveryLive.js")), (m) => m.StoresLive))
const TargetTesterLive = Lazy.layer(Effect.map(Lazy.load(() => import("../../layers/TargetTester/HttpTargetTester.js")), (m) => m.layer))
const RequestLogLive = Lazy.layer(Effect.map(Lazy.load(() => import("../../layers/RequestLog/PgRequestLog.js")), (m) => m.layer))

const serve = Command.make("serve", {}, () =>
  Effect.gen(function*() {
    const config = yield* HubConfigFromEnv
    const Live = yield* Lazy.load(() => import("../../layers/Live.js"))
    return yield* Layer.launch(Live.hubLayer(config, Live.DatabaseLive))
  })).pipe(
    Command.withDescription(Help.describe("run the hub (REST + RPC + docs) until SIGINT/SIGTERM", {
      details: [
        "Environment: DATABASE_URL (unset: embedded PGlite under SWITCHBOARD_DATA_DIR, default .switchboard), " +
        "SWITCHBOARD_HOST (127.0.0.1), SWITCHBOARD_PORT (7400), SWITCHBOARD_MAX_INFLIGHT (2048), " +
        "SWITCHBOARD_DEV_TOKEN (auto: only on the embedded database; true also prints one on DATABASE_URL), " +
        "SWITCHBOARD_DB_POOL_SIZE (16), SWITCHBOARD_LOG_LEVEL (info: debug|info|warn|error).",
        "Logs: JSON lines on stderr, or lines for people when stderr is a terminal; SWITCHBOARD_LOG_FORMAT=json|pretty chooses."
      ],
      examples: [
        "switchboard serve",
        "DATABASE_URL=postgres://switchboard@db:5432/switchboard SWITCHBOARD_PORT=8080 switchboard serve"
      ]
    }))
  )

const migrate = Command.make("migrate", {}, () => Console.log("database is migrated")).pipe(
  Command.withDescription(Help.describe("apply pending database migrations and exit", {
    details: ["On DATABASE_URL, else the embedded database under SWITCHBOARD_DATA_DIR (default .switchboard). The hub also migrates when it starts."],
    examples: ["switchboard migrate", "DATABASE_URL=postgres://switchboard@db:5432/switchboard switchboard migrate --verbose"]
  })),
  Command.provide(MigratedLive)
)

/** Admin commands share one database connection (and its migrations) per run. */
const admin = Command.make("switchboard").pipe(
  Command.withDescription(Help.describe("message-ingestion hub and connector platform", {
    details: ["Run a command with --help for its options and examples, e.g. switchboard token create --help."],
    examples: ["switchboard serve", "switchboard token create --channel telegram --provider telegram --endpoint telegram:bot:1234", "switchboard requests list --since 24h"]
  })),
  Command.withSubcommands([
    serve,
    migrate,
    connectorCommand,
    telegramCommand.pipe(Command.provide(TelegramCliLive.pipe(Layer.provideMerge(DatabaseLive)))),
    gmailCommand.pipe(Command.provide(GmailCliLive.pipe(Layer.provideMerge(DatabaseLive)))),
    tokenCommand.pipe(Command.provide(StoresLive.pipe(Layer.provideMerge(DatabaseLive)))),
    RollupCommand.rollupCommand.pipe(Command.provide(RollupCommand.layer.pipe(Layer.provide(DatabaseLive)))),
    targetsCommand.pipe(Command.provide(
      Layer.merge(DeliveryStoresLive, TargetTesterLive).pipe(Layer.provideMerge(DatabaseLive))
    )),
    requestsCommand.pipe(Command.provide(
      Layer.merge(RequestLogLive, DeliveryStoresLive).pipe(Layer.provideMerge(DatabaseLive))
    )),
    routesCommand.pipe(Command.provide(DeliveryStoresLive.pipe(Layer.provideMerge(DatabaseLive)))),
    deadLettersCommand.pipe(Command.provide(DeliveryStoresLive.pipe(Layer.provideMerge(DatabaseLive)))),
    actionsCommand,
    connectorsCommand,
    blobsCommand.pipe(Command.provide(DatabaseLive)),
    CheckpointsCommand.checkpointsCommand.pipe(Command.provide(CheckpointsCommand.layer.pipe(Layer.provideMerge(DatabaseLive))))
  ])
)

const cli = Entry.make(admin, { name: "switchboard", version: "0.1.0" })

/** Runs the command line `argv` (node, script, words…): help, usage checks, then the command. */
export const run = cli.run

/** The command tree, for help and for choosing how to log. */
export const tree = cli.tree
