/**
 * `switchboard connectors …` on the local database (DATABASE_URL, or the embedded one under
 * SWITCHBOARD_DATA_DIR): the same registry, resource store and ConnectorOperations the hub uses.
 * Without a token the caller is `local-admin` (role admin, tenant default): whoever can open the
 * database can do anything anyway. With one, the token is verified and its role and tenant apply.
 */
import { Effect, Layer, Option, type Redacted } from "effect"
import * as EmbeddedTuning from "../../layers/Database/EmbeddedTuning.js"
import { DatabaseLive } from "../../layers/DatabaseLive.js"
import { SdkLive } from "../../layers/SdkLive.js"
import * as PgTokenStore from "../../layers/TokenStore/PgTokenStore.js"
import { TokenStore } from "../../services/TokenStore.js"
import { RETRY_AFTER_UNAVAILABLE_S, Unavailable } from "../domain/Errors.js"
import type { Principal } from "../domain/Principal.js"
import { DEFAULT_TENANT } from "../domain/Roles.js"
import * as RegistryAccess from "../sdk/RegistryAccess.js"
import { ConnectorsBackend, type Session } from "./ConnectorsBackend.js"

/** The caller without a token on the local database. */
export const localAdmin: Principal = {
  token_id: "local-admin",
  channel: "*",
  provider: "*",
  endpoint_identity: "*",
  role: "admin",
  tenant: DEFAULT_TENANT
}

const make = Effect.gen(function*() {
  const access = yield* RegistryAccess.make
  const tokens = yield* TokenStore

  const principalOf = (token: Option.Option<Redacted.Redacted<string>>) =>
    Option.match(token, {
      onNone: () => Effect.succeed(localAdmin),
      onSome: (secret) =>
        tokens.verify(secret).pipe(
          Effect.catchTag("TokenStoreUnavailable", (e) =>
            Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })))
        )
    })

  const sessionOf = (who: Principal): Session => ({
    list: access.list(who),
    register: (input) => access.register(who, input),
    setEnabled: (id, enabled) => access.setEnabled(who, id, enabled),
    history: (id) => access.history(who, id),
    exportJsonl: access.exportJsonl(who),
    importJsonl: (text) => access.importJsonl(who, text),
    run: (id, operation) => access.run(who, id, operation)
  })

  return ConnectorsBackend.of({
    where: "local database",
    as: (token) => Effect.map(principalOf(token), sessionOf)
  })
})

/** The local backend over the configured database (migrated first; an embedded one tuned for a command). */
export const layer = Layer.effect(ConnectorsBackend, make).pipe(
  Layer.provide(Layer.mergeAll(SdkLive, PgTokenStore.layer)),
  Layer.provide(DatabaseLive.pipe(Layer.provide(Layer.succeed(EmbeddedTuning.EmbeddedTuning, EmbeddedTuning.command))))
)
