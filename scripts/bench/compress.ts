/**
 * `npm run bench:compress` (issue 3): the connector's sharp path (src/connectors/telegram/Compress.ts)
 * against the Pillow quality ladder of the media change log (scripts/bench/pillow_ladder.py, run by
 * Debian's /usr/bin/python3 with python3-pil) on the same images, interleaved round by round. Both
 * sides are timed inside their own process (no interpreter start-up); the median of the rounds counts.
 *
 *   npm run bench:compress               # 3 rounds
 *   BENCH_ROUNDS=1 npm run bench:compress
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Data, Effect, Schema } from "effect"
import * as Child from "node:child_process"
import { randomFillSync } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import sharp from "sharp"
import { compressToLimit, MAX_IMAGE_BYTES } from "../../src/connectors/telegram/Compress.js"
import { REAL_PHOTO, REAL_PHOTO_4K } from "../../test/support/Images.js"

class CompressBenchFailed extends Data.TaggedError("CompressBenchFailed")<{ readonly message: string }> {}

const PYTHON = "/usr/bin/python3"
const LADDER = Path.resolve(import.meta.dirname, "pillow_ladder.py")

const PillowLine = Schema.parseJson(Schema.Struct({
  file: Schema.String,
  ms: Schema.Number,
  bytes: Schema.Number,
  quality: Schema.Number,
  encodes: Schema.Number
}))

interface Image {
  readonly name: string
  readonly file: string
}

const noise = (width: number, height: number, channels: 3 | 4, format: "jpeg" | "png") => {
  const image = sharp(randomFillSync(Buffer.alloc(width * height * channels)), { raw: { width, height, channels } })
  return (format === "jpeg" ? image.jpeg({ quality: 95 }) : image.png()).toBuffer()
}

/** The images: Debian's real photos and generated worst cases (noise), written to a temp directory. */
const images = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-bench-compress-"))),
    (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true }))
  )
  for (const photo of [REAL_PHOTO, REAL_PHOTO_4K]) {
    if (!Fs.existsSync(photo)) {
      return yield* new CompressBenchFailed({ message: `${photo} is missing: apt-get install mate-backgrounds` })
    }
  }
  const generated: Array<[string, Promise<Buffer>]> = [
    ["noise 4000x3000 JPEG q95", noise(4000, 3000, 3, "jpeg")],
    ["noise 6000x4000 JPEG q95", noise(6000, 4000, 3, "jpeg")],
    ["noise 2000x1500 RGBA PNG", noise(2000, 1500, 4, "png")]
  ]
  const made: Array<Image> = []
  for (const [name, bytes] of generated) {
    const file = Path.join(dir, `${name.replace(/\W+/g, "_")}.${name.includes("PNG") ? "png" : "jpg"}`)
    Fs.writeFileSync(file, yield* Effect.promise(() => bytes))
    made.push({ name, file })
  }
  return [
    { name: "photo 5640x3172 (mate-backgrounds)", file: REAL_PHOTO },
    { name: "photo 3840x2160 (mate-backgrounds)", file: REAL_PHOTO_4K },
    ...made
  ]
})

const ours = (image: Image) =>
  Effect.gen(function*() {
    const input = Fs.readFileSync(image.file)
    const started = performance.now()
    const out = yield* compressToLimit(input)
    return { ms: performance.now() - started, bytes: out.bytes.length, quality: out.quality, downscaled: out.downscaled }
  })

const pillow = (all: ReadonlyArray<Image>) =>
  Effect.async<string, CompressBenchFailed>((resume) => {
    Child.execFile(PYTHON, [LADDER, ...all.map((i) => i.file)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      resume(
        error === null
          ? Effect.succeed(stdout)
          : Effect.fail(new CompressBenchFailed({ message: `${PYTHON} ${LADDER}: ${stderr || error.message}` }))
      ))
  }).pipe(
    Effect.flatMap((stdout) => Effect.forEach(stdout.trim().split("\n"), (line) => Schema.decode(PillowLine)(line))),
    Effect.mapError((e) => new CompressBenchFailed({ message: `Pillow ladder: ${e.message}` }))
  )

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2)

const program = Effect.gen(function*() {
  const rounds = yield* Config.integer("BENCH_ROUNDS").pipe(Config.withDefault(3))
  const all = yield* images
  yield* Console.log(
    `compress bench: ${all.length} images, ${rounds} rounds, limit ${MAX_IMAGE_BYTES} bytes (5 MiB); ` +
      `load average ${Os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
  )
  const oursMs = all.map(() => [] as Array<number>)
  const pillowMs = all.map(() => [] as Array<number>)
  let oursLast: Array<Effect.Effect.Success<ReturnType<typeof ours>>> = []
  let pillowLast: ReadonlyArray<typeof PillowLine.Type> = []
  for (let round = 0; round < rounds; round++) {
    oursLast = yield* Effect.forEach(all, ours)
    oursLast.forEach((r, i) => oursMs[i]!.push(r.ms))
    pillowLast = yield* pillow(all)
    pillowLast.forEach((r, i) => pillowMs[i]!.push(r.ms))
  }
  const rows = all.map((image, i) => {
    const o = oursLast[i]!
    const p = pillowLast[i]!
    const inBytes = Fs.statSync(image.file).size
    return [
      image.name,
      mb(inBytes),
      median(oursMs[i]!).toFixed(0),
      `${mb(o.bytes)} q${o.quality}${o.downscaled ? " downscaled" : ""}`,
      median(pillowMs[i]!).toFixed(0),
      `${mb(p.bytes)} q${p.quality}`,
      (median(pillowMs[i]!) / median(oursMs[i]!)).toFixed(2)
    ]
  })
  const header = ["image", "in MB", "sharp ms", "sharp out MB", "Pillow ms", "Pillow out MB", "Pillow/sharp time"]
  const table = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)))
  yield* Console.log(table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n"))
  const oursTotal = oursMs.reduce((s, xs) => s + median(xs), 0)
  const pillowTotal = pillowMs.reduce((s, xs) => s + median(xs), 0)
  const fits = (bytes: ReadonlyArray<number>) => bytes.filter((b) => b <= MAX_IMAGE_BYTES).length
  yield* Console.log(
    `total: sharp ${oursTotal.toFixed(0)} ms, Pillow ${pillowTotal.toFixed(0)} ms, ratio ${(pillowTotal / oursTotal).toFixed(2)}x ` +
      `(target >= 3x); outputs <= 5 MiB: sharp ${fits(oursLast.map((o) => o.bytes))}/${all.length}, ` +
      `Pillow ${fits(pillowLast.map((p) => p.bytes))}/${all.length}; load average ${
        Os.loadavg().map((l) => l.toFixed(2)).join(" ")
      }`
  )
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
