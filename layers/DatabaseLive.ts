/**
 * The migrated database and the stores over it. layers/Live.ts builds the hub on these; admin commands
 * import only this module (lazily, src/cli/Lazy.ts), so `token list` does not load the HTTP server,
 * the workers or the connectors.
 */
import { Layer } from "effect"
import * as PgConnectorCheckpoints from "./ConnectorCheckpoints/PgConnectorCheckpoints.js"
import * as Database from "./Database/Database.js"
import * as Migrations from "./Database/Migrations.js"
import * as PgInboxStore from "./InboxStore/PgInboxStore.js"
import * as MemoryPushReceivers from "./PushReceivers/MemoryPushReceivers.js"
import * as PgSecretStore from "./SecretStore/PgSecretStore.js"
import * as PgSourceCounts from "./SourceCounts/PgSourceCounts.js"
import * as PgTelegramWebhookStore from "./TelegramWebhookStore/PgTelegramWebhookStore.js"
import * as PgTokenStore from "./TokenStore/PgTokenStore.js"

/** The configured database (DATABASE_URL or embedded), migrated. */
export const DatabaseLive = Layer.provideMerge(Migrations.layer, Database.layer)

/** Stores over the database. */
export const StoresLive = Layer.mergeAll(
  PgInboxStore.layer,
  PgTokenStore.layer,
  PgTelegramWebhookStore.layer,
  MemoryPushReceivers.layer,
  PgSecretStore.layer,
  PgSourceCounts.layer,
  PgConnectorCheckpoints.layer
)
