/**
 * UUIDv7 (RFC 9562 §5.7) with the monotonic counter of §6.2 method 2: within one millisecond
 * (or when the clock steps back) the 74 random bits are incremented, so ids sort in creation order.
 */
export interface Uuid7State {
  readonly ms: number
  readonly randA: number // 12 bits
  readonly randB: bigint // 62 bits
}

const RAND_B_MAX = (1n << 62n) - 1n

const hex = (n: bigint, width: number) => n.toString(16).padStart(width, "0")

export const format = (s: Uuid7State): string => {
  const ms = hex(BigInt(s.ms), 12)
  const a = hex(0x7000n | BigInt(s.randA), 4)
  const b = hex((2n << 62n) | s.randB, 16)
  return `${ms.slice(0, 8)}-${ms.slice(8)}-${a}-${b.slice(0, 4)}-${b.slice(4)}`
}

/** Fresh random bits; the top bit of randB is left clear so increments within a millisecond have room. */
const fresh = (ms: number, random: Uint8Array): Uuid7State => {
  let randB = 0n
  for (let i = 2; i < 10; i++) randB = (randB << 8n) | BigInt(random[i] ?? 0)
  return { ms, randA: (((random[0] ?? 0) << 8) | (random[1] ?? 0)) & 0xfff, randB: randB & (RAND_B_MAX >> 1n) }
}

/** The next state after `prev` at wall time `nowMs`, given 10 random bytes. */
export const next = (prev: Uuid7State | undefined, nowMs: number, random: Uint8Array): Uuid7State => {
  if (prev === undefined || nowMs > prev.ms) return fresh(nowMs, random)
  if (prev.randB < RAND_B_MAX) return { ...prev, randB: prev.randB + 1n }
  if (prev.randA < 0xfff) return { ...prev, randA: prev.randA + 1, randB: 0n }
  return fresh(prev.ms + 1, random)
}

/** The millisecond timestamp held in a UUIDv7 string. */
export const timestampOf = (uuid: string): number => Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16)

export const isUuid7 = (s: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(s)
