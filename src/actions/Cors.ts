/**
 * CORS for the `/actions/*` routes from ALLOWED_ORIGINS (comma-separated origins, or `*`; none by
 * default). An allowed origin is echoed with credentials allowed; `*` answers `*` and never allows
 * credentials; any other cross-origin browser request is refused (403) before it can send anything.
 * A request without Origin (curl, servers) or from the hub's own origin needs no CORS.
 */
import { Config } from "effect"

export interface CorsPolicy {
  readonly origins: ReadonlySet<string>
  readonly any: boolean
}

const normalize = (origin: string) => origin.trim().replace(/\/+$/, "").toLowerCase()

export const PolicyFromEnv: Config.Config<CorsPolicy> = Config.string("ALLOWED_ORIGINS").pipe(
  Config.withDefault(""),
  Config.map((list) => {
    const entries = list.split(",").map(normalize).filter((o) => o !== "")
    return { origins: new Set(entries.filter((o) => o !== "*")), any: entries.includes("*") }
  })
)

export const ALLOW_METHODS = "GET, POST, OPTIONS"
export const ALLOW_HEADERS = "authorization, content-type, idempotency-key"
export const EXPOSE_HEADERS = "idempotent-replayed, retry-after"

/** What to do with a request's Origin: no CORS, these headers, or refuse it. */
export type Decision =
  | { readonly _tag: "None" }
  | { readonly _tag: "Allow"; readonly headers: Readonly<Record<string, string>> }
  | { readonly _tag: "Refuse"; readonly origin: string }

const sameOrigin = (origin: string, host: string | undefined) => {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

export const decide = (policy: CorsPolicy, origin: string | undefined, host: string | undefined): Decision => {
  if (origin === undefined || sameOrigin(origin, host)) return { _tag: "None" }
  const o = normalize(origin)
  if (policy.origins.has(o)) {
    return {
      _tag: "Allow",
      headers: {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": EXPOSE_HEADERS,
        vary: "Origin"
      }
    }
  }
  if (policy.any) {
    return { _tag: "Allow", headers: { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSE_HEADERS, vary: "Origin" } }
  }
  return { _tag: "Refuse", origin: origin.slice(0, 120) }
}

/** Extra headers of a preflight answer. */
export const preflightHeaders = {
  "access-control-allow-methods": ALLOW_METHODS,
  "access-control-allow-headers": ALLOW_HEADERS,
  "access-control-max-age": "600"
}
