/**
 * What `npm run conformance -- <id>` runs (scripts/conformance.ts; not part of `npm test`): the suite for
 * the connector CONFORMANCE_CONNECTOR — a built-in by id, or with CONFORMANCE_MODULE the module at that
 * path (or package), loaded and checked by the SDK's loader as the registry would.
 */
import { Effect } from "effect"
import { builtins as registryBuiltins } from "../../src/connectors/Registry.js"
import * as Loader from "../../src/sdk/Loader.js"
import { suite, type Subject } from "./Conformance.suite.js"
import { builtins, genericSource } from "./Harnesses.js"

const id = process.env["CONFORMANCE_CONNECTOR"] ?? ""
const module = process.env["CONFORMANCE_MODULE"]
const exportName = process.env["CONFORMANCE_EXPORT"] ?? "default"

const subjectOf = async (): Promise<Subject> => {
  if (module !== undefined && module !== "") {
    const definition = await Effect.runPromise(
      Loader.load({ connector_id: id, module, class_name: exportName }).pipe(
        Effect.catchAll((e) => Effect.dieMessage(e.message))
      )
    )
    const source = genericSource(definition)
    return source === undefined ? { definition } : { definition, source }
  }
  const known = builtins[id]
  if (known !== undefined) return known
  const builtin = registryBuiltins.find((d) => d.id === id)
  if (builtin === undefined) {
    const ids = [...new Set([...Object.keys(builtins), ...registryBuiltins.map((d) => d.id)])].sort()
    throw new Error(`no built-in connector "${id}" (built-ins: ${ids.join(", ")}); for a module pass --module <path>`)
  }
  return { definition: builtin }
}

suite(await subjectOf())
