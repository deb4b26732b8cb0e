/**
 * Connector secrets held by the hub (Gmail refresh tokens, OAuth client secrets, …): encrypted at rest
 * with AES-256-GCM under SWITCHBOARD_SECRETS_KEY, never logged, never returned by a public API. A
 * secret is named by its owner (`gmail:user:alice@example.com`, or `gmail:client` for the OAuth app)
 * and a name within it (`refresh_token`, `client_secret`, …).
 */
import { Context, type Effect, type Option, type Redacted, Schema } from "effect"

/** The store cannot be used now (database down) — or cannot be used at all (no key: `reason` says). */
export class SecretStoreUnavailable extends Schema.TaggedError<SecretStoreUnavailable>()("SecretStoreUnavailable", {
  message: Schema.String
}) {}

/** A stored secret cannot be decrypted with the current key (a different SWITCHBOARD_SECRETS_KEY, or tampering). */
export class SecretUndecryptable extends Schema.TaggedError<SecretUndecryptable>()("SecretUndecryptable", {
  owner: Schema.String,
  name: Schema.String
}) {}

export interface SecretStoreService {
  /** Stores (or replaces) one secret. */
  readonly put: (owner: string, name: string, value: Redacted.Redacted<string>) => Effect.Effect<void, SecretStoreUnavailable>
  /** One secret, if stored. */
  readonly get: (
    owner: string,
    name: string
  ) => Effect.Effect<Option.Option<Redacted.Redacted<string>>, SecretStoreUnavailable | SecretUndecryptable>
  /** Removes every secret of `owner`; answers how many were removed. */
  readonly remove: (owner: string) => Effect.Effect<number, SecretStoreUnavailable>
}

export class SecretStore extends Context.Tag("switchboard/SecretStore")<SecretStore, SecretStoreService>() {}
