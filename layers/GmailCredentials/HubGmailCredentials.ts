/**
 * GmailCredentials over the hub's `ConnectorCredentials` RPC (NDJSON at POST /rpc) with the connector's
 * own token (SWITCHBOARD_URL, SWITCHBOARD_API_TOKEN, as RpcSwitchboardClient). The client has a protocol
 * instance of its own, so an older hub that does not know the RPC (a protocol Defect) fails only this
 * call. Refusals of the token (401/403/400) are permanent and come back as CredentialsMissing naming
 * the fix; a hub that cannot answer now is CredentialsUnavailable.
 */
import { RpcClient } from "@effect/rpc"
import { Cause, Duration, Effect, Layer, type Redacted } from "effect"
import { ConnectorConfig, SwitchboardTokenConfig, SwitchboardUrlConfig } from "../../services/ConnectorConfig.js"
import { CredentialsMissing, CredentialsUnavailable, GmailCredentials } from "../../services/GmailCredentials.js"
import { ConnectorStartFailed } from "../../services/SourceConnector.js"
import * as Client from "../../src/rpc/Client.js"
import { HubRpcs } from "../../src/rpc/HubRpcs.js"

export interface Options {
  /** Base URL of the hub, e.g. http://127.0.0.1:7400 */
  readonly url: string
  /** The connector's bearer token (role ingest, scoped to email/gmail/<this mailbox>). */
  readonly token: Redacted.Redacted<string>
  /** The mailbox, `gmail:user:<address>`. */
  readonly endpoint: string
  readonly requestTimeout: Duration.Duration
}

const firstLine = (defect: unknown) => Cause.pretty(Cause.die(defect)).split("\n")[0]?.slice(0, 200) ?? "defect"

export const make = (options: Options) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      Layer.merge(Client.protocolLayer(options.url, options.token), Client.authLayer(options.token))
    )
    const hub = yield* Effect.provide(RpcClient.make(HubRpcs), context)
    const endpoint = options.endpoint
    const unavailable = (message: string) => new CredentialsUnavailable({ message })
    const refused = (what: string, message: string) =>
      new CredentialsMissing({ endpoint, message: `the hub refused the credentials request (${what}): ${message}` })

    const get = hub.ConnectorCredentials({ provider: "gmail", endpoint_identity: endpoint }).pipe(
      Effect.map((a) => ({ clientId: a.client_id, clientSecret: a.client_secret, refreshToken: a.refresh_token })),
      Effect.timeoutFail({
        duration: options.requestTimeout,
        onTimeout: () => unavailable(`credentials: no answer from the hub within ${Duration.format(options.requestTimeout)}`)
      }),
      Effect.catchAllDefect((defect) => Effect.fail(unavailable(`credentials: the hub answered a defect (an older hub without the ConnectorCredentials RPC?): ${firstLine(defect)}`))),
      Effect.catchTags({
        RpcClientError: (e) => Effect.fail(unavailable(`credentials: hub unreachable: ${e.message}`)),
        Unavailable: (e) => Effect.fail(unavailable(`credentials: hub unavailable: ${e.message}`)),
        PayloadTooLarge: (e) => Effect.fail(unavailable(`credentials: ${e.message}`)),
        Unauthorized: (e) => Effect.fail(refused("check SWITCHBOARD_API_TOKEN", e.message)),
        Forbidden: (e) => Effect.fail(refused("the token's role or scope", e.message)),
        ValidationError: (e) => Effect.fail(refused("the endpoint identity", e.message))
      }),
      Effect.withSpan("GmailCredentials.get")
    )
    return GmailCredentials.of({ get })
  })

export const defaultTimeout = Duration.seconds(30)

export const layer = (options: Options) => Layer.scoped(GmailCredentials, make(options))

/** SWITCHBOARD_URL + SWITCHBOARD_API_TOKEN, for the mailbox of the connector's ConnectorConfig. */
export const layerConfig = Layer.unwrapEffect(
  Effect.gen(function*() {
    const url = yield* SwitchboardUrlConfig
    const token = yield* SwitchboardTokenConfig
    const { endpointIdentity } = yield* ConnectorConfig
    if (!/^https?:\/\//.test(url)) {
      return yield* new ConnectorStartFailed({ connector: "gmail", message: `SWITCHBOARD_URL must start with http:// or https:// (got ${url})` })
    }
    return layer({ url, token, endpoint: endpointIdentity, requestTimeout: defaultTimeout })
  })
)
