/**
 * Images over 5 MiB become JPEGs of at most 5 MiB, always: the quality ladder 85→75→65→55→45→35
 * (libjpeg-turbo, `mozjpeg: false`: ~8× faster, EFFECT_NOTES (e)), then downscaling at quality 35
 * until it fits. The image is decoded once; the rungs are probed with fast encodes (85 first,
 * then a bisection), so most images need one to four encodes instead of up to six optimised ones.
 */
import { Data, Effect } from "effect"
import sharp from "sharp"

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024
export const QUALITY_LADDER: ReadonlyArray<number> = [85, 75, 65, 55, 45, 35]

/** The image could not be decoded or encoded. */
export class ImageCompressionFailed extends Data.TaggedError("ImageCompressionFailed")<{ readonly message: string }> {}

export interface CompressedImage {
  readonly bytes: Uint8Array
  readonly mediaType: "image/jpeg"
  readonly width: number
  readonly height: number
  /** The ladder rung used (35 when it had to downscale). */
  readonly quality: number
  /** Whether the image was made smaller than its original dimensions. */
  readonly downscaled: boolean
  /** JPEG encodes it took. */
  readonly encodes: number
}

export interface ImageInfo {
  readonly width: number
  readonly height: number
  readonly format: string
}

interface Pixels {
  readonly data: Buffer
  readonly width: number
  readonly height: number
  readonly channels: 1 | 2 | 3 | 4
}

const attempt = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (cause) =>
      new ImageCompressionFailed({ message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

/** Reads dimensions and format from the header only. */
export const probe = (input: Uint8Array) =>
  attempt("reading image header", () => sharp(input).metadata()).pipe(
    Effect.flatMap((m) =>
      m.width !== undefined && m.height !== undefined && m.format !== undefined
        ? Effect.succeed<ImageInfo>({ width: m.width, height: m.height, format: m.format })
        : Effect.fail(new ImageCompressionFailed({ message: "image has no dimensions" }))
    )
  )

/** Decodes once to raw pixels: EXIF orientation applied, transparency flattened onto white. */
const decode = (input: Uint8Array) =>
  attempt("decoding image", () =>
    sharp(input, { limitInputPixels: 200_000_000 }).rotate().flatten({ background: "#ffffff" }).raw()
      .toBuffer({ resolveWithObject: true })).pipe(
      Effect.map(({ data, info }): Pixels => ({
        data,
        width: info.width,
        height: info.height,
        channels: info.channels
      }))
    )

/** `optimise`: two-pass Huffman tables, 1–4 % smaller but 3–7× slower; probes skip it. */
const encode = (pixels: Pixels, quality: number, width?: number, optimise = false) =>
  attempt(`encoding JPEG at quality ${quality}`, () => {
    const image = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } })
    const sized = width === undefined ? image : image.resize({ width, withoutEnlargement: true })
    return sized.jpeg({ quality, mozjpeg: false, optimiseCoding: optimise }).toBuffer({ resolveWithObject: true })
  }).pipe(Effect.map(({ data, info }) => ({ bytes: new Uint8Array(data), width: info.width, height: info.height })))

type Encoded = Effect.Effect.Success<ReturnType<typeof encode>>

interface Found {
  readonly index: number
  readonly out: Encoded
  readonly encodes: number
}

/** Fast probe sizes by rung index, as they are learned. */
type Probed = ReadonlyMap<number, Encoded>

/** Bisects rungs `[lo, hi]` with fast probes; every probe result is kept. */
const bisect = (
  pixels: Pixels,
  limit: number,
  lo: number,
  hi: number,
  probed: Probed
): Effect.Effect<Probed, ImageCompressionFailed> => {
  if (lo > hi) return Effect.succeed(probed)
  const mid = Math.floor((lo + hi) / 2)
  return encode(pixels, QUALITY_LADDER[mid]!).pipe(
    Effect.flatMap((out) => {
      const next = new Map(probed).set(mid, out)
      return out.bytes.length <= limit ? bisect(pixels, limit, lo, mid - 1, next) : bisect(pixels, limit, mid + 1, hi, next)
    })
  )
}

/**
 * The highest rung that fits. Probes skip Huffman optimisation (3–7× faster, 1–4 % bigger): 85
 * first, as real photos usually fit there, then a bisection of the rest. The rung above the result
 * gets one optimised try when its probe missed the limit by under 4 %.
 */
const ladder = (pixels: Pixels, limit: number): Effect.Effect<Found, ImageCompressionFailed> =>
  Effect.gen(function*() {
    const last = QUALITY_LADDER.length - 1
    const top = yield* encode(pixels, QUALITY_LADDER[0]!)
    const probed = top.bytes.length <= limit
      ? new Map([[0, top]])
      : yield* bisect(pixels, limit, 1, last, new Map([[0, top]]))
    const fitting = [...probed].filter(([, out]) => out.bytes.length <= limit).sort(([a], [b]) => a - b)[0]
    const found: Found = fitting === undefined
      ? { index: last, out: probed.get(last)!, encodes: probed.size }
      : { index: fitting[0], out: fitting[1], encodes: probed.size }
    const above = fitting === undefined ? last : found.index - 1
    const aboveProbe = probed.get(above)
    if (above < 0 || aboveProbe === undefined || aboveProbe.bytes.length > limit * 1.04) return found
    const optimised = yield* encode(pixels, QUALITY_LADDER[above]!, undefined, true)
    return optimised.bytes.length <= limit || optimised.bytes.length < found.out.bytes.length
      ? { index: above, out: optimised, encodes: found.encodes + 1 }
      : { ...found, encodes: found.encodes + 1 }
  })

/** Shrinks the width (estimated from the size ratio, with a margin) until the JPEG fits. */
const downscale = (
  pixels: Pixels,
  limit: number,
  last: Encoded,
  encodes: number
): Effect.Effect<CompressedImage, ImageCompressionFailed> => {
  if (last.bytes.length <= limit) {
    return Effect.succeed({
      bytes: last.bytes,
      mediaType: "image/jpeg",
      width: last.width,
      height: last.height,
      quality: QUALITY_LADDER[QUALITY_LADDER.length - 1]!,
      downscaled: last.width < pixels.width,
      encodes
    })
  }
  const width = Math.max(1, Math.min(last.width - 1, Math.floor(last.width * Math.sqrt(limit / last.bytes.length) * 0.95)))
  return encode(pixels, QUALITY_LADDER[QUALITY_LADDER.length - 1]!, width).pipe(
    Effect.flatMap((out) => downscale(pixels, limit, out, encodes + 1))
  )
}

/** A JPEG of at most `limit` bytes (default 5 MiB) from any image sharp can read. */
export const compressToLimit = (input: Uint8Array, limit = MAX_IMAGE_BYTES) =>
  Effect.gen(function*() {
    const pixels = yield* decode(input)
    const found = yield* ladder(pixels, limit)
    if (found.out.bytes.length <= limit) {
      return {
        bytes: found.out.bytes,
        mediaType: "image/jpeg",
        width: found.out.width,
        height: found.out.height,
        quality: QUALITY_LADDER[found.index]!,
        downscaled: false,
        encodes: found.encodes
      } satisfies CompressedImage
    }
    return yield* downscale(pixels, limit, found.out, found.encodes)
  })

/** Image media types worth recompressing (animated and vector formats are left alone). */
export const isCompressible = (mediaType: string) =>
  mediaType.startsWith("image/") && !["image/gif", "image/svg+xml"].includes(mediaType)
