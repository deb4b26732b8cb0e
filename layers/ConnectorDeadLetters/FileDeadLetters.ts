/** Dead letters as an NDJSON file, one refused event a line, appended and fsynced. */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { ConnectorDeadLetters, DeadLetter, DeadLetterWriteFailed } from "../../services/ConnectorDeadLetters.js"

const decodeLine = Schema.decodeUnknownOption(Schema.parseJson(DeadLetter))

export const make = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const location = path.resolve(file)
    const failed = (e: { readonly message: string }) => new DeadLetterWriteFailed({ location, message: e.message })

    const write = (letter: DeadLetter) =>
      fs.makeDirectory(path.dirname(location), { recursive: true }).pipe(
        Effect.zipRight(Effect.scoped(Effect.flatMap(
          fs.open(location, { flag: "a" }),
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
