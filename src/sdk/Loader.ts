/**
 * Dynamic loading of a registered connector module (issue 11): a path relative to the process's
 * working directory (`./my-connector.ts`) or an absolute path, resolved to a file URL, or a package name
 * (resolved from the hub's own node_modules). A TypeScript module works everywhere: from the sources the
 * process already runs under tsx (or vitest); from the build (scripts/build.mjs) tsx's ES module loader
 * is registered once, before the first `.ts` import. The named export (`default` for `export default`)
 * is checked against the SDK's schema; every failure is a ConnectorLoadFailed whose message says
 * exactly what is wrong.
 */
import { Effect, Either } from "effect"
import * as NodePath from "node:path"
import { pathToFileURL } from "node:url"
import { ConnectorLoadFailed } from "../domain/ConnectorErrors.js"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import * as DefinitionSchema from "./DefinitionSchema.js"
import { isPath } from "./RegistryInput.js"

export interface ModuleRef {
  /** The registered id; the definition's own id must equal it. */
  readonly connector_id: string
  readonly module: string
  readonly class_name: string
}

const MAX_REASON_CHARS = 300

/** The first line of whatever an import threw, cut short (a stack or source excerpt says nothing more here). */
const reasonOf = (cause: unknown): string => {
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
  const line = text.split("\n")[0] ?? ""
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line
}

/** What `import()` is given for a module: a file URL for a path (against `cwd`), the name itself for a package. */
export const specifierOf = (module: string, cwd: string): string =>
  isPath(module) ? pathToFileURL(NodePath.resolve(cwd, module)).href : module

/** This module runs compiled (the build's chunks are `.js`; under tsx or vitest its URL is the `.ts` source). */
const compiled = !import.meta.url.endsWith(".ts")

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/

/** A file URL naming a TypeScript module, which plain Node cannot import. */
export const isTypeScript = (specifier: string): boolean =>
  specifier.startsWith("file:") && TYPESCRIPT.test(new URL(specifier).pathname)

let tsxLoader: Promise<unknown> | undefined

/** tsx's ES module loader, registered for the rest of the process the first time it is needed (later calls wait for the same one). */
const registerTsx = Effect.tryPromise({
  try: () => (tsxLoader ??= import("tsx/esm/api").then((tsx) => tsx.register())),
  catch: (cause) => cause
})

const importModule = (specifier: string) =>
  Effect.zipRight(
    compiled && isTypeScript(specifier) ? registerTsx : Effect.void,
    Effect.tryPromise({
      try: (): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier),
      catch: (cause) => cause
    })
  )

/** Imports `ref.module` (relative to `cwd`) and checks its export `ref.class_name` as a ConnectorDefinition. */
export const load = (ref: ModuleRef, cwd: string = process.cwd()): Effect.Effect<ConnectorDefinition, ConnectorLoadFailed> => {
  const failed = (message: string) =>
    new ConnectorLoadFailed({ message: `connector ${ref.connector_id} (${ref.module}): ${message}`, connector_id: ref.connector_id, module: ref.module })
  return Effect.gen(function*() {
    const loaded = yield* importModule(specifierOf(ref.module, cwd)).pipe(
      Effect.mapError((cause) => failed(`cannot import the module: ${reasonOf(cause)}`))
    )
    if (!Object.hasOwn(loaded, ref.class_name)) {
      const names = Object.keys(loaded).sort()
      return yield* failed(
        `the module has no export named ${ref.class_name} (it exports: ${names.length === 0 ? "nothing" : names.join(", ")})`
      )
    }
    const checked = DefinitionSchema.check(loaded[ref.class_name])
    if (Either.isLeft(checked)) {
      return yield* failed(`export ${ref.class_name} is not a ConnectorDefinition: ${checked.left.join("; ")}`)
    }
    if (checked.right.id !== ref.connector_id) {
      return yield* failed(`export ${ref.class_name} defines connector ${JSON.stringify(checked.right.id)}, not ${JSON.stringify(ref.connector_id)}`)
    }
    return checked.right
  }).pipe(Effect.withSpan("Loader.load", { attributes: { connector: ref.connector_id } }))
}
