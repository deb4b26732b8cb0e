/**
 * Dead letters as an NDJSON file, one refused event a line, appended and fsynced. A letter holds the
 * message text, so the file is created 0600 and a directory created for it 0700.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { ConnectorDeadLetters, DeadLetter, DeadLetterWriteFailed } from "../../services/ConnectorDeadLetters.js"

/** Mode of the dead-letter file when it is created. */
export const FILE_MODE = 0o600
/** Mode of the directories created for it. */
export const DIRECTORY_MODE = 0o700

const decodeLine = Schema.decodeUnknownOption(Schema.parseJson(DeadLetter))

export const make = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const location = path.resolve(file)
    const failed = (e: { readonly message: string }) => new DeadLetterWriteFailed({ location, message: e.message })

    const write = (letter: DeadLetter) =>
      fs.makeDirectory(path.dirname(location), { recursive: true, mode: DIRECTORY_MODE }).pipe(
        Effect.zipRight(Effect.scoped(Effect.flatMap(
          fs.open(location, { flag: "a", mode: FILE_MODE }),
          (f) => Effect.zipRight(f.writeAll(new TextEncoder().encode(`${JSON.stringify(letter)}\n`)), f.sync)
        ))),
        Effect.mapError(failed),
        Effect.withSpan("ConnectorDeadLetters.write")
      )

    const list = fs.exists(location).pipe(
      Effect.flatMap((exists) => (exists ? fs.readFileString(location) : Effect.succeed(""))),
      Effect.map((text) => text.split("\n").flatMap((line) => Option.toArray(decodeLine(line)))),
      Effect.mapError(failed)
    )

    return ConnectorDeadLetters.of({ location, write, list })
  })

export const layer = (file: string) => Layer.effect(ConnectorDeadLetters, make(file))
