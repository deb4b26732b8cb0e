/**
 * Mutations of valid requests for the edge fuzz suite: hostile strings, wrong types, missing and
 * unknown keys, impossible timestamps, deep nesting, broken JSON. Pure and seeded (fast-check), so a
 * failing run can be replayed from its seed.
 */
import { FastCheck as fc } from "effect"

type Json = unknown

/** Strings that have broken hubs: NUL, lone surrogates, huge, blank, look-alike placeholders, odd Unicode. */
export const hostileStrings: ReadonlyArray<string> = [
  "",
  "   ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\ud83d",
  "x".repeat(3_000),
  "y".repeat(70_000),
  "unknown",
  "__proto__",
  "constructor",
  "😀𝄞",
  "\u202e\u200b\ufeff",
  "'; DROP TABLE message_inbox; --",
  "(a+)+$",
  "%00%2e%2e/",
  "\n\r\t\u2028",
  "2026-02-30T00:00:00Z",
  "0000-01-01T00:00:00Z",
  "2026-01-01T00:00:00+16:00",
  "2026-01-01T00:00:00+15:59",
  "9999-12-31T23:59:59-15:00",
  "2026-13-01T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01T00:00:60Z",
  "2026-01-01T00:00:00",
  "1e400"
]

/** Values of every JSON type, including ones that stress parsers and Postgres. */
const hostileValues: ReadonlyArray<Json> = [
  null,
  true,
  0,
  -1,
  1.5,
  9007199254740993,
  1e308,
  [],
  {},
  [[[[[[[[]]]]]]]],
  { "": 1 },
  { "\u0000": "nul key" },
  { "__proto__": { polluted: true } },
  ...hostileStrings
]

/** Placeholders replaced in the serialised text, for what JSON.stringify cannot produce. */
const TEXT_SUBSTITUTES: Record<string, string> = {
  "@@deep@@": "[".repeat(50_000) + "]".repeat(50_000),
  "@@inf@@": "1e400",
  "@@negzero@@": "-0",
  "@@dupkey@@": "{\"a\":1,\"a\":2}"
}

const substitute = (text: string) =>
  Object.entries(TEXT_SUBSTITUTES).reduce((t, [k, v]) => t.split(JSON.stringify(k)).join(v), text)

type Path = ReadonlyArray<string | number>

/** Every path to a value inside `v` (objects and arrays), the root included. */
const pathsOf = (v: Json, prefix: Path = []): Array<Path> => {
  const here: Array<Path> = [prefix]
  if (Array.isArray(v)) v.forEach((x: unknown, i) => here.push(...pathsOf(x, [...prefix, i])))
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) here.push(...pathsOf(x, [...prefix, k]))
  }
  return here
}

const setAt = (v: Json, path: Path, f: (old: Json | undefined) => Json | undefined): Json | undefined => {
  if (path.length === 0) return f(v)
  const [head, ...rest] = path
  if (Array.isArray(v)) {
    const copy: Array<unknown> = [...v]
    const next = setAt(copy[head as number] ?? null, rest, f)
    if (next === undefined) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  if (typeof v === "object" && v !== null) {
    const copy: Record<string, unknown> = { ...v }
    const next = setAt(copy[head as string] ?? null, rest, f)
    if (next === undefined) delete copy[head as string]
    else copy[head as string] = next
    return copy
  }
  return v
}

export type Mutation =
  | { readonly _tag: "Replace"; readonly at: number; readonly value: Json }
  | { readonly _tag: "Delete"; readonly at: number }
  | { readonly _tag: "AddKey"; readonly at: number; readonly key: string; readonly value: Json }
  | { readonly _tag: "Text"; readonly how: "truncate" | "garbage" | "empty" | "bom" | "array"; readonly at: number }

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("Replace" as const), at: fc.nat(), value: fc.constantFrom<Json>(...hostileValues, "@@deep@@", "@@inf@@", "@@negzero@@", "@@dupkey@@") }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Replace" as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Replace" as const), at: fc.nat(), value: fc.fullUnicodeString({ maxLength: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Delete" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("AddKey" as const),
      at: fc.nat(),
      key: fc.constantFrom("extra", "__proto__", "\u0000", "x".repeat(5000), "\ud800"),
      value: fc.constantFrom<Json>(...hostileValues.slice(0, 12))
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("Text" as const),
      how: fc.constantFrom("truncate" as const, "garbage" as const, "empty" as const, "bom" as const, "array" as const),
      at: fc.nat()
    })
  }
)

/** Applies 1–3 mutations to a valid request; answers the body text to send. */
export const mutate = (valid: Json, mutations: ReadonlyArray<Mutation>): string => {
  let value: Json = valid
  for (const m of mutations) {
    if (m._tag === "Text") continue
    const paths = pathsOf(value)
    const path = paths[m.at % paths.length]!
    const next = m._tag === "Replace"
      ? setAt(value, path, () => m.value)
      : m._tag === "Delete"
      ? setAt(value, path, () => undefined)
      : setAt(value, path, (old) =>
        typeof old === "object" && old !== null && !Array.isArray(old) ? { ...old, [m.key]: m.value } : old)
    value = next === undefined ? null : next
  }
  let text = substitute(JSON.stringify(value))
  for (const m of mutations) {
    if (m._tag !== "Text") continue
    if (m.how === "truncate") text = text.slice(0, m.at % Math.max(1, text.length))
    else if (m.how === "garbage") text = `${text.slice(0, m.at % Math.max(1, text.length))}\u0000\uffff}{][`
    else if (m.how === "empty") text = ""
    else if (m.how === "bom") text = `\ufeff${text}`
    else text = `[${text}]`
  }
  return text
}

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 })
