/**
 * What the connector registry accepts (issue 11), checked before anything is stored: the id, module,
 * class, auth type and scopes of a register or configure call, and the lines of an import. Every
 * problem is reported at once, each naming its path (`scopes[2]`, `module`).
 */
import { Effect } from "effect"
import { ResourceInvalid } from "../domain/ConnectorErrors.js"
import type { ConfigurePatch, RegisterInput } from "../../services/ConnectorRegistry.js"

/** A connector id: 1–40 of a-z 0-9 - _, starting with a letter. */
export const CONNECTOR_ID_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/
/** The module of a connector the hub ships (`builtin:sandbox`). */
export const BUILTIN_PREFIX = "builtin:"
export const MAX_MODULE_CHARS = 512
export const MAX_SCOPES = 16
const CLASS_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/
const AUTH_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/
const SCOPE_PATTERN = /^[a-z][a-z0-9_.:-]{0,39}$/
/** An npm package name, optionally with a subpath (`@acme/connectors/crm`). */
const PACKAGE_PATTERN = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(\/[A-Za-z0-9._~-]+)*$/
const CONTROL = /[\u0000-\u001f\u007f]/

export interface Issue {
  readonly path: string
  readonly message: string
}

const quoted = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)

export const idProblem = (id: string): string | undefined =>
  CONNECTOR_ID_PATTERN.test(id) ? undefined : `${quoted(id)} is not a connector id (1–40 of a-z 0-9 - _, starting with a letter)`

/** Is this module a path (relative to the working directory, or absolute) rather than a package name? */
export const isPath = (module: string): boolean =>
  module.startsWith("./") || module.startsWith("../") || module.startsWith("/")

const moduleProblem = (module: string, builtinIds: ReadonlySet<string>): string | undefined => {
  if (module.length === 0 || module.length > MAX_MODULE_CHARS) return `must be 1–${MAX_MODULE_CHARS} characters`
  if (CONTROL.test(module)) return "must not contain control characters"
  if (module.startsWith(BUILTIN_PREFIX)) {
    const id = module.slice(BUILTIN_PREFIX.length)
    return builtinIds.has(id)
      ? undefined
      : `${quoted(module)} names no built-in connector (built-ins: ${[...builtinIds].sort().join(", ") || "none"})`
  }
  if (isPath(module)) return undefined
  return PACKAGE_PATTERN.test(module)
    ? undefined
    : `${quoted(module)} is neither a path (./my-connector.ts) nor a package name`
}

const fieldIssues = (
  fields: { readonly module?: string; readonly class_name?: string; readonly auth_type?: string; readonly scopes?: ReadonlyArray<string> },
  builtinIds: ReadonlySet<string>
): Array<Issue> => {
  const issues: Array<Issue> = []
  const add = (path: string, message: string | undefined) => {
    if (message !== undefined) issues.push({ path, message })
  }
  if (fields.module !== undefined) add("module", moduleProblem(fields.module, builtinIds))
  if (fields.class_name !== undefined && !CLASS_PATTERN.test(fields.class_name)) {
    add("class_name", `${quoted(fields.class_name)} is not an export name (a JavaScript identifier, ≤ 100 characters; default for export default)`)
  }
  if (fields.auth_type !== undefined && !AUTH_TYPE_PATTERN.test(fields.auth_type)) {
    add("auth_type", `${quoted(fields.auth_type)} is not an auth type (1–32 of a-z 0-9 - _, starting with a letter, e.g. env)`)
  }
  if (fields.scopes !== undefined) {
    if (fields.scopes.length > MAX_SCOPES) add("scopes", `at most ${MAX_SCOPES} scopes (got ${fields.scopes.length})`)
    const seen = new Set<string>()
    fields.scopes.slice(0, MAX_SCOPES).forEach((scope, i) => {
      if (!SCOPE_PATTERN.test(scope)) add(`scopes[${i}]`, `${quoted(scope)} is not a scope (1–40 of a-z 0-9 _ . : -, starting with a letter)`)
      else if (seen.has(scope)) add(`scopes[${i}]`, `${quoted(scope)} is listed twice`)
      seen.add(scope)
    })
  }
  return issues
}

const invalid = (what: string, issues: ReadonlyArray<Issue>) =>
  new ResourceInvalid({
    message: `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    issues
  })

/** The problems of a register call (empty when it is acceptable). */
export const registerIssues = (input: RegisterInput, builtinIds: ReadonlySet<string>): Array<Issue> => {
  const issues: Array<Issue> = []
  const problem = idProblem(input.connector_id)
  if (problem !== undefined) issues.push({ path: "connector_id", message: problem })
  issues.push(...fieldIssues(input, builtinIds))
  if (input.module.startsWith(BUILTIN_PREFIX) && problem === undefined && input.module !== `${BUILTIN_PREFIX}${input.connector_id}`) {
    issues.push({ path: "module", message: `a built-in module must be registered under its own id (${BUILTIN_PREFIX}${input.connector_id})` })
  }
  return issues
}

export const checkRegister = (input: RegisterInput, builtinIds: ReadonlySet<string>) => {
  const issues = registerIssues(input, builtinIds)
  return issues.length === 0 ? Effect.void : Effect.fail(invalid("invalid connector registration", issues))
}

export const checkConfigure = (patch: ConfigurePatch, builtinIds: ReadonlySet<string>) => {
  const issues = fieldIssues(patch, builtinIds)
  return issues.length === 0 ? Effect.void : Effect.fail(invalid("invalid connector configuration", issues))
}

/** Splits `read,write` into scopes (blank entries dropped). */
export const parseScopes = (text: string): ReadonlyArray<string> =>
  text.split(",").map((s) => s.trim()).filter((s) => s !== "")
