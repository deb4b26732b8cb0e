/**
 * How the embedded Postgres (EmbeddedPostgres.ts) is tuned for the process that opens it. The hub keeps
 * Postgres's own settings; an admin command runs a few queries and exits, so it asks for a small buffer
 * pool, which PGlite sets up about 50 ms (a fifth of its start) faster. Its own module, so the command
 * line can choose it without loading PGlite.
 */
import { Context } from "effect"

export interface Tuning {
  /** `shared_buffers` (a Postgres size, `16MB`); undefined keeps Postgres's default (128MB). */
  readonly sharedBuffers: string | undefined
}

export class EmbeddedTuning extends Context.Reference<EmbeddedTuning>()("switchboard/EmbeddedTuning", {
  defaultValue: (): Tuning => ({ sharedBuffers: undefined })
}) {}

/** For a process that runs a few queries and exits. */
export const command: Tuning = { sharedBuffers: "16MB" }
