/**
 * The Gmail mailbox source as an SDK definition (issue 11): polls history, or in push mode
 * (GMAIL_PUBSUB_ENABLED, hub only) fetches on the Pub/Sub pushes the hub's `POST /gmail/:endpoint/push`
 * receives. Its layer names GmailApi and BlobStore; the host composition, Connectors/GmailLive.ts, provides them (and
 * checks their GMAIL_API_* / GOOGLE_OAUTH_TOKEN_URL / GMAIL_CLIENT_* settings).
 */
import type { BlobStore } from "../../../services/BlobStore.js"
import { type ConfigVariable, defineConnector, type SourceFace, type SourceHost } from "../../../services/ConnectorDefinition.js"
import type { GmailApi } from "../../../services/GmailApi.js"
import * as GmailConnector from "./GmailConnector.js"
import * as GmailLayer from "./GmailLayer.js"
import * as PushConfig from "./PushConfig.js"
import * as PushRoute from "./PushRoute.js"
import { DEFAULT_EXCLUDE, SettingsFromEnv } from "./Settings.js"

/** What the gmail source needs besides what every host gives. */
export type GmailHost = SourceHost | GmailApi | BlobStore

const plain = (name: string, description: string, fallback?: string): ConfigVariable =>
  fallback === undefined
    ? { name, secret: false, required: false, description }
    : { name, secret: false, required: false, description, default: fallback }

const secret = (name: string, description: string): ConfigVariable => ({ name, secret: true, required: false, description })

export const variables: ReadonlyArray<ConfigVariable> = [
  plain("GMAIL_POLL_INTERVAL_S", "seconds between history polls (at least 0.1)", "60"),
  plain("GMAIL_LABEL_INCLUDE", "comma-separated label ids; when set, only messages with one of them are ingested"),
  plain("GMAIL_LABEL_EXCLUDE", "comma-separated label ids whose messages are skipped", DEFAULT_EXCLUDE.join(",")),
  plain("GMAIL_API_BASE_URL", "the Gmail API's base URL", "https://gmail.googleapis.com"),
  plain("GMAIL_API_TIMEOUT_S", "timeout of one Gmail API exchange, 1-600 seconds", "30"),
  plain("GOOGLE_OAUTH_TOKEN_URL", "Google's OAuth token endpoint", "https://oauth2.googleapis.com/token"),
  plain("GMAIL_CLIENT_ID", "OAuth client id (development: with the two below, credentials from the environment)"),
  secret("GMAIL_CLIENT_SECRET", "OAuth client secret (development)"),
  secret("GMAIL_REFRESH_TOKEN", "OAuth refresh token (development; unset: the hub's secret store, over RPC from a process)"),
  plain("GMAIL_PUBSUB_ENABLED", "push mode (hub only): fetch on Pub/Sub pushes instead of polling", "false"),
  plain("GMAIL_PUBSUB_TOPIC", "projects/<project>/topics/<topic> the mailbox's watch publishes to (push mode)"),
  plain("GMAIL_WATCH_RENEW_INTERVAL_S", "seconds between watch renewals (push mode, at least 60)", "86400"),
  secret("GMAIL_PUBSUB_VERIFICATION_TOKEN", "the push endpoint's ?token= (push mode; or GMAIL_PUBSUB_AUDIENCE)"),
  plain("GMAIL_PUBSUB_AUDIENCE", "audience of the push subscription's OIDC token (push mode)"),
  plain("GMAIL_PUBSUB_SERVICE_ACCOUNT", "service account the OIDC token must be from (push mode, optional)"),
  plain("GOOGLE_OIDC_JWKS_URL", "Google's keys for the OIDC token", PushConfig.DEFAULT_JWKS_URL)
]

/** The source face (the host composition gives its layer the services it names). */
export const source = {
  channel: "email",
  provider: "gmail",
  layer: GmailLayer.layer,
  sourceCounters: [...GmailConnector.COUNTERS, ...GmailConnector.SKIP_REASONS.map((r) => `skipped.${r}`), ...GmailConnector.DEGRADATIONS],
  push: [PushRoute.endpoint]
} satisfies SourceFace<GmailHost>

export default defineConnector<GmailHost>({
  id: "gmail",
  description: "Gmail mailboxes: polls (or receives Pub/Sub pushes for) new messages and ingests them",
  config: { variables, settings: SettingsFromEnv },
  source
})
