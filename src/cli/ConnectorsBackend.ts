/**
 * What `switchboard connectors …` talks to: the local database (ConnectorsLocal) or, with
 * SWITCHBOARD_URL, a hub over its HTTP API (ConnectorsRemote). Both answer the same calls with the
 * same typed errors, so the commands and their exit codes do not depend on where they run.
 * The caller is a token from SWITCHBOARD_TOKEN or --token-file; locally, no token means `local-admin`.
 */
import { FileSystem } from "@effect/platform"
import { Config, Context, Data, type Effect, Effect as E, Option, Redacted } from "effect"
import type { OperationError, OperationResult, ResourceOperation } from "../../services/ConnectorOperations.js"
import type { RegisterInput, RegistryEntry, RegistryEvent } from "../../services/ConnectorRegistry.js"
import type { ConnectorUnknown, ResourceInvalid, RoleDenied } from "../domain/ConnectorErrors.js"
import type { Unauthorized, Unavailable } from "../domain/Errors.js"
import type { ImportReport } from "../sdk/RegistryAccess.js"
import { USAGE_TAG } from "./ConnectorsExitCodes.js"

/** The hub answered an error the CLI has no type for (its tag, status and message are kept). */
export class HubRefused extends Data.TaggedError("HubRefused")<{ readonly message: string; readonly status: number; readonly tag: string }> {}

/** The hub at SWITCHBOARD_URL could not be reached, or answered something that is not its API. */
export class HubUnreachable extends Data.TaggedError("HubUnreachable")<{ readonly message: string }> {}

/** A usage problem found after parsing (a flag another flag needs, an unreadable token file); exit code 64. */
export class ConnectorsUsage extends Data.TaggedError(USAGE_TAG)<{ readonly message: string }> {}

export type BackendError =
  | OperationError
  | RoleDenied
  | ResourceInvalid
  | ConnectorUnknown
  | Unauthorized
  | Unavailable
  | HubRefused
  | HubUnreachable

/** The calls of one caller. */
export interface Session {
  readonly list: Effect.Effect<ReadonlyArray<RegistryEntry>, BackendError>
  readonly register: (input: RegisterInput) => Effect.Effect<RegistryEntry, BackendError>
  readonly setEnabled: (id: string, enabled: boolean) => Effect.Effect<RegistryEntry, BackendError>
  readonly history: (id: string) => Effect.Effect<ReadonlyArray<RegistryEvent>, BackendError>
  readonly exportJsonl: Effect.Effect<string, BackendError>
  readonly importJsonl: (text: string) => Effect.Effect<ImportReport, BackendError>
  readonly run: (id: string, operation: ResourceOperation) => Effect.Effect<OperationResult, BackendError>
}

export interface ConnectorsBackendService {
  /** Where the calls go, for messages (`hub http://…`, `local database`). */
  readonly where: string
  /** The session of the caller holding `token` (none: local-admin locally, anonymous on a hub). */
  readonly as: (token: Option.Option<Redacted.Redacted<string>>) => Effect.Effect<Session, BackendError>
}

export class ConnectorsBackend extends Context.Tag("switchboard/cli/ConnectorsBackend")<ConnectorsBackend, ConnectorsBackendService>() {}

/** SWITCHBOARD_URL, when set: the hub to talk to instead of the local database. */
export const HubUrl = Config.option(Config.nonEmptyString("SWITCHBOARD_URL")).pipe(
  Config.map(Option.map((u) => u.replace(/\/+$/, "")))
)

const EnvToken = Config.option(Config.nonEmptyString("SWITCHBOARD_TOKEN"))

/** The caller's token: --token-file (first line) wins over SWITCHBOARD_TOKEN; neither is none. */
export const tokenOf = (tokenFile: Option.Option<string>) =>
  E.gen(function*() {
    if (Option.isSome(tokenFile)) {
      const fs = yield* FileSystem.FileSystem
      const text = yield* fs.readFileString(tokenFile.value).pipe(
        E.mapError(() => new ConnectorsUsage({ message: `--token-file ${tokenFile.value} cannot be read` }))
      )
      const token = text.split("\n")[0]?.trim() ?? ""
      if (token === "") return yield* new ConnectorsUsage({ message: `--token-file ${tokenFile.value} is empty` })
      return Option.some(Redacted.make(token))
    }
    const env = yield* EnvToken.pipe(E.mapError(() => new ConnectorsUsage({ message: "SWITCHBOARD_TOKEN is set but empty" })))
    return Option.map(env, Redacted.make)
  })
