/**
 * The logger of a `switchboard` process. SWITCHBOARD_LOG_FORMAT=json|pretty picks JSON lines or lines
 * for people (unset: pretty when stderr is a terminal, JSON lines otherwise, so a hub under a supervisor
 * logs JSON); SWITCHBOARD_LOG_LEVEL the least severe line written (default info). The hub and connector
 * processes always log; admin commands only with --verbose, since their stdout is the result.
 */
import { Config, Data, Effect, Layer, Logger, LogLevel } from "effect"

/** How log lines are written. */
export type LogFormat = "json" | "pretty"

/** SWITCHBOARD_LOG_FORMAT or SWITCHBOARD_LOG_LEVEL holds a value this program does not know. */
export class LogSettingInvalid extends Data.TaggedError("LogSettingInvalid")<{ readonly message: string }> {}

/** The logging settings of the environment. */
export interface LogSettings {
  /** JSON lines or lines for people. */
  readonly format: LogFormat
  /** The least severe level written. */
  readonly level: LogLevel.LogLevel
  /** Pretty lines may carry colour (stderr is a terminal and NO_COLOR is unset). */
  readonly color: boolean
}

const clip = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)

/** Level names as Config.logLevel reads them (the hub's configuration reads the same variable). */
const LEVELS: Readonly<Record<string, LogLevel.LogLevel>> = Object.fromEntries(LogLevel.allLevels.map((l) => [l.label.toLowerCase(), l]))

const optional = (name: string) => Config.string(name).pipe(Config.withDefault(""), Effect.orElseSucceed(() => ""), Effect.map((s) => s.trim()))

/** The settings of the environment; a value we do not know fails with a line naming the variable and its values. */
export const settings: Effect.Effect<LogSettings, LogSettingInvalid> = Effect.gen(function*() {
  const terminal = process.stderr.isTTY === true
  const format = (yield* optional("SWITCHBOARD_LOG_FORMAT")).toLowerCase()
  if (format !== "" && format !== "json" && format !== "pretty") {
    return yield* new LogSettingInvalid({ message: `SWITCHBOARD_LOG_FORMAT must be json or pretty (got ${clip(format)})` })
  }
  const levelName = (yield* optional("SWITCHBOARD_LOG_LEVEL")).toLowerCase()
  const level = levelName === "" ? LogLevel.Info : LEVELS[levelName]
  if (level === undefined) {
    return yield* new LogSettingInvalid({
      message: `SWITCHBOARD_LOG_LEVEL must be one of debug, info, warn, error (or all, trace, fatal, off) (got ${clip(levelName)})`
    })
  }
  const noColor = yield* optional("NO_COLOR")
  return { format: format === "" ? (terminal ? "pretty" : "json") : format, level, color: terminal && noColor === "" }
})

/** Writes nothing. */
export const silent: Layer.Layer<never> = Logger.replace(Logger.defaultLogger, Logger.none)

/** Writes every line of `settings.level` or more severe to stderr in the chosen format. */
export const layer = (s: LogSettings): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      s.format === "json" ? Logger.withConsoleError(Logger.jsonLogger) : Logger.prettyLogger({ stderr: true, colors: s.color, mode: "tty" })
    ),
    Logger.minimumLogLevel(s.level)
  )
