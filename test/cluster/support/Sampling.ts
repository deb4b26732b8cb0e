/**
 * Watching where cluster singletons run: the runners in play (a roster that kills and joins change),
 * a sampler that reads every runner's `/ready` together every ~200 ms, and the verdict over the samples:
 * a singleton listed by two runners in one sample is a double (never allowed); listed by none is allowed
 * only inside a handover window (a kill, a graceful stop, a runner joining, until the cluster settled).
 */
import { Duration, Effect, Option, Ref, Schedule } from "effect"
import * as Wait from "../../delivery/support/Wait.js"
import * as Cluster from "./Cluster.js"

export interface Answer {
  readonly hub: string
  /** What the runner listed; undefined when it did not answer ready. */
  readonly singletons: ReadonlyArray<string> | undefined
  readonly shards: number | undefined
}

export interface Sample {
  /** When the reads were sent (Date.now()). */
  readonly at: number
  readonly answers: ReadonlyArray<Answer>
}

export type WindowKind = "kill" | "term" | "join"

/** A handover: from the event until the cluster settled again (`to` undefined while it has not). */
export interface Window {
  readonly kind: WindowKind
  readonly from: number
  to: number | undefined
}

export interface Roster {
  readonly hubs: Ref.Ref<ReadonlyArray<Cluster.Hub>>
  readonly samples: Ref.Ref<ReadonlyArray<Sample>>
  readonly windows: Ref.Ref<ReadonlyArray<Window>>
}

/** Every runner's /ready, read at once. */
export const sampleOnce = (hubs: ReadonlyArray<Cluster.Hub>) =>
  Effect.gen(function*() {
    const at = Date.now()
    const answers = yield* Effect.forEach(hubs, (hub) =>
      Effect.map(Cluster.ready(hub), (r): Answer => {
        const cluster = Option.getOrUndefined(r)?.cluster
        return { hub: hub.name, singletons: cluster?.singletons, shards: cluster?.shards }
      }), { concurrency: "unbounded" })
    return { at, answers } satisfies Sample
  })

/** A roster of `hubs` and its sampler (a fiber of the caller's scope, every `every`). */
export const watch = (hubs: ReadonlyArray<Cluster.Hub>, every: Duration.DurationInput = Duration.millis(200)) =>
  Effect.gen(function*() {
    const roster: Roster = {
      hubs: yield* Ref.make(hubs),
      samples: yield* Ref.make<ReadonlyArray<Sample>>([]),
      windows: yield* Ref.make<ReadonlyArray<Window>>([])
    }
    const once = Ref.get(roster.hubs).pipe(
      Effect.flatMap(sampleOnce),
      Effect.flatMap((s) => Ref.update(roster.samples, (all) => [...all, s]))
    )
    yield* Effect.forkScoped(Effect.repeat(once, Schedule.spaced(every)))
    return roster
  })

/** Opens a handover window now. */
export const open = (roster: Roster, kind: WindowKind) =>
  Effect.flatMap(Effect.sync((): Window => ({ kind, from: Date.now(), to: undefined })), (w) =>
    Effect.as(Ref.update(roster.windows, (all) => [...all, w]), w))

export const holders = (sample: Sample, singleton: string) =>
  sample.answers.filter((a) => a.singletons?.includes(singleton) === true).map((a) => a.hub)

/** Every runner answered and each singleton is on exactly one: the placement as text; else undefined. */
const placement = (sample: Sample, singletons: ReadonlyArray<string>): string | undefined => {
  if (sample.answers.length === 0 || sample.answers.some((a) => a.singletons === undefined)) return undefined
  if (singletons.some((s) => holders(sample, s).length !== 1)) return undefined
  return JSON.stringify(sample.answers.map((a) => [a.hub, [...(a.singletons ?? [])].sort(), a.shards]))
}

/**
 * When the current settled run began: the latest samples since `since` all answered by every runner,
 * each singleton on exactly one, nothing moved (singletons, shard counts) for at least `settle`.
 */
export const settledSince = (
  samples: ReadonlyArray<Sample>,
  singletons: ReadonlyArray<string>,
  since: number,
  settle: Duration.Duration
): Option.Option<number> => {
  const last = samples.at(-1)
  const now = last === undefined ? undefined : placement(last, singletons)
  if (last === undefined || now === undefined) return Option.none()
  let first = last
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i]!
    if (s.at < since || placement(s, singletons) !== now) break
    first = s
  }
  return last.at - first.at >= Duration.toMillis(settle) ? Option.some(first.at) : Option.none()
}

/** Waits until the cluster settled after `since` (a hang guard of `limit`); closes `window` at the run's start. */
export const settled = (
  roster: Roster,
  singletons: ReadonlyArray<string>,
  since: number,
  settle: Duration.Duration,
  window?: Window,
  limit: Duration.DurationInput = Duration.seconds(60)
) =>
  Wait.until(
    `the cluster settled (every singleton on one runner, nothing moving for ${Duration.format(settle)})`,
    Effect.map(Ref.get(roster.samples), (samples) => settledSince(samples, singletons, since, settle)),
    limit
  ).pipe(
    Effect.tap((at) =>
      Effect.sync(() => {
        if (window !== undefined) window.to = at
      })
    )
  )

export interface Verdict {
  /** Samples judged (taken after `from`). */
  readonly samples: number
  /** A singleton listed by two or more runners in one sample. */
  readonly doubles: ReadonlyArray<{ readonly at: number; readonly singleton: string; readonly hubs: ReadonlyArray<string> }>
  /** (sample, singleton) pairs with no runner inside a handover window, by window kind. */
  readonly noneInWindow: Readonly<Record<WindowKind, number>>
  /** ... and outside every window (never allowed). */
  readonly noneOutside: ReadonlyArray<{ readonly at: number; readonly singleton: string }>
  /** (sample, singleton) pairs with no runner listing it while some runner did not answer (cannot tell). */
  readonly unknown: number
}

/** Judges the samples taken after `from` (start-up settled). */
export const judge = (
  samples: ReadonlyArray<Sample>,
  windows: ReadonlyArray<Window>,
  singletons: ReadonlyArray<string>,
  from: number
): Verdict => {
  const doubles: Array<Verdict["doubles"][number]> = []
  const noneOutside: Array<Verdict["noneOutside"][number]> = []
  const noneInWindow: Record<WindowKind, number> = { kill: 0, term: 0, join: 0 }
  let unknown = 0
  const judged = samples.filter((s) => s.at >= from)
  for (const sample of judged) {
    const silent = sample.answers.some((a) => a.singletons === undefined)
    for (const singleton of singletons) {
      const hubs = holders(sample, singleton)
      if (hubs.length > 1) doubles.push({ at: sample.at, singleton, hubs })
      if (hubs.length > 0) continue
      const inside = windows.find((w) => sample.at >= w.from && (w.to === undefined || sample.at <= w.to))
      if (inside !== undefined) noneInWindow[inside.kind]++
      else if (silent) unknown++
      else noneOutside.push({ at: sample.at, singleton })
    }
  }
  return { samples: judged.length, doubles, noneInWindow, noneOutside, unknown }
}

/**
 * Polls every runner on the roster but `gone` (every 50 ms) until one lists `singleton`; answers the
 * milliseconds since `since` (a hang guard of `limit`, not the assertion: the caller checks the bound).
 */
export const reappears = (
  roster: Roster,
  singleton: string,
  gone: Cluster.Hub,
  since: number,
  limit: Duration.DurationInput = Duration.seconds(60)
) =>
  Wait.until(
    `${singleton} on a runner other than ${gone.name}`,
    Ref.get(roster.hubs).pipe(
      Effect.flatMap((hubs) => sampleOnce(hubs.filter((h) => h.name !== gone.name))),
      Effect.map((s) => Option.map(Option.fromNullable(holders(s, singleton)[0]), (hub) => ({ hub, ms: Date.now() - since })))
    ),
    limit
  )
