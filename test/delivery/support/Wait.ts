/** Waiting for an eventual condition in integration tests: polls, and dies with a description if it never holds. */
import { Data, Duration, Effect, Option, Schedule } from "effect"

class NotYet extends Data.TaggedError("NotYet")<{}> {}

export const until = <A, E, R>(
  description: string,
  probe: Effect.Effect<Option.Option<A>, E, R>,
  limit: Duration.DurationInput = Duration.seconds(40)
): Effect.Effect<A, E, R> =>
  probe.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotYet()), onSome: Effect.succeed })),
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(50)), while: (e) => e instanceof NotYet }),
    Effect.timeoutFail({ duration: limit, onTimeout: () => new NotYet() }),
    Effect.catchTag("NotYet", () => Effect.dieMessage(`still waiting for: ${description}`))
  )

/** Waits until `check` answers true. */
export const untilTrue = <E, R>(description: string, check: Effect.Effect<boolean, E, R>, limit?: Duration.DurationInput) =>
  until(description, Effect.map(check, (b) => (b ? Option.some(true) : Option.none())), limit)
