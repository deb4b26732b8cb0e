/**
 * The Actions part of the conformance suite (Conformance.suite.ts): every action names itself once, its
 * payload schema refuses `{}` naming what is wrong, and in an empty environment (nothing from the process's)
 * the connector either refuses to build naming a variable or answers each call ConnectorUnavailable
 * {transient: false} naming the variables it lacks. A built-in's actions layer may name ActionProviders
 * (the hub's HTTP providers): the suite provides them, as the host composition does.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Exit, Layer, ParseResult, Schema } from "effect"
import * as ProvidersLive from "../../layers/Actions/ProvidersLive.js"
import { ActionProviders } from "../../services/ActionProviders.js"
import { ConnectorActions } from "../../services/ConnectorActions.js"
import type { ActionsFace, ConfigVariable } from "../../services/ConnectorDefinition.js"
import type { ActionsHost } from "../../src/connectors/actions/ActionsFace.js"
import { hostLayer } from "./Support.js"

const empty = ConfigProvider.fromMap(new Map())

/** The host of an actions face: what every host gives, and the hub's providers for a layer that names them. */
const actionsHost = Layer.merge(hostLayer, Layer.effect(ActionProviders, ProvidersLive.make).pipe(Layer.provide(hostLayer)))

export const actionsSuite = (face: ActionsFace<ActionsHost>, variables: ReadonlyArray<ConfigVariable>) => {
  const names = variables.map((v) => v.name)
  const namesAny = (text: string) => names.some((n) => text.includes(n))

  describe("actions", () => {
    it.scoped("in an empty environment: every payload schema refuses {} naming what is wrong, every call is ConnectorUnavailable naming a variable", () =>
      Effect.gen(function*() {
        const built = yield* Effect.exit(Layer.build(face.layer.pipe(Layer.provide(actionsHost))))
        if (Exit.isFailure(built)) {
          const text = JSON.stringify(built.cause)
          assert.isTrue(namesAny(text), `the face refused to build without naming a declared variable: ${text.slice(0, 300)}`)
          return
        }
        const { actions } = Context.get(built.value, ConnectorActions)
        assert.isAbove(actions.length, 0, "the face declares actions")
        assert.strictEqual(new Set(actions.map((a) => a.name)).size, actions.length, "action names are unique")
        for (const action of actions) {
          const decoded = Schema.decodeUnknownEither(action.payload)({}, { errors: "all" })
          assert.isTrue(Either.isLeft(decoded), `${action.name} accepts {}`)
          if (Either.isLeft(decoded)) {
            const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
            assert.isAbove(issues.length, 0, `${action.name}: names what is wrong`)
            for (const issue of issues) assert.isAbove(issue.message.length, 0)
          }
          const error = yield* Effect.flip(action.invoke({}, { tenant: "conformance-a", idempotencyKey: "conformance-1" }))
          assert.strictEqual(error._tag, "ConnectorUnavailable", `${action.name} without settings`)
          if (error._tag !== "ConnectorUnavailable") continue
          assert.isFalse(error.transient, `${action.name}: not configured is not transient`)
          assert.isTrue(namesAny(error.message), `${action.name}: "${error.message}" names none of ${names.join(", ")}`)
        }
      }).pipe(Effect.withConfigProvider(empty)))
  })
}
