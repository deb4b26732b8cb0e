/**
 * ConnectorRegistry on Postgres (`connector_definitions`, migration 0063). Every call is one
 * transaction that first takes a transaction-scoped advisory lock on the connector's id, reads the
 * current entry, and appends one event holding the entry after it — also when nothing changed
 * (`changed = false`). Writers of one connector therefore queue: no event is lost and each one follows
 * from the event before it. Built-ins are registered at first start (actor `system`).
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option } from "effect"
import { ConnectorDisabled, ConnectorLoadFailed, ConnectorUnknown } from "../../src/domain/ConnectorErrors.js"
import { RETRY_AFTER_UNAVAILABLE_S, Unavailable } from "../../src/domain/Errors.js"
import * as Loader from "../../src/sdk/Loader.js"
import { BUILTIN_PREFIX, checkConfigure, checkRegister } from "../../src/sdk/RegistryInput.js"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import {
  type ConfigurePatch,
  ConnectorRegistry,
  type RegisterInput,
  type RegistryEntry,
  type RegistryEvent,
  type RegistryEventKind
} from "../../services/ConnectorRegistry.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as Builtins from "./Builtins.js"

/** The first key of the registry's advisory locks (the second is the hash of the connector id). */
const LOCK_CLASS = 63

export interface Options {
  /** The connectors the hub ships, registered at first start. */
  readonly builtins: ReadonlyArray<ConnectorDefinition>
  /** Where registered paths are resolved from (default: the process's working directory). */
  readonly cwd?: string
}

interface EntryRow {
  readonly connector_id: string
  readonly module: string
  readonly class_name: string
  readonly enabled: boolean
  readonly auth_type: string
  readonly scopes: ReadonlyArray<string>
  readonly created_at: Date
  readonly updated_at: Date
}

interface EventRow extends EntryRow {
  readonly seq: string | number
  readonly kind: RegistryEventKind
  readonly actor: string
  readonly at: Date
  readonly changed: boolean
}

const toEntry = (row: EntryRow): RegistryEntry => ({
  connector_id: row.connector_id,
  module: row.module,
  class_name: row.class_name,
  enabled: row.enabled,
  auth_type: row.auth_type,
  scopes: [...row.scopes],
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString()
})

const toEvent = (row: EventRow): RegistryEvent => ({
  seq: Number(row.seq),
  connector_id: row.connector_id,
  kind: row.kind,
  actor: row.actor,
  at: row.at.toISOString(),
  changed: row.changed,
  entry: toEntry(row)
})

/** Same state, ignoring the timestamps. */
const sameState = (a: RegistryEntry, b: RegistryEntry) =>
  a.module === b.module && a.class_name === b.class_name && a.enabled === b.enabled && a.auth_type === b.auth_type &&
  a.scopes.length === b.scopes.length && a.scopes.every((s, i) => s === b.scopes[i])

const unknown = (id: string) =>
  new ConnectorUnknown({ message: `no connector is registered as ${JSON.stringify(id)} (see: switchboard connectors list)`, connector_id: id })

const builtinScopes = (d: ConnectorDefinition) => (d.resources !== undefined || d.actions !== undefined ? ["read", "write"] : ["read"])

export const make = (options: Options) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const guard = SqlFailure.guard((reason) =>
      new Unavailable({ message: `database unavailable: ${reason}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })
    )
    const builtinsById = new Map(options.builtins.map((d) => [d.id, d]))
    const builtinIds: ReadonlySet<string> = new Set(builtinsById.keys())
    const cwd = options.cwd ?? process.cwd()

    const currentRow = (id: string) =>
      sql<EntryRow>`SELECT * FROM connector_definitions_current WHERE connector_id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toEntry))
      )

    /**
     * One event in one transaction under the connector's lock: `decide` sees the current entry and the
     * time, and answers the entry after the event (or fails); the event is appended whether or not it changed anything.
     */
    const append = <E>(
      id: string,
      kind: RegistryEventKind,
      actor: string,
      decide: (previous: Option.Option<RegistryEntry>, at: string) => Effect.Effect<RegistryEntry, E>
    ) =>
      Effect.gen(function*() {
        yield* sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${id}))`
        const previous = yield* currentRow(id)
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        const decided = yield* decide(previous, at)
        const changed = Option.match(previous, { onNone: () => true, onSome: (p) => !sameState(p, decided) })
        const entry = changed ? { ...decided, updated_at: at } : Option.getOrElse(previous, () => decided)
        yield* sql`INSERT INTO connector_definitions (connector_id, kind, actor, at, changed, module, class_name, enabled,
            auth_type, scopes, created_at, updated_at)
          VALUES (${id}, ${kind}, ${actor}, ${at}, ${changed}, ${entry.module}, ${entry.class_name}, ${entry.enabled},
            ${entry.auth_type}, ${[...entry.scopes]}::text[], ${entry.created_at}, ${entry.updated_at})`
        return entry
      }).pipe(sql.withTransaction, guard, Effect.withSpan(`ConnectorRegistry.${kind}`, { attributes: { connector: id } }))

    const register = (input: RegisterInput, actor: string) =>
      Effect.zipRight(
        checkRegister(input, builtinIds),
        append(input.connector_id, "register", actor, (previous, at) =>
          Effect.succeed<RegistryEntry>({
            connector_id: input.connector_id,
            module: input.module,
            class_name: input.class_name,
            enabled: input.enabled ?? Option.match(previous, { onNone: () => true, onSome: (p) => p.enabled }),
            auth_type: input.auth_type,
            scopes: [...input.scopes],
            created_at: Option.match(previous, { onNone: () => at, onSome: (p) => p.created_at }),
            updated_at: at
          }))
      )

    const existing = (id: string, previous: Option.Option<RegistryEntry>) =>
      Option.match(previous, { onNone: () => Effect.fail(unknown(id)), onSome: Effect.succeed })

    const setEnabled = (id: string, enabled: boolean, actor: string) =>
      append(id, enabled ? "enable" : "disable", actor, (previous) =>
        Effect.map(existing(id, previous), (p) => ({ ...p, enabled })))

    const configure = (id: string, patch: ConfigurePatch, actor: string) =>
      Effect.zipRight(
        checkConfigure(patch, builtinIds),
        append(id, "configure", actor, (previous) =>
          Effect.map(existing(id, previous), (p) => ({
            ...p,
            ...(patch.module === undefined ? {} : { module: patch.module }),
            ...(patch.class_name === undefined ? {} : { class_name: patch.class_name }),
            ...(patch.auth_type === undefined ? {} : { auth_type: patch.auth_type }),
            ...(patch.scopes === undefined ? {} : { scopes: [...patch.scopes] })
          }))))

    const current = (id: string) => guard(currentRow(id))

    const list = sql<EntryRow>`SELECT * FROM connector_definitions_current ORDER BY connector_id`.pipe(
      Effect.map((rows) => rows.map(toEntry)),
      guard
    )

    const history = (id: string) =>
      sql<EventRow>`SELECT * FROM connector_definitions WHERE connector_id = ${id} ORDER BY seq`.pipe(
        guard,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(unknown(id)) : Effect.succeed(rows.map(toEvent))))
      )

    /** Definitions imported and checked in this process, by id, module and export. */
    const loaded = new Map<string, ConnectorDefinition>()

    const definitionOf = (entry: RegistryEntry): Effect.Effect<ConnectorDefinition, ConnectorLoadFailed> => {
      if (entry.module.startsWith(BUILTIN_PREFIX)) {
        const builtin = builtinsById.get(entry.module.slice(BUILTIN_PREFIX.length))
        return builtin === undefined
          ? Effect.fail(new ConnectorLoadFailed({
            message: `connector ${entry.connector_id}: this hub has no built-in ${entry.module}`,
            connector_id: entry.connector_id,
            module: entry.module
          }))
          : Effect.succeed(builtin)
      }
      const key = `${entry.connector_id}\u0000${entry.module}\u0000${entry.class_name}`
      const cached = loaded.get(key)
      if (cached !== undefined) return Effect.succeed(cached)
      return Loader.load(entry, cwd).pipe(Effect.tap((definition) => Effect.sync(() => loaded.set(key, definition))))
    }

    const load = (id: string) =>
      Effect.gen(function*() {
        const entry = yield* Effect.flatMap(current(id), (o) => existing(id, o))
        if (!entry.enabled) {
          return yield* new ConnectorDisabled({
            message: `connector ${id} is disabled (switchboard connectors enable ${id})`,
            connector_id: id
          })
        }
        return yield* definitionOf(entry)
      })

    /** Registers a built-in unless its id has any event yet (concurrent first starts register it once). */
    const ensureBuiltin = (definition: ConnectorDefinition) =>
      Effect.gen(function*() {
        yield* sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${definition.id}))`
        if (Option.isSome(yield* currentRow(definition.id))) return
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        yield* sql`INSERT INTO connector_definitions (connector_id, kind, actor, at, changed, module, class_name, enabled,
            auth_type, scopes, created_at, updated_at)
          VALUES (${definition.id}, 'register', 'system', ${at}, true, ${`${BUILTIN_PREFIX}${definition.id}`}, 'default',
            true, 'env', ${builtinScopes(definition)}::text[], ${at}, ${at})`
      }).pipe(sql.withTransaction, guard)

    yield* Effect.forEach(options.builtins, ensureBuiltin, { discard: true })

    return ConnectorRegistry.of({ builtinIds: [...builtinIds].sort(), register, setEnabled, configure, current, list, history, load })
  })

export const layerWith = (options: Options) => Layer.effect(ConnectorRegistry, make(options))

/** The registry with the hub's built-in connectors. */
export const layer = layerWith({ builtins: Builtins.builtins })
