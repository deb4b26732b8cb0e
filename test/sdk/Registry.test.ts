/** The Postgres connector registry: append-only events, last entry wins, no lost event under concurrent writers. */
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, Option } from "effect"
import * as PgConnectorRegistry from "../../layers/ConnectorRegistry/PgConnectorRegistry.js"
import SandboxDefinition from "../../src/connectors/sandbox/Definition.js"
import { ConnectorRegistry, type RegistryEntry } from "../../services/ConnectorRegistry.js"
import * as TestDatabase from "../support/TestDatabase.js"

const Registry = PgConnectorRegistry.layerWith({ builtins: [SandboxDefinition] })
const Env = Layer.provideMerge(Registry, TestDatabase.layer)

type Op =
  | { readonly _tag: "enable" }
  | { readonly _tag: "disable" }
  | { readonly _tag: "scopes"; readonly scopes: ReadonlyArray<string> }
  | { readonly _tag: "auth"; readonly auth_type: string }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ _tag: "enable" }),
  fc.constant<Op>({ _tag: "disable" }),
  fc.subarray(["read", "write", "admin"], { minLength: 1 }).map((scopes): Op => ({ _tag: "scopes", scopes })),
  fc.constantFrom("env", "oauth").map((auth_type): Op => ({ _tag: "auth", auth_type }))
)

/** The entry `op` should leave behind, from the one before it. */
const apply = (before: RegistryEntry, o: Op): RegistryEntry =>
  o._tag === "enable"
    ? { ...before, enabled: true }
    : o._tag === "disable"
    ? { ...before, enabled: false }
    : o._tag === "scopes"
    ? { ...before, scopes: [...o.scopes] }
    : { ...before, auth_type: o.auth_type }

const state = ({ created_at: _c, updated_at: _u, ...rest }: RegistryEntry) => rest

let run = 0

layer(Env, { excludeTestServices: true, timeout: 120_000 })("connector registry on Postgres", (it) => {
  it.effect("built-ins are registered once at first start, by system, and survive a second start", () =>
    Effect.gen(function*() {
      const registry = yield* ConnectorRegistry
      const history = yield* registry.history("sandbox")
      assert.strictEqual(history.length, 1)
      assert.deepInclude(history[0], { kind: "register", actor: "system", changed: true })
      assert.deepInclude(history[0]!.entry, { module: "builtin:sandbox", class_name: "default", enabled: true })
      yield* Effect.provide(ConnectorRegistry, Registry)
      assert.strictEqual((yield* registry.history("sandbox")).length, 1, "a second start appends nothing")
      assert.strictEqual(yield* registry.load("sandbox"), SandboxDefinition)
    }))

  it.effect.prop(
    "N concurrent writers: N events, seq increasing, each entry = previous + its change, current = the last event",
    [fc.array(op, { minLength: 1, maxLength: 24 })],
    ([ops]) =>
      Effect.gen(function*() {
        const registry = yield* ConnectorRegistry
        const id = `prop-${++run}`
        yield* registry.register({ connector_id: id, module: "./x.ts", class_name: "default", auth_type: "env", scopes: ["read"] }, "tk_setup")
        yield* Effect.forEach(ops, (o, i) => {
          const actor = `tk_${i}`
          return o._tag === "enable" || o._tag === "disable"
            ? registry.setEnabled(id, o._tag === "enable", actor)
            : registry.configure(id, o._tag === "scopes" ? { scopes: o.scopes } : { auth_type: o.auth_type }, actor)
        }, { concurrency: "unbounded", discard: true })

        const events = yield* registry.history(id)
        assert.strictEqual(events.length, ops.length + 1, "no event lost")
        const unused = new Set(ops.map((_, i) => i))
        for (let k = 1; k < events.length; k++) {
          const before = events[k - 1]!
          const event = events[k]!
          assert.isAbove(event.seq, before.seq)
          const i = Number(event.actor.slice(3))
          assert.isTrue(unused.delete(i), `each call appears once (${event.actor})`)
          const expected = apply(before.entry, ops[i]!)
          assert.deepStrictEqual(state(event.entry), state(expected))
          assert.strictEqual(event.changed, JSON.stringify(state(before.entry)) !== JSON.stringify(state(expected)))
          assert.strictEqual(event.entry.updated_at, event.changed ? event.at : before.entry.updated_at)
          assert.strictEqual(event.entry.created_at, events[0]!.entry.created_at)
        }
        const current = yield* registry.current(id)
        assert.deepStrictEqual(current, Option.some(events[events.length - 1]!.entry))
      }),
    { fastCheck: { numRuns: 12 } }
  )

  it.effect("a call that changes nothing is still an event, with its actor", () =>
    Effect.gen(function*() {
      const registry = yield* ConnectorRegistry
      yield* registry.register({ connector_id: "noop", module: "./n.ts", class_name: "Noop", auth_type: "env", scopes: [] }, "tk_a")
      yield* registry.setEnabled("noop", true, "tk_b")
      yield* registry.setEnabled("noop", false, "tk_c")
      yield* registry.setEnabled("noop", false, "tk_d")
      const events = yield* registry.history("noop")
      assert.deepStrictEqual(events.map((e) => [e.kind, e.actor, e.changed]), [
        ["register", "tk_a", true],
        ["enable", "tk_b", false],
        ["disable", "tk_c", true],
        ["disable", "tk_d", false]
      ])
      assert.isFalse((yield* registry.list).find((e) => e.connector_id === "noop")!.enabled)
    }))

  it.effect("the log is append-only in the database itself", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const refused = yield* sql`DELETE FROM connector_definitions WHERE connector_id = 'sandbox'`.pipe(Effect.flip)
      assert.include(String(refused.cause), "append-only")
    }))

  it.effect("bad registrations name every bad path; unknown and disabled connectors are not loaded", () =>
    Effect.gen(function*() {
      const registry = yield* ConnectorRegistry
      const bad = yield* registry.register(
        { connector_id: "9lives", module: "not a module!", class_name: "1x", auth_type: "Env", scopes: ["read", "read"] },
        "tk_x"
      ).pipe(Effect.flip)
      assert.strictEqual(bad._tag, "ResourceInvalid")
      if (bad._tag === "ResourceInvalid") {
        assert.deepStrictEqual(bad.issues.map((i) => i.path), ["connector_id", "module", "class_name", "auth_type", "scopes[1]"])
      }
      const builtin = yield* registry.register(
        { connector_id: "mine", module: "builtin:nope", class_name: "default", auth_type: "env", scopes: [] },
        "tk_x"
      ).pipe(Effect.flip)
      assert.include(builtin.message, "names no built-in connector (built-ins: sandbox)")
      assert.strictEqual((yield* registry.load("ghost").pipe(Effect.flip))._tag, "ConnectorUnknown")
      assert.strictEqual((yield* registry.setEnabled("ghost", true, "tk_x").pipe(Effect.flip))._tag, "ConnectorUnknown")
      yield* registry.setEnabled("sandbox", false, "tk_x")
      assert.strictEqual((yield* registry.load("sandbox").pipe(Effect.flip))._tag, "ConnectorDisabled")
      yield* registry.setEnabled("sandbox", true, "tk_x")
    }))
})
