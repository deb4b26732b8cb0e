/** `switchboard connector <type>`: one source connector as its own process, until SIGINT/SIGTERM. */
import { Args, Command, HelpDoc, ValidationError } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import * as Help from "./Help.js"
import * as Lazy from "./Lazy.js"
import { resubmitCommand } from "./ResubmitCommand.js"

/**
 * The built-in types with a source face (src/connectors/Registry.ts `types`, which test/build pins to
 * this list): written out so that reading the command line does not load every connector.
 */
export const types: ReadonlyArray<string> = ["gmail", "sandbox", "telegram"]

// Optional only so that `connector resubmit …` parses (@effect/cli reads the parent's args first); one of the two is required.
const type = Args.choice(types.map((t) => [t, t] as const), { name: "type" }).pipe(
  Args.withDescription("the connector to run (required unless the command is resubmit)"),
  Args.optional
)

const noType = Console.error(`switchboard connector: name a connector type (${types.join(", ")}) or "resubmit"; see --help`).pipe(
  Effect.zipRight(Effect.fail(ValidationError.missingValue(HelpDoc.p("connector type missing"))))
)

export const connectorCommand = Command.make("connector", { type }, ({ type }) =>
  Effect.gen(function*() {
    if (Option.isNone(type)) return yield* noType
    const host = yield* Lazy.load(() => import("../../layers/Connectors/ConnectorHostLive.js"))
    const source = yield* host.lookup(type.value)
    return yield* Layer.launch(host.processLayer(type.value, source))
  })).pipe(
    Command.withDescription(Help.describe("run one source connector, submitting to the hub over RPC", {
      details: [
        "SIGINT/SIGTERM finish the current batch, save the checkpoint and exit 0. Logs: JSON lines on stderr, " +
        "or lines for people when stderr is a terminal (SWITCHBOARD_LOG_FORMAT=json|pretty chooses).",
        "Environment: SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN, CONNECTOR_ENDPOINT_IDENTITY (required); CONNECTOR_CURSOR_STORE " +
        "(file: the checkpoint in CONNECTOR_CURSOR_PATH, required then; hub: held by the hub, committed with each batch, seeded " +
        "once from CONNECTOR_CURSOR_PATH when that is set); " +
        "CONNECTOR_PROVIDER, CONNECTOR_CHANNEL (optional, must be the connector's own when set); CONNECTOR_POLL_INTERVAL_S (1), " +
        "CONNECTOR_MAX_INFLIGHT (8), CONNECTOR_HEARTBEAT_INTERVAL_S (120, 30-300), CONNECTOR_HEARTBEAT_ENABLED (true), " +
        "CONNECTOR_DEAD_LETTER_PATH (<cursor path>.dead-letter.ndjson, else ./dead-letters/<type>.ndjson), CONNECTOR_SHUTDOWN_GRACE_S (30), " +
        "CONNECTOR_WEBHOOK_URL, CONNECTOR_BLOB_STORE_DIR (.blobs), CONNECTOR_HTTP_PORT (off; when set, GET /health and " +
        "GET /metrics for a process supervisor, e.g. 9464) and CONNECTOR_HTTP_HOST (127.0.0.1).",
        "Per type: BUTLER_TELEGRAM_TOKEN (telegram); SANDBOX_* (sandbox: RATE_PER_S, TOTAL, BATCH_SIZE, LATENCY_MS, " +
        "TRANSIENT_RATE, RATE_LIMITED_RATE, RETRY_AFTER_S, UNAUTHORIZED_RATE, SKIP_EVERY, INVALID_EVERY); GMAIL_* (gmail: " +
        "POLL_INTERVAL_S (60), LABEL_INCLUDE, LABEL_EXCLUDE (SPAM,TRASH,DRAFT,SENT), API_BASE_URL, API_TIMEOUT_S (30)), " +
        "GOOGLE_OAUTH_TOKEN_URL; credentials from the hub over RPC, or GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET / " +
        "GMAIL_REFRESH_TOKEN; push mode GMAIL_PUBSUB_* runs only inside the hub."
      ],
      examples: [
        "SWITCHBOARD_URL=http://127.0.0.1:7400 SWITCHBOARD_API_TOKEN=sw_live_… CONNECTOR_ENDPOINT_IDENTITY=sandbox:demo CONNECTOR_CURSOR_PATH=sandbox.json switchboard connector sandbox"
      ]
    })),
    Command.withSubcommands([resubmitCommand])
  )
