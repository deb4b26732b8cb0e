/** Printing for CLI commands: plain tables for people, JSON for scripts. */
import { Console } from "effect"

export const json = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

export const table = (rows: ReadonlyArray<Record<string, string>>, columns: ReadonlyArray<string>) => {
  if (rows.length === 0) return Console.log("(none)")
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  return Console.log([line(columns), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n"))
}
