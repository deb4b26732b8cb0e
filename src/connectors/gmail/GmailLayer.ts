/**
 * The gmail connector as the host runs it: settings checked, the endpoint's mailbox parsed, over the
 * GmailApi and BlobStore it is given (the host composition, Connectors/GmailLive.ts: HTTP with the credentials the host
 * can give, the local blob store); in push mode the watch renewal fiber and the push receiver (hub only),
 * otherwise a best-effort `users.stop` so Google stops pushing to a hub that no longer listens (the rollback).
 */
import { Effect, Layer, Option } from "effect"
import { ConnectorConfig } from "../../../services/ConnectorConfig.js"
import { GmailApi } from "../../../services/GmailApi.js"
import { PushReceivers } from "../../../services/PushReceivers.js"
import { ConnectorStartFailed, SourceConnector } from "../../../services/SourceConnector.js"
import { toSourceError } from "./Errors.js"
import * as GmailConnector from "./GmailConnector.js"
import * as PushConfig from "./PushConfig.js"
import { mailboxOf, SettingsFromEnv } from "./Settings.js"
import * as Watch from "./Watch.js"

const startFailed = (message: string) => new ConnectorStartFailed({ connector: "gmail", message })

/** The connector from ConnectorConfig and the GMAIL_* settings, over the GmailApi and BlobStore provided. */
export const layer = Layer.scoped(
  SourceConnector,
  Effect.gen(function*() {
    const config = yield* ConnectorConfig
    const gmail = yield* SettingsFromEnv
    const mailbox = yield* Option.match(mailboxOf(config.endpointIdentity), {
      onNone: () =>
        startFailed(`CONNECTOR_ENDPOINT_IDENTITY must be gmail:user:<address> for the gmail connector (got "${
          config.endpointIdentity.slice(0, 80)
        }")`),
      onSome: Effect.succeed
    })
    const made = yield* GmailConnector.make({
      endpointIdentity: config.endpointIdentity,
      mailbox,
      settings: gmail,
      concurrency: config.maxInflight
    })
    const api = yield* GmailApi
    if (Option.isSome(gmail.pubsub)) {
      const receivers = yield* Effect.serviceOption(PushReceivers)
      if (Option.isNone(receivers)) {
        return yield* startFailed(
          "push mode (GMAIL_PUBSUB_ENABLED=true) runs inside the hub, which serves POST /gmail/<endpoint>/push: " +
            "set SWITCHBOARD_CONNECTORS=gmail on the hub, or unset GMAIL_PUBSUB_ENABLED to poll"
        )
      }
      const verification = yield* Effect.mapError(PushConfig.FromEnv, (e) => startFailed(String(e)))
      if (!PushConfig.isConfigured(verification)) {
        return yield* startFailed(
          "push mode needs a way to verify Pub/Sub pushes: set GMAIL_PUBSUB_VERIFICATION_TOKEN (the push endpoint's " +
            "?token=) or GMAIL_PUBSUB_AUDIENCE (the OIDC token's audience)"
        )
      }
      yield* receivers.value.register("gmail", config.endpointIdentity, () => made.notified)
      yield* Effect.forkScoped(Watch.loop({
        topic: gmail.pubsub.value.topic,
        labelIds: gmail.labelInclude,
        renewInterval: gmail.pubsub.value.renewInterval,
        count: (name) => made.count(name)
      }))
    } else {
      yield* Effect.forkScoped(api.stop.pipe(
        Effect.catchAll((e) => Effect.logDebug(`users.stop before polling did not succeed: ${toSourceError(e).message}`))
      ))
    }
    return made.connector
  }).pipe(Effect.annotateLogs({ connector: "gmail" }))
)

