/**
 * SecretStore on Postgres (`connector_secrets`), each value sealed with AES-256-GCM (SecretsKey.ts).
 * Which key: SWITCHBOARD_SECRETS_KEY when set (a bad one fails the start naming it); else on the
 * embedded database the generated `<data dir>/secrets.key`; else (DATABASE_URL without a key) none —
 * the hub still starts, but every `put` (and every `get` of a stored row) fails with
 * SecretStoreUnavailable telling to set SWITCHBOARD_SECRETS_KEY: secrets are never stored unencrypted.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Config, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseLocation } from "../../services/Database.js"
import { SecretStore, SecretStoreUnavailable, SecretUndecryptable } from "../../services/SecretStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"
import * as SecretsKey from "./SecretsKey.js"

interface Row {
  readonly owner: string
  readonly name: string
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly auth_tag: Uint8Array
  readonly key_id: string
  readonly updated_at: Date
}

/** What `gmail credentials show` lists: names and dates, never values. */
export interface StoredSecret {
  readonly name: string
  readonly updatedAt: string
  readonly keyId: string
}

/** The message of every refusal caused by a missing key (isKeyMissing recognises it). */
export const KEY_MISSING_MESSAGE = `no secrets key: set ${SecretsKey.KEY_VARIABLE} (32 bytes as 64 hex characters or base64, ` +
  "e.g. `openssl rand -hex 32`) to store connector secrets on DATABASE_URL; they are never stored unencrypted"

/** Is this refusal the missing key (a configuration problem) rather than the database being away? */
export const isKeyMissing = (e: SecretStoreUnavailable): boolean => e.message === KEY_MISSING_MESSAGE

const guard = SqlFailure.guard((reason) => new SecretStoreUnavailable({ message: `secret store: ${reason}` }))

/** The store under `key` (None: refuses to store, see the module comment). */
export const make = (key: Option.Option<SecretsKey.SecretsKey>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const noKey = new SecretStoreUnavailable({ message: KEY_MISSING_MESSAGE })

    const put = (owner: string, name: string, value: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        if (Option.isNone(key)) return yield* noKey
        const sealed = SecretsKey.seal(key.value, owner, name, value)
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* sql`INSERT INTO connector_secrets (owner, name, nonce, ciphertext, auth_tag, key_id, updated_at)
          VALUES (${owner}, ${name}, ${Buffer.from(sealed.nonce)}, ${Buffer.from(sealed.ciphertext)},
                  ${Buffer.from(sealed.authTag)}, ${sealed.keyId}, ${now})
          ON CONFLICT (owner, name) DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext,
            auth_tag = EXCLUDED.auth_tag, key_id = EXCLUDED.key_id, updated_at = EXCLUDED.updated_at`.pipe(guard)
      }).pipe(Effect.withSpan("SecretStore.put"))

    const get = (owner: string, name: string) =>
      Effect.gen(function*() {
        const rows = yield* sql<Row>`SELECT * FROM connector_secrets WHERE owner = ${owner} AND name = ${name}`.pipe(guard)
        const row = rows[0]
        if (row === undefined) return Option.none<Redacted.Redacted<string>>()
        if (Option.isNone(key)) return yield* noKey
        const opened = SecretsKey.open(key.value, owner, name, {
          nonce: row.nonce,
          ciphertext: row.ciphertext,
          authTag: row.auth_tag,
          keyId: row.key_id
        })
        if (Option.isNone(opened)) return yield* new SecretUndecryptable({ owner, name })
        return opened
      }).pipe(Effect.withSpan("SecretStore.get"))

    const remove = (owner: string) =>
      sql<{ readonly name: string }>`DELETE FROM connector_secrets WHERE owner = ${owner} RETURNING name`.pipe(
        Effect.map((rows) => rows.length),
        guard,
        Effect.withSpan("SecretStore.remove")
      )

    return SecretStore.of({ put, get, remove })
  })

/** Names and dates of the secrets of `owner` (no values, no decryption: works without the key). */
export const listOwner = (owner: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Row>`SELECT name, key_id, updated_at FROM connector_secrets WHERE owner = ${owner} ORDER BY name`.pipe(
      Effect.map((rows): ReadonlyArray<StoredSecret> =>
        rows.map((r) => ({ name: r.name, updatedAt: r.updated_at.toISOString(), keyId: r.key_id }))
      ),
      guard
    ))

/** The key the configuration asks for, and one start-up line saying which it is. */
export const KeyConfig = Config.all({
  // `SWITCHBOARD_SECRETS_KEY=` (empty) means unset, as for DATABASE_URL.
  configured: Config.option(Config.string(SecretsKey.KEY_VARIABLE)).pipe(
    Config.map((o) => Option.map(Option.filter(o, (k) => k.trim() !== ""), Redacted.make))
  ),
  dataDir: Config.string("SWITCHBOARD_DATA_DIR").pipe(Config.withDefault(".switchboard"))
})

export const resolveKey = Effect.gen(function*() {
  const { configured, dataDir } = yield* KeyConfig
  const location = yield* DatabaseLocation
  const key = Option.isSome(configured)
    ? Option.some(yield* SecretsKey.fromConfigured(configured.value))
    : location.kind === "embedded"
    ? Option.some(yield* SecretsKey.embedded(dataDir))
    : Option.none()
  yield* Option.match(key, {
    // Info, not a warning: a hub without Gmail needs no key; storing a secret is what fails, naming the variable.
    onNone: () => Effect.logInfo(`secret store: ${SecretsKey.KEY_VARIABLE} is not set; connector secrets cannot be stored`),
    onSome: (k) => Effect.logDebug(`secret store: key ${k.id} from ${k.source}`)
  })
  return key
})

/** The store over the given key (tests). */
export const layerWith = (key: Option.Option<SecretsKey.SecretsKey>) => Layer.effect(SecretStore, make(key))

/** The store with the configured key (see the module comment). */
export const layer = Layer.unwrapEffect(Effect.map(resolveKey, layerWith))
