/**
 * `ConnectorCredentials` at `POST /rpc`: a Gmail connector running outside the hub fetches its OAuth app
 * and its mailbox's refresh token with its own token, which must have role ingest or admin and be
 * scoped to channel email, provider gmail and exactly this mailbox (a `*` endpoint is not enough). The
 * secrets travel as strings on the wire and are Redacted on both sides (Schema.Redacted), so they
 * never print. Not offered on `/jsonrpc`.
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Forbidden, PayloadTooLarge, Unavailable, ValidationError } from "../domain/Errors.js"
import { CredentialsMissing, CredentialsUnavailable } from "../../services/GmailCredentials.js"

export const CredentialsRequest = Schema.Struct({
  provider: Schema.Literal("gmail"),
  endpoint_identity: Schema.String
}).annotations({ identifier: "ConnectorCredentialsRequest" })

export const CredentialsAnswer = Schema.Struct({
  client_id: Schema.String,
  client_secret: Schema.Redacted(Schema.String),
  refresh_token: Schema.Redacted(Schema.String)
}).annotations({ identifier: "ConnectorCredentials" })
export type CredentialsAnswer = typeof CredentialsAnswer.Type

export const CredentialsErrors = Schema.Union(
  CredentialsMissing,
  CredentialsUnavailable,
  ValidationError,
  Forbidden,
  Unavailable,
  PayloadTooLarge
)

export class CredentialsRpcs extends RpcGroup.make(
  Rpc.make("ConnectorCredentials", { payload: CredentialsRequest, success: CredentialsAnswer, error: CredentialsErrors })
) {}
