/**
 * Which addresses a delivery may connect to (SSRF guard). Link-local and cloud metadata addresses
 * (169.254/16, fe80::/10, fd00:ec2::254), unspecified, multicast, broadcast and reserved ranges are
 * always refused; loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7) and carrier-grade NAT
 * (100.64/10) only when private targets are allowed. The classification is ipaddr.js's, which also
 * unwraps IPv4-mapped IPv6 (`::ffff:127.0.0.1`); IPv6 forms that carry an IPv4 address to a translator
 * (NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, SIIT `::ffff:0:0:0/96`, IPv4-compatible `::/96`, 6to4
 * `2002::/16`) are judged by that IPv4 address too. Checked on the URL at `targets add` and on every
 * resolved address at connect time (so a DNS answer that changes after the check is caught too).
 */
import ipaddr from "ipaddr.js"
import type { LookupAddress } from "node:dns"
import { lookup as dnsLookup } from "node:dns"
import type { LookupFunction } from "node:net"

const ALWAYS_BLOCKED = new Set(["linkLocal", "unspecified", "multicast", "broadcast", "reserved", "discard"])
const PRIVATE = new Set(["loopback", "private", "uniqueLocal", "carrierGradeNat"])
const METADATA = new Set(["fd00:ec2::254"].map((ip) => ipaddr.parse(ip).toNormalizedString()))
/** Deprecated IPv6 site-local addresses (RFC 3879), still routed privately by some networks. */
const SITE_LOCAL = ipaddr.IPv6.parseCIDR("fec0::/10")

/** Prefixes whose addresses carry an IPv4 address, and which 16-bit words hold it. */
const CARRIES_IPV4: ReadonlyArray<readonly [[ipaddr.IPv6, number], number]> = [
  [ipaddr.IPv6.parseCIDR("64:ff9b::/96"), 6],
  [ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"), 6],
  [ipaddr.IPv6.parseCIDR("::ffff:0:0:0/96"), 6],
  [ipaddr.IPv6.parseCIDR("::/96"), 6],
  [ipaddr.IPv6.parseCIDR("2002::/16"), 1]
]

const carriedIpv4 = (address: ipaddr.IPv6): ipaddr.IPv4 | undefined => {
  const found = CARRIES_IPV4.find(([cidr]) => address.match(cidr))
  if (found === undefined) return undefined
  const [hi = 0, lo = 0] = address.parts.slice(found[1], found[1] + 2)
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff])
}

const judge = (address: ipaddr.IPv4 | ipaddr.IPv6, allowPrivate: boolean, shown: string): string | undefined => {
  const normal = address.toNormalizedString()
  const range = address.kind() === "ipv6" && address.match(SITE_LOCAL) ? "siteLocal" : address.range()
  if (METADATA.has(normal) || ALWAYS_BLOCKED.has(range)) return `${shown} is a ${range} address, never a delivery target`
  if ((PRIVATE.has(range) || range === "siteLocal") && !allowPrivate) {
    return `${shown} is a ${range} address; set SWITCHBOARD_DELIVERY_ALLOW_PRIVATE=true to deliver to private networks`
  }
  return undefined
}

/** Why a connection to `ip` is refused, or undefined when it is allowed. */
export const refusal = (ip: string, allowPrivate: boolean): string | undefined => {
  if (!ipaddr.isValid(ip)) return `"${ip.slice(0, 60)}" is not an IP address`
  const address = ipaddr.process(ip)
  const normal = address.toNormalizedString()
  const own = judge(address, allowPrivate, normal)
  if (own !== undefined || address.kind() !== "ipv6" || address.range() === "loopback") return own
  const inner = carriedIpv4(address as ipaddr.IPv6)
  return inner === undefined ? undefined : judge(inner, allowPrivate, `${normal} (carrying ${inner.toString()})`)
}

/** True for a hostname that names this machine (the hub itself when combined with its port). */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.replace(/^\[|\]$/g, "")
  return bare === "localhost" || (ipaddr.isValid(bare) && ["loopback", "unspecified"].includes(ipaddr.process(bare).range()))
}

/** The marker on the error a refused lookup fails with, so the poster can make it permanent. */
export const REFUSED_CODE = "ESWITCHBOARD_ADDRESS_REFUSED"


/**
 * A `lookup` for http(s) agents: resolves as usual, then refuses the connection when any resolved address
 * is refused (checking every address, so a name cannot mix a public and a private answer).
 */
export const guardedLookup = (allowPrivate: boolean): LookupFunction =>
(hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const list = addresses as Array<LookupAddress>
    for (const a of list) {
      const why = refusal(a.address, allowPrivate)
      if (why !== undefined) {
        const refused: NodeJS.ErrnoException = new Error(`address refused for ${hostname.slice(0, 100)}: ${why}`)
        refused.code = REFUSED_CODE
        return callback(refused, [])
      }
    }
    if (options.all === true) return callback(null, list)
    const first = list[0]
    return first === undefined ? callback(new Error(`no address for ${hostname}`), []) : callback(null, first.address, first.family)
  })
}
