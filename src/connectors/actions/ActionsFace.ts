/**
 * The Actions face of the hub's outbound action connectors (issue 11 over issue 10): each action of a
 * connector wraps its provider slot (services/ActionProviders.ts) — one attempt, no retries (the caller's
 * policy retries a transient ConnectorUnavailable). A bad body or a provider's refusal is ResourceInvalid,
 * a provider that may accept later is ConnectorUnavailable{transient: true}, an unset connector is
 * ConnectorUnavailable{transient: false} naming the variables it lacks. No payload value is ever echoed.
 */
import { Effect, Layer, ParseResult, Schema } from "effect"
import { ActionProviders, type ProviderFailure, type ProviderSlot } from "../../../services/ActionProviders.js"
import { type ConnectorAction, ConnectorActions } from "../../../services/ConnectorActions.js"
import type { ActionsFace, ResourceHost } from "../../../services/ConnectorDefinition.js"
import {
  type ActionName,
  type Connector,
  connectorOf,
  EmailSend,
  NotionCreate,
  SheetsAppend,
  SlackSend,
  TelegramSend
} from "../../domain/ActionCatalog.js"
import { ConnectorUnavailable, ResourceInvalid } from "../../domain/ConnectorErrors.js"
import type { Issue } from "../../domain/Errors.js"

/** What an action connector's face needs: the host's services and the provider slots (layers/Connectors provides them). */
export type ActionsHost = ResourceHost | ActionProviders

const pathOf = (path: ReadonlyArray<PropertyKey>) => path.map(String).join(".")

/** Every bad path of a body, with the schema's own message (never the value). */
const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<Issue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({ path: pathOf(i.path), message: i.message }))

const invalid = (action: string, issues: ReadonlyArray<Issue>) =>
  new ResourceInvalid({ message: `${action}: the payload is not acceptable (${issues.map((i) => i.path || "body").join(", ")})`, issues })

/** A provider's failure in the SDK's terms: refused → ResourceInvalid (its code only), may work later → transient. */
const mapFailure = (connector: Connector, action: string) => (e: ProviderFailure): ResourceInvalid | ConnectorUnavailable =>
  e._tag === "ProviderRejected"
    ? new ResourceInvalid({
      message: `${action}: ${connector} refused the call (HTTP ${e.status}, ${e.code})`,
      issues: [{ path: "", message: `${connector} answered ${e.code}` }]
    })
    : new ConnectorUnavailable({
      message: `${action}: ${connector} may accept the call later (${e.status === null ? "network" : `HTTP ${e.status}`}, ${e.code})`,
      connector_id: connector,
      transient: true,
      ...(e.retry_after_ms === null ? {} : { retry_after_ms: e.retry_after_ms })
    })

/** The one wrapper every action connector uses: configuration, decode, precheck, one attempt. */
export const wrap = <P, I>(action: ActionName, schema: Schema.Schema<P, I>, slot: ProviderSlot<P>): ConnectorAction => {
  const connector = connectorOf[action]
  const decode = ParseResult.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })
  return {
    name: action,
    payload: Schema.transformOrFail(Schema.Unknown, Schema.Unknown, { strict: false, decode, encode: ParseResult.succeed }),
    invoke: (payload, call) =>
      Effect.gen(function*() {
        if (slot._tag === "NotConfigured") {
          return yield* new ConnectorUnavailable({
            message: `${connector} is not configured on this host: set ${slot.missing.join(", ")}`,
            connector_id: connector,
            transient: false
          })
        }
        const body = yield* Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })(payload).pipe(
          Effect.mapError((e) => invalid(action, issuesOf(e)))
        )
        const problems = slot.precheck(body)
        if (problems.length > 0) return yield* invalid(action, problems)
        const success = yield* slot.attempt(body, { idempotencyKey: call.idempotencyKey }).pipe(
          Effect.mapError(mapFailure(connector, action))
        )
        return success.answer
      }).pipe(Effect.withSpan("ConnectorActions.invoke", { attributes: { action, tenant: call.tenant } }))
  }
}

/** Per connector, its actions over its slot. */
const actionsBy: { readonly [C in Connector]: (p: ActionProviders["Type"]) => ReadonlyArray<ConnectorAction> } = {
  slack: (p) => [wrap("slack.send", SlackSend, p.slack)],
  notion: (p) => [wrap("notion.create", NotionCreate, p.notion)],
  sheets: (p) => [wrap("sheets.append", SheetsAppend, p.sheets)],
  telegram: (p) => [wrap("telegram.send", TelegramSend, p.telegram)],
  email: (p) => [wrap("email.send", EmailSend, p.email)]
}

/** The face of `connector`: its actions over the ActionProviders the host composition provides. */
export const face = (connector: Connector): ActionsFace<ActionsHost> => ({
  layer: Layer.effect(ConnectorActions, Effect.map(ActionProviders, (providers) => ConnectorActions.of({ actions: actionsBy[connector](providers) })))
})
