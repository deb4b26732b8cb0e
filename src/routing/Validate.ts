/** Checks of `targets add` / `routes add` arguments; each failure is one line naming the argument. */
import { Either } from "effect"
import ipaddr from "ipaddr.js"
import { refusal } from "../delivery/Addresses.js"
import { Channel, Provider, providersByChannel } from "../domain/Envelope.js"
import type { RuleSpec } from "../domain/RoutingRules.js"
import { compilePattern } from "./Rules.js"

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/

export const targetName = (name: string): Either.Either<string, string> =>
  NAME.test(name)
    ? Either.right(name)
    : Either.left(`target name "${name}" must be 1-63 characters of a-z, 0-9, "-" or "_", starting with a letter or digit`)

export const targetUrl = (url: string): Either.Either<string, string> => {
  try {
    const u = new URL(url)
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      return Either.left(`--url must be an http:// or https:// URL (got ${u.protocol})`)
    }
    if (u.username !== "" || u.password !== "") {
      return Either.left("--url must not contain credentials (user:password@): receivers verify webhook-signature instead")
    }
    // Link-local and metadata addresses are never targets; private ones are checked at delivery time,
    // where SWITCHBOARD_DELIVERY_ALLOW_PRIVATE is known (and names are checked once resolved).
    const host = u.hostname.replace(/^\[|\]$/g, "")
    const refused = ipaddr.isValid(host) ? refusal(host, true) : undefined
    return refused === undefined ? Either.right(u.toString()) : Either.left(`--url is refused: ${refused}`)
  } catch {
    return Either.left(`--url is not a valid URL: "${url}"`)
  }
}

/** The URL with any password replaced by `***`, safe to print. */
export const displayUrl = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return url
  }
}

const isChannel = (s: string): s is Channel => (Channel.literals as ReadonlyArray<string>).includes(s)
const isProvider = (s: string): s is Provider => (Provider.literals as ReadonlyArray<string>).includes(s)

const nonEmpty = (flag: string, value: string | null): Either.Either<string | null, string> =>
  value === null || value.trim() !== "" ? Either.right(value) : Either.left(`${flag} must not be empty`)

/** Checks a new rule: known channel/provider (and a valid pair), non-empty matchers, a compilable regex. */
export const rule = (r: Omit<RuleSpec, "id">): Either.Either<Omit<RuleSpec, "id">, string> =>
  Either.gen(function*() {
    yield* targetName(r.target)
    if (!Number.isSafeInteger(r.priority)) return yield* Either.left(`--priority must be an integer (got ${r.priority})`)
    if (r.channel !== null && !isChannel(r.channel)) {
      return yield* Either.left(`--channel "${r.channel}" is not a channel (one of ${Channel.literals.join(", ")})`)
    }
    if (r.provider !== null && !isProvider(r.provider)) {
      return yield* Either.left(`--provider "${r.provider}" is not a provider (one of ${Provider.literals.join(", ")})`)
    }
    const { channel, provider } = r
    if (
      channel !== null && isChannel(channel) && provider !== null && isProvider(provider) &&
      !providersByChannel[channel].includes(provider)
    ) {
      return yield* Either.left(`--provider "${r.provider}" never carries channel "${r.channel}"`)
    }
    yield* nonEmpty("--endpoint", r.endpoint_identity)
    yield* nonEmpty("--sender", r.sender_identity)
    if (r.text_pattern !== null) yield* compilePattern(r.text_pattern, r.ignore_case)
    return r
  })
