/**
 * SecretStore: the contract against the memory and Postgres stores, and what only encryption at rest
 * can show — the ciphertext in the table, rows moved or sealed under another key, the refusal without a key.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as MemorySecretStore from "../../layers/SecretStore/MemorySecretStore.js"
import * as PgSecretStore from "../../layers/SecretStore/PgSecretStore.js"
import * as SecretsKey from "../../layers/SecretStore/SecretsKey.js"
import { SecretStore } from "../../services/SecretStore.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { freshOwner, suite } from "./SecretStore.suite.js"

const keyOf = (hex: string) => Effect.runSync(SecretsKey.fromConfigured(Redacted.make(hex)))
const key = keyOf(randomBytes(32).toString("hex"))
const otherKey = keyOf(randomBytes(32).toString("hex"))

const storeWith = (k: Option.Option<SecretsKey.SecretsKey>) => PgSecretStore.make(k)

describe("MemorySecretStore", () => {
  suite(it, (effect) => Effect.provide(effect, MemorySecretStore.layer))
})

layer(TestDatabase.layer, { excludeTestServices: true, timeout: 120_000 })("PgSecretStore", (it) => {
  describe("contract", () => {
    suite(it, (effect) => Effect.provide(effect, PgSecretStore.layerWith(Option.some(key))))
  })

  it.effect("the table holds a ciphertext, a 12-byte nonce, a 16-byte tag and the key's fingerprint, never the secret", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* storeWith(Option.some(key))
      const owner = freshOwner("at-rest")
      const secret = "1//0at-rest-refresh-token-that-must-not-appear"
      yield* store.put(owner, "refresh_token", Redacted.make(secret))
      const rows = yield* sql<{ nonce: Uint8Array; ciphertext: Uint8Array; auth_tag: Uint8Array; key_id: string; dump: string }>`
        SELECT nonce, ciphertext, auth_tag, key_id, row_to_json(s)::text AS dump FROM connector_secrets s WHERE owner = ${owner}`
      const row = rows[0]!
      assert.strictEqual(row.nonce.length, 12)
      assert.strictEqual(row.auth_tag.length, 16)
      assert.strictEqual(row.ciphertext.length, Buffer.byteLength(secret))
      assert.strictEqual(row.key_id, key.id)
      assert.notInclude(Buffer.from(row.ciphertext).toString("latin1"), "at-rest-refresh")
      assert.notInclude(row.dump, "at-rest-refresh")
      assert.notInclude(row.dump, Buffer.from(secret).toString("hex"))
      assert.notInclude(row.key_id, Buffer.from(Redacted.value(key.material)).toString("hex").slice(0, 16))
    }))

  it.effect("every write uses a fresh nonce: the same value twice gives two different ciphertexts", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* storeWith(Option.some(key))
      const owner = freshOwner("nonce")
      const read = sql<{ nonce: Uint8Array; ciphertext: Uint8Array }>`SELECT nonce, ciphertext FROM connector_secrets WHERE owner = ${owner}`
      yield* store.put(owner, "refresh_token", Redacted.make("same value"))
      const first = (yield* read)[0]!
      yield* store.put(owner, "refresh_token", Redacted.make("same value"))
      const second = (yield* read)[0]!
      assert.notDeepEqual(Buffer.from(first.nonce), Buffer.from(second.nonce))
      assert.notDeepEqual(Buffer.from(first.ciphertext), Buffer.from(second.ciphertext))
    }))

  it.effect("a ciphertext copied to another owner or name does not decrypt (owner and name are authenticated)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* storeWith(Option.some(key))
      const [alice, mallory] = [freshOwner("alice"), freshOwner("mallory")]
      yield* store.put(alice, "refresh_token", Redacted.make("alice's token"))
      yield* store.put(mallory, "refresh_token", Redacted.make("mallory's token"))
      // Mallory's row gets Alice's sealed value; the same for another name of Alice's.
      yield* sql`UPDATE connector_secrets t SET nonce = s.nonce, ciphertext = s.ciphertext, auth_tag = s.auth_tag
        FROM connector_secrets s WHERE s.owner = ${alice} AND s.name = 'refresh_token' AND t.owner = ${mallory}`
      yield* sql`INSERT INTO connector_secrets (owner, name, nonce, ciphertext, auth_tag, key_id, updated_at)
        SELECT owner, 'client_secret', nonce, ciphertext, auth_tag, key_id, updated_at FROM connector_secrets
        WHERE owner = ${alice} AND name = 'refresh_token'`
      const moved = yield* Effect.flip(store.get(mallory, "refresh_token"))
      assert.deepStrictEqual(moved._tag === "SecretUndecryptable" ? { owner: moved.owner, name: moved.name } : moved, { owner: mallory, name: "refresh_token" })
      const renamed = yield* Effect.flip(store.get(alice, "client_secret"))
      assert.strictEqual(renamed._tag, "SecretUndecryptable")
      assert.deepStrictEqual(Option.map(yield* store.get(alice, "refresh_token"), Redacted.value), Option.some("alice's token"))
    }))

  it.effect("a flipped bit in the ciphertext is SecretUndecryptable, not a defect and not a wrong value", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* storeWith(Option.some(key))
      const owner = freshOwner("tamper")
      yield* store.put(owner, "refresh_token", Redacted.make("tamper me"))
      yield* sql`UPDATE connector_secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE owner = ${owner}`
      const error = yield* Effect.flip(store.get(owner, "refresh_token"))
      assert.strictEqual(error._tag, "SecretUndecryptable")
      assert.notInclude(JSON.stringify(error), "tamper me")
    }))

  it.effect("a row sealed under another key is SecretUndecryptable under this one (the message never holds the value)", () =>
    Effect.gen(function*() {
      const owner = freshOwner("rekey")
      yield* (yield* storeWith(Option.some(otherKey))).put(owner, "refresh_token", Redacted.make("sealed under the other key"))
      const error = yield* Effect.flip((yield* storeWith(Option.some(key))).get(owner, "refresh_token"))
      assert.strictEqual(error._tag, "SecretUndecryptable")
      assert.notInclude(`${String(error)} ${JSON.stringify(error)}`, "sealed under the other key")
      // and the same key id forged onto the row changes nothing: GCM authentication refuses it
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE connector_secrets SET key_id = ${key.id} WHERE owner = ${owner}`
      assert.strictEqual((yield* Effect.flip((yield* storeWith(Option.some(key))).get(owner, "refresh_token")))._tag, "SecretUndecryptable")
    }))

  it.effect("without a key (DATABASE_URL, no SWITCHBOARD_SECRETS_KEY) put refuses, naming the variable, and stores nothing", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const owner = freshOwner("nokey")
      const store = yield* storeWith(Option.none())
      const error = yield* Effect.flip(store.put(owner, "refresh_token", Redacted.make("never stored in clear")))
      assert.strictEqual(error._tag, "SecretStoreUnavailable")
      assert.include(error.message, "SWITCHBOARD_SECRETS_KEY")
      assert.isTrue(PgSecretStore.isKeyMissing(error))
      assert.lengthOf(yield* sql`SELECT 1 FROM connector_secrets WHERE owner = ${owner}`, 0)
      // nothing stored reads as None; a row stored earlier with a key is refused the same way
      assert.isTrue(Option.isNone(yield* store.get(owner, "refresh_token")))
      yield* (yield* storeWith(Option.some(key))).put(owner, "refresh_token", Redacted.make("stored with a key"))
      assert.isTrue(PgSecretStore.isKeyMissing(yield* Effect.flip(store.get(owner, "refresh_token")).pipe(
        Effect.flatMap((e) => e._tag === "SecretStoreUnavailable" ? Effect.succeed(e) : Effect.die(e))
      )))
    }))

  it.effect("the configured layer on DATABASE_URL without the key refuses to store", () =>
    Effect.gen(function*() {
      const store = yield* Effect.provide(SecretStore, PgSecretStore.layer)
      const error = yield* Effect.flip(store.put(freshOwner("layer"), "refresh_token", Redacted.make("x")))
      assert.isTrue(PgSecretStore.isKeyMissing(error))
    }).pipe(
      // the test database is a Postgres server (DatabaseLocation kind "postgres"), as with DATABASE_URL
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
    ))

  it.effect("listOwner lists names and dates, never values, and works without the key", () =>
    Effect.gen(function*() {
      const owner = freshOwner("list")
      const store = yield* storeWith(Option.some(key))
      yield* store.put(owner, "refresh_token", Redacted.make("listed-secret-value"))
      yield* store.put(owner, "client_secret", Redacted.make("listed-secret-value-2"))
      const listed = yield* PgSecretStore.listOwner(owner)
      assert.deepStrictEqual(listed.map((s) => s.name), ["client_secret", "refresh_token"])
      assert.notInclude(JSON.stringify(listed), "listed-secret-value")
      assert.isTrue(listed.every((s) => s.keyId === key.id && !Number.isNaN(Date.parse(s.updatedAt))))
    }))
})
