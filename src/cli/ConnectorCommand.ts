/** `switchboard connector <type>`: one source connector as its own process, until SIGINT/SIGTERM. */
import { Args, Command } from "@effect/cli"
import { Effect, Layer } from "effect"
import { lookup, processLayer } from "../../layers/Connectors/ConnectorHostLive.js"
import { types } from "../connectors/Registry.js"

const type = Args.choice(types.map((t) => [t, t] as const), { name: "type" })

export const connectorCommand = Command.make("connector", { type }, ({ type }) =>
  Effect.flatMap(lookup(type), (source) => Layer.launch(processLayer(type, source)))).pipe(
    Command.withDescription(
      [
        "run one source connector, submitting to the hub over RPC; SIGINT/SIGTERM finish the current batch,",
        "save the checkpoint and exit 0. Environment: SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN,",
        "CONNECTOR_ENDPOINT_IDENTITY, CONNECTOR_CURSOR_PATH (required); CONNECTOR_PROVIDER, CONNECTOR_CHANNEL",
        "(optional, must be the connector's own when set); CONNECTOR_POLL_INTERVAL_S (1),",
        "CONNECTOR_MAX_INFLIGHT (8), CONNECTOR_HEARTBEAT_INTERVAL_S (120, 30-300), CONNECTOR_HEARTBEAT_ENABLED (true),",
        "CONNECTOR_DEAD_LETTER_PATH (<cursor>.dead-letter.ndjson), CONNECTOR_SHUTDOWN_GRACE_S (30),",
        "CONNECTOR_WEBHOOK_URL, CONNECTOR_BLOB_STORE_DIR (.blobs), BUTLER_TELEGRAM_TOKEN (telegram),",
        "SANDBOX_* (sandbox: RATE_PER_S, TOTAL, BATCH_SIZE, LATENCY_MS, TRANSIENT_RATE, RATE_LIMITED_RATE,",
        "RETRY_AFTER_S, UNAUTHORIZED_RATE, SKIP_EVERY, INVALID_EVERY), GMAIL_* (gmail: POLL_INTERVAL_S (60),",
        "LABEL_INCLUDE, LABEL_EXCLUDE (SPAM,TRASH,DRAFT,SENT), API_BASE_URL, API_TIMEOUT_S (30); GOOGLE_OAUTH_TOKEN_URL;",
        "credentials from the hub over RPC, or GMAIL_CLIENT_ID / GMAIL_CLIENT_SECRET / GMAIL_REFRESH_TOKEN; push mode",
        "GMAIL_PUBSUB_* runs only inside the hub)."
      ].join(" ")
    )
  )
