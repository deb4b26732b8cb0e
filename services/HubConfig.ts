/** The hub's own settings (DESIGN.md §8), read once when the layer is built. */
import { Config, Context, Effect, Layer, LogLevel } from "effect"

export interface HubConfigShape {
  /** Interface to listen on (SWITCHBOARD_HOST). */
  readonly host: string
  /** Port to listen on (SWITCHBOARD_PORT); 0 picks a free one. */
  readonly port: number
  /** Where the embedded database and the dev token live (SWITCHBOARD_DATA_DIR). */
  readonly dataDir: string
  /** Ingest submissions allowed in flight before answering 429 (SWITCHBOARD_MAX_INFLIGHT). */
  readonly maxInflight: number
  /**
   * Create and print a development token at start (SWITCHBOARD_DEV_TOKEN): "auto" (unset) creates it only on
   * the embedded database; true forces it (also on DATABASE_URL, printed but never written to the data
   * directory); false never creates it.
   */
  readonly devToken: boolean | "auto"
  /** Minimum log level (SWITCHBOARD_LOG_LEVEL). */
  readonly logLevel: LogLevel.LogLevel
}

export const HubConfigFromEnv: Config.Config<HubConfigShape> = Config.all({
  host: Config.string("SWITCHBOARD_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("SWITCHBOARD_PORT").pipe(
    Config.validate({ message: "SWITCHBOARD_PORT must be 0 to 65535", validation: (p) => p >= 0 && p <= 65535 }),
    Config.withDefault(7400)
  ),
  dataDir: Config.string("SWITCHBOARD_DATA_DIR").pipe(Config.withDefault(".switchboard")),
  maxInflight: Config.integer("SWITCHBOARD_MAX_INFLIGHT").pipe(Config.withDefault(2048)),
  devToken: Config.boolean("SWITCHBOARD_DEV_TOKEN").pipe(Config.withDefault<boolean | "auto">("auto")),
  logLevel: Config.logLevel("SWITCHBOARD_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))
})

export class HubConfig extends Context.Tag("switchboard/HubConfig")<HubConfig, HubConfigShape>() {
  static readonly layer = Layer.effect(HubConfig, Effect.map(HubConfigFromEnv, (c) => HubConfig.of(c)))
}
