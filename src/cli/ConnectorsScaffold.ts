/**
 * `switchboard connectors scaffold <id>`: writes `<id>.ts`, a complete connector in one file (its
 * definition and a Resources face over the host's ResourceStore, naming services only), and
 * `<id>.test.ts`, which runs it over the in-memory store. Imports point at this checkout, relative to
 * the target folder. Existing files are never overwritten.
 */
import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import * as NodePath from "node:path"
import { packageRoot } from "../PackageRoot.js"
import { idProblem } from "../sdk/RegistryInput.js"
import { ConnectorsUsage } from "./ConnectorsBackend.js"
import connectorTemplate from "./ConnectorsScaffoldTemplate.js"
import testTemplate from "./ConnectorsScaffoldTest.js"

/** The root of this checkout. */
const repoRoot = packageRoot

/** `crm-notes` → `CRM_NOTES` (the connector's environment variable prefix). */
const envPrefixOf = (id: string) => id.toUpperCase().replace(/-/g, "_")

const importRootOf = (dir: string) => {
  const relative = NodePath.relative(dir, repoRoot).split(NodePath.sep).join("/")
  return relative === "" ? "." : relative.startsWith(".") ? relative : `./${relative}`
}

/** The two files' text for `id`, importing the SDK from `importRoot` (a relative path to the checkout). */
export const render = (id: string, importRoot: string) => {
  const fill = (template: string) =>
    template.replaceAll("__ID__", id).replaceAll("__ENV__", envPrefixOf(id)).replaceAll("__ROOT__", importRoot)
  return { connector: fill(connectorTemplate), test: fill(testTemplate) }
}

/** Writes `<dir>/<id>.ts` and `<dir>/<id>.test.ts`; answers their paths. */
export const write = (id: string, dir: string) =>
  Effect.gen(function*() {
    const problem = idProblem(id)
    if (problem !== undefined) return yield* new ConnectorsUsage({ message: `scaffold: ${problem}` })
    const fs = yield* FileSystem.FileSystem
    const target = NodePath.resolve(dir)
    yield* fs.makeDirectory(target, { recursive: true }).pipe(
      Effect.mapError(() => new ConnectorsUsage({ message: `scaffold: cannot create the folder ${target}` }))
    )
    const files = render(id, importRootOf(target))
    const paths = { connector: NodePath.join(target, `${id}.ts`), test: NodePath.join(target, `${id}.test.ts`) }
    for (const path of [paths.connector, paths.test]) {
      if (yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))) {
        return yield* new ConnectorsUsage({ message: `scaffold: ${path} exists; nothing was written` })
      }
    }
    yield* Effect.all([fs.writeFileString(paths.connector, files.connector), fs.writeFileString(paths.test, files.test)]).pipe(
      Effect.mapError((e) => new ConnectorsUsage({ message: `scaffold: cannot write into ${target}: ${e.message}` }))
    )
    return paths
  })
