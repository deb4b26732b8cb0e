/**
 * The Gmail connector's own settings (GMAIL_*), read and checked with the CONNECTOR_* ones before it
 * starts, so every bad variable is reported at once. The mailbox is the endpoint identity
 * `gmail:user:<address>`.
 */
import { Config, ConfigError, Duration, Either, Option } from "effect"

export interface GmailSettings {
  /** Pause between polls that found nothing (GMAIL_POLL_INTERVAL_S, default 60). */
  readonly pollInterval: Duration.Duration
  /** A message must carry one of these labels (GMAIL_LABEL_INCLUDE; empty: any). */
  readonly labelInclude: ReadonlyArray<string>
  /** A message carrying one of these labels is skipped (GMAIL_LABEL_EXCLUDE, default SPAM,TRASH,DRAFT,SENT). */
  readonly labelExclude: ReadonlyArray<string>
  /** Push mode: users.watch to a Pub/Sub topic whose push subscription reaches the hub (GMAIL_PUBSUB_ENABLED). */
  readonly pubsub: Option.Option<{
    /** `projects/<project>/topics/<topic>` (GMAIL_PUBSUB_TOPIC). */
    readonly topic: string
    /** Renew the watch at least this often (GMAIL_WATCH_RENEW_INTERVAL_S, default 86400). */
    readonly renewInterval: Duration.Duration
  }>
}

export const DEFAULT_EXCLUDE = ["SPAM", "TRASH", "DRAFT", "SENT"]
/** In push mode a safety poll runs at least this often. */
export const SAFETY_POLL = Duration.minutes(5)

const LABEL = /^[A-Za-z0-9_][A-Za-z0-9_ /.-]{0,99}$/
const TOPIC = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/

const seconds = (name: string, fallback: number, min: number) =>
  Config.number(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a number of seconds ≥ ${min}`, validation: (s) => Number.isFinite(s) && s >= min }),
    Config.map((s) => Duration.millis(Math.round(s * 1000)))
  )

const labels = (name: string, fallback: ReadonlyArray<string>) =>
  Config.string(name).pipe(
    Config.map((s) => s.split(",").map((l) => l.trim()).filter((l) => l.length > 0)),
    Config.withDefault(fallback),
    Config.mapOrFail((list) => {
      const bad = list.find((l) => !LABEL.test(l))
      return bad === undefined
        ? Either.right(list)
        : Either.left(ConfigError.InvalidData(
          [],
          `${name}: "${bad.slice(0, 40)}" is not a label id (letters, digits, _ / . - and spaces, at most 100)`
        ))
    })
  )

const pubsub = Config.all({
  enabled: Config.boolean("GMAIL_PUBSUB_ENABLED").pipe(Config.withDefault(false)),
  topic: Config.option(Config.string("GMAIL_PUBSUB_TOPIC")),
  renewInterval: seconds("GMAIL_WATCH_RENEW_INTERVAL_S", 86_400, 60)
}).pipe(Config.mapOrFail(({ enabled, renewInterval, topic }) => {
  if (!enabled) return Either.right(Option.none())
  if (Option.isNone(topic)) {
    return Either.left(ConfigError.MissingData([], "GMAIL_PUBSUB_TOPIC is missing (needed with GMAIL_PUBSUB_ENABLED=true)"))
  }
  if (!TOPIC.test(topic.value)) {
    return Either.left(ConfigError.InvalidData([], "GMAIL_PUBSUB_TOPIC must be projects/<project>/topics/<topic>"))
  }
  return Either.right(Option.some({ topic: topic.value, renewInterval }))
}))

export const SettingsFromEnv: Config.Config<GmailSettings> = Config.all({
  pollInterval: seconds("GMAIL_POLL_INTERVAL_S", 60, 0.1),
  labelInclude: labels("GMAIL_LABEL_INCLUDE", []),
  labelExclude: labels("GMAIL_LABEL_EXCLUDE", DEFAULT_EXCLUDE),
  pubsub
})

/** The mailbox address of `gmail:user:<address>`, lowercase; None for any other identity. */
export const mailboxOf = (endpointIdentity: string): Option.Option<string> => {
  const m = /^gmail:user:([^\s@<>",;:]{1,64}@[A-Za-z0-9.-]{1,190})$/.exec(endpointIdentity)
  return m === null ? Option.none() : Option.some(m[1]!.toLowerCase())
}

/** Whether a message with `labelIds` passes the filters (a message without labels passes the exclusions). */
export const passes = (settings: Pick<GmailSettings, "labelInclude" | "labelExclude">, labelIds: ReadonlyArray<string>) =>
  !labelIds.some((l) => settings.labelExclude.includes(l)) &&
  (settings.labelInclude.length === 0 || labelIds.some((l) => settings.labelInclude.includes(l)))
