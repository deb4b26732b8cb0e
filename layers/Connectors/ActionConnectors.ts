/**
 * The action connectors as hosts run them: the definitions of src/connectors/actions with their
 * ActionProviders chosen — the HTTP providers of layers/Actions over the host's HttpClient, from the
 * provider variables (read when the face is built; an unset connector is NotConfigured, a bad value
 * such as a service-account key that does not parse fails the start, naming the variable).
 */
import { Effect, Layer } from "effect"
import { ActionProviders } from "../../services/ActionProviders.js"
import type { ActionsFace, ConnectorDefinition, SourceHost } from "../../services/ConnectorDefinition.js"
import { ConnectorStartFailed } from "../../services/SourceConnector.js"
import type { ActionsHost } from "../../src/connectors/actions/ActionsFace.js"
import * as Definitions from "../../src/connectors/actions/Definitions.js"
import * as ProvidersLive from "../Actions/ProvidersLive.js"

/** The providers over the host's HTTP client. */
const ProvidersFromHost = (connector: string) =>
  Layer.effect(
    ActionProviders,
    ProvidersLive.make.pipe(
      Effect.catchTag("ServiceAccountInvalid", (e) => Effect.fail(new ConnectorStartFailed({ connector, message: e.message })))
    )
  )

/** An actions face with its providers provided: it needs only what every host gives (ResourceHost). */
export const runnable = (connector: string, face: ActionsFace<ActionsHost>): ActionsFace => ({
  layer: face.layer.pipe(Layer.provide(ProvidersFromHost(connector)))
})

const withProviders = (definition: ConnectorDefinition<SourceHost, ActionsHost>): ConnectorDefinition => {
  const { actions, ...rest } = definition
  return actions === undefined ? rest : { ...rest, actions: runnable(definition.id, actions) }
}

export const slack = withProviders(Definitions.slack)
export const notion = withProviders(Definitions.notion)
export const sheets = withProviders(Definitions.sheets)
export const email = withProviders(Definitions.email)

/** The four action-only connectors, ready to run. */
export const definitions: ReadonlyArray<ConnectorDefinition> = [slack, notion, sheets, email]
