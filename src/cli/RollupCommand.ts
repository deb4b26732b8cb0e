/**
 * `switchboard rollup hourly|daily|fanout [--at <ISO time>]`, `rollup catchup`, `rollup prune`:
 * the scheduled statistics jobs, by hand. `--at` picks the bucket that holds that instant
 * (default: the last complete bucket). Every run is an idempotent upsert of its bucket.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Clock, Console, Effect, Either, Layer, Option, Schema } from "effect"
import { Rfc3339Timestamp } from "../domain/Envelope.js"
import { type RollupKind, rollupKinds } from "../domain/StatsBuckets.js"
import { bucketSize } from "../stats/Buckets.js"
import * as PgRollups from "../../layers/Stats/PgRollups.js"
import { type RollupResult, Rollups } from "../../services/Rollups.js"
import { StatsConfig } from "../../services/StatsConfig.js"
import * as Help from "./Help.js"
import * as Output from "./Output.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

const at = Options.text("at").pipe(
  Options.withPseudoName("time"),
  Options.withDescription("an RFC 3339 instant with offset; the bucket holding it is rolled up (default: the last complete one)"),
  Options.mapEffect((text) =>
    Either.mapLeft(
      Either.map(Schema.decodeEither(Rfc3339Timestamp)(text), (s) => new Date(s)),
      () => ValidationError.invalidValue(HelpDoc.p(`--at must be an RFC 3339 time with offset, e.g. 2026-11-22T10:00:00Z (got "${text}")`))
    )
  ),
  Options.optional
)

const describe = (r: RollupResult) =>
  `${r.kind} ${r.bucket}: ${r.rows} rows in ${r.duration_ms} ms${r.complete ? "" : " (bucket not over yet: partial, left pending)"}`

const kindCommand = (kind: RollupKind) =>
  Command.make(kind, { at, json }, (o) =>
    Effect.gen(function*() {
      const rollups = yield* Rollups
      const when = yield* Option.match(o.at, {
        onNone: () => Effect.map(Clock.currentTimeMillis, (now) => new Date(now - bucketSize(kind))),
        onSome: Effect.succeed
      })
      const result = yield* rollups.rollup(kind, when)
      yield* o.json ? Output.json(result) : Console.log(describe(result))
    })).pipe(Command.withDescription(Help.describe(`roll up one ${kind === "hourly" ? "hour" : "UTC day"} into the ${kind} statistics`, {
      examples: [`switchboard rollup ${kind}`, `switchboard rollup ${kind} --at 2026-11-22T10:00:00Z --json`]
    })))

const catchup = Command.make("catchup", { json }, (o) =>
  Effect.gen(function*() {
    const rollups = yield* Rollups
    const results = yield* Effect.forEach(rollupKinds, (kind) => rollups.catchUp(kind))
    const all = results.flat()
    if (o.json) return yield* Output.json(all)
    yield* Console.log(all.length === 0 ? "nothing to catch up" : all.map(describe).join("\n"))
  })).pipe(Command.withDescription(Help.describe("roll up every complete bucket of the catch-up window not rolled up yet", {
    examples: ["switchboard rollup catchup"]
  })))

const prune = Command.make("prune", { json }, (o) =>
  Effect.gen(function*() {
    const report = yield* (yield* Rollups).prune
    if (o.json) return yield* Output.json(report)
    yield* Console.log(
      [
        `heartbeat partitions dropped (before ${report.cutoffs.heartbeats}): ${
          report.dropped_partitions.map((d) => `${d.name} (${d.rows} rows)`).join(", ") || "none"
        }`,
        `heartbeat partitions created: ${report.created_partitions.join(", ") || "none"}`,
        `hourly rows deleted (before ${report.cutoffs.hourly}): ${report.hourly_rows}`,
        `daily rows deleted (before ${report.cutoffs.daily}): ${report.daily_rows}`,
        `fanout rows deleted (before ${report.cutoffs.daily}): ${report.fanout_rows}`,
        `delivery attempt history rows deleted (before ${report.cutoffs.attempts}): ${report.attempt_rows}`
      ].join("\n")
    )
  })).pipe(Command.withDescription(Help.describe("apply retention: drop old heartbeat partitions, delete old statistics", {
    details: ["Drops heartbeat partitions past retention, creates the next ones, and deletes old hourly, daily and fanout rows and delivery attempt history (SWITCHBOARD_ATTEMPT_RETENTION_DAYS, 30)."],
    examples: ["switchboard rollup prune", "switchboard rollup prune --json"]
  })))

export const rollupCommand = Command.make("rollup").pipe(
  Command.withDescription(Help.describe("statistics rollups and retention, by hand", {
    details: ["The hub runs them on schedule (hourly at :05, daily at 00:15 UTC); every run is an idempotent upsert of its bucket."],
    examples: ["switchboard rollup catchup", "switchboard rollup hourly --at 2026-11-22T10:00:00Z"]
  })),
  Command.withSubcommands([kindCommand("hourly"), kindCommand("daily"), kindCommand("fanout"), catchup, prune])
)

/** What the rollup commands need on top of the database. */
export const layer = PgRollups.layer.pipe(Layer.provide(StatsConfig.layer))
