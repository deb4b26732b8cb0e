import { assert, describe, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Layer } from "effect"
import * as ActionConnectors from "../../../layers/Connectors/ActionConnectors.js"
import * as TelegramLive from "../../../layers/Connectors/TelegramLive.js"
import { ConnectorActions } from "../../../services/ConnectorActions.js"
import type { ConnectorDefinition } from "../../../services/ConnectorDefinition.js"
import * as Actions from "../../../src/connectors/actions/Definitions.js"
import * as Registry from "../../../src/connectors/Registry.js"
import TelegramDefinition from "../../../src/connectors/telegram/Definition.js"
import { check } from "../../../src/sdk/DefinitionSchema.js"
import { FakeProviders } from "../../actions/support/FakeProviders.js"
import { hostLayer } from "../../conformance/Support.js"
import { type ActionCase, cases, MARKER } from "./Cases.js"

class Fake extends Context.Tag("test/FakeProviders")<Fake, FakeProviders>() {}

const FakeLive = Layer.scoped(Fake, Effect.acquireRelease(Effect.promise(() => FakeProviders.start()), (f) => Effect.promise(f.close)))

const described: ReadonlyArray<ConnectorDefinition<unknown, unknown>> = [...Actions.definitions, TelegramDefinition]
const runnable: ReadonlyArray<ConnectorDefinition> = [...ActionConnectors.definitions, TelegramLive.definition]

const runnableOf = (id: string) => runnable.find((d) => d.id === id)!

/** The names a Config reads, over `env`. */
const namesRead = (definition: ConnectorDefinition<unknown, unknown>, env: Record<string, string>) =>
  Effect.gen(function*() {
    const seen = new Set<string>()
    const provider = ConfigProvider.fromMap(new Map(Object.entries(env))).pipe(
      ConfigProvider.mapInputPath((name) => {
        seen.add(name)
        return name
      })
    )
    yield* Effect.withConfigProvider(definition.config.settings, provider)
    return [...seen].sort()
  })

/** The actions of `definition`'s face built over `env` only (nothing from the process environment). */
const actionsOver = (definition: ConnectorDefinition, env: Record<string, string>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(definition.actions!.layer.pipe(Layer.provide(hostLayer)))
    return Context.get(context, ConnectorActions).actions
  }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const call = { tenant: "t1", idempotencyKey: "k-1" }

const invokeCase = (fake: FakeProviders, c: ActionCase) =>
  Effect.gen(function*() {
    const actions = yield* actionsOver(runnableOf(c.connector), { ...fake.env(), BUTLER_TELEGRAM_TOKEN: "1:x" })
    const action = actions.find((a) => a.name === c.action)!
    return action.invoke(c.payload, call)
  })

describe("action connector definitions", () => {
  layer(FakeLive, { excludeTestServices: true })((it) => {
    it.scoped("every definition (as declared and as hosts run it) passes the SDK's definition check", () =>
      Effect.sync(() => {
        for (const d of [...described, ...runnable]) {
          const result = check(d)
          assert.isTrue(Either.isRight(result), `${d.id}: ${Either.isLeft(result) ? result.left.join("; ") : ""}`)
          assert.isDefined(d.actions, `${d.id} has an actions face`)
        }
        for (const id of ["slack", "notion", "sheets", "email", "telegram"]) {
          assert.isDefined(Registry.builtins.find((d) => d.id === id && d.actions !== undefined), `${id} is a built-in with actions`)
        }
        assert.notInclude(Registry.types, "slack", "an actions-only connector is not a runnable source type")
      }))

    it.scoped("each definition lists exactly the variables its settings read", () =>
      Effect.gen(function*() {
        const fake = yield* Fake
        for (const d of [...described, ...runnable]) {
          const read = yield* namesRead(d, { ...fake.env(), BUTLER_TELEGRAM_TOKEN: "1:x" })
          assert.deepStrictEqual(read, d.config.variables.map((v) => v.name).sort(), d.id)
        }
      }))

    it.scoped("keys, tokens, webhook URLs and the service-account JSON are secrets (with no default); nothing else is", () =>
      Effect.sync(() => {
        for (const d of described) {
          for (const v of d.config.variables) {
            assert.strictEqual(v.secret, /(_KEY|_TOKEN|_JSON|WEBHOOK_URL)$/.test(v.name), `${d.id} ${v.name}`)
            if (v.secret) assert.isUndefined(v.default)
          }
        }
      }))

    it.scoped("each action sends one call to its provider and answers what the provider made", () =>
      Effect.gen(function*() {
        const fake = yield* Fake
        for (const c of cases) {
          const before = fake.callsTo(c.provider).length
          const answer = yield* Effect.flatten(invokeCase(fake, c))
          for (const [k, v] of Object.entries(c.answer)) assert.deepStrictEqual(answer[k], v, `${c.action} ${k}`)
          assert.strictEqual(fake.callsTo(c.provider).length, before + 1, `${c.action}: one call`)
        }
      }))

    it.scoped("a provider's refusal is ResourceInvalid naming its code; no payload value is echoed", () =>
      Effect.gen(function*() {
        const fake = yield* Fake
        for (const c of cases) {
          const invoke = yield* invokeCase(fake, c)
          fake.inject(c.provider, c.rejected)
          const error = yield* Effect.flip(invoke)
          assert.strictEqual(error._tag, "ResourceInvalid", c.action)
          const text = JSON.stringify(error)
          assert.include(text, c.rejectedCode, c.action)
          assert.notInclude(text, MARKER, c.action)
        }
      }))

    it.scoped("a 5xx or 429 is ConnectorUnavailable{transient: true} with the provider's wait", () =>
      Effect.gen(function*() {
        const fake = yield* Fake
        for (const c of cases) {
          const invoke = yield* invokeCase(fake, c)
          fake.inject(c.provider, c.later)
          const error = yield* Effect.flip(invoke)
          assert.strictEqual(error._tag, "ConnectorUnavailable", c.action)
          if (error._tag !== "ConnectorUnavailable") continue
          assert.isTrue(error.transient, c.action)
          assert.strictEqual(error.retry_after_ms, c.laterMs, c.action)
          assert.notInclude(JSON.stringify(error), MARKER, c.action)
        }
      }))

    it.scoped("a bad payload is ResourceInvalid naming the paths, before any call", () =>
      Effect.gen(function*() {
        const fake = yield* Fake
        for (const c of cases) {
          const actions = yield* actionsOver(runnableOf(c.connector), { ...fake.env(), BUTLER_TELEGRAM_TOKEN: "1:x" })
          const action = actions.find((a) => a.name === c.action)!
          const before = fake.calls.length
          const error = yield* Effect.flip(action.invoke({ ...c.payload, unexpected: MARKER }, call))
          assert.strictEqual(error._tag, "ResourceInvalid", c.action)
          if (error._tag === "ResourceInvalid") assert.include(error.issues.map((i) => i.path), "unexpected", c.action)
          assert.notInclude(JSON.stringify(error), MARKER, c.action)
          assert.strictEqual(fake.calls.length, before, `${c.action}: no call`)
        }
      }))

    it.scoped("in an empty environment every action is ConnectorUnavailable{transient: false} naming the variables it lacks", () =>
      Effect.gen(function*() {
        for (const c of cases) {
          const actions = yield* actionsOver(runnableOf(c.connector), {})
          const error = yield* Effect.flip(actions.find((a) => a.name === c.action)!.invoke(c.payload, call))
          assert.strictEqual(error._tag, "ConnectorUnavailable", c.action)
          if (error._tag !== "ConnectorUnavailable") continue
          assert.isFalse(error.transient)
          for (const name of c.missing) assert.include(error.message, name, c.action)
        }
      }))
  })
})
