/**
 * Implementations imported when a command runs, not when the command line is read: the command tree
 * (help, usage checks) stays small, and a command loads only the layers it builds (`token list` the
 * database, never the hub). In the build each `import()` is a split point (scripts/build.mjs); under
 * tsx and vitest it is an ordinary dynamic import.
 */
import { Effect, Layer } from "effect"

/** The module `importer` answers, imported when the effect runs. One that cannot be imported is a broken install: a defect. */
export const load = <M>(importer: () => Promise<M>): Effect.Effect<M> => Effect.orDie(Effect.tryPromise(importer))

/** The layer `make` answers (from what it imported), run only when the layer is built. */
export const layer = <ROut, E, RIn, E2>(make: Effect.Effect<Layer.Layer<ROut, E, RIn>, E2>): Layer.Layer<ROut, E | E2, RIn> =>
  Layer.unwrapEffect(make)

/** The migrated database and the stores over it (layers/DatabaseLive.ts). */
export const database = load(() => import("../../layers/DatabaseLive.js"))

/** NodeHttpClient.layerUndici (undici is most of the HTTP client's code), imported when a command makes HTTP calls. */
export const HttpClientLive = layer(Effect.map(load(() => import("@effect/platform-node/NodeHttpClient")), (m) => m.layerUndici))
