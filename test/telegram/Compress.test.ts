import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { randomFillSync } from "node:crypto"
import * as Fs from "node:fs"
import sharp from "sharp"
import { compressToLimit, MAX_IMAGE_BYTES, probe } from "../../src/connectors/telegram/Compress.js"
import { noiseJpeg, REAL_PHOTO } from "../support/Images.js"

/** The stored bytes are what the result says they are. */
const assertDescribes = (result: Effect.Effect.Success<ReturnType<typeof compressToLimit>>) =>
  Effect.gen(function*() {
    const info = yield* probe(result.bytes)
    assert.strictEqual(info.format, "jpeg")
    assert.strictEqual(info.width, result.width)
    assert.strictEqual(info.height, result.height)
    assert.isAtMost(result.bytes.length, MAX_IMAGE_BYTES)
  })

describe("image compression to at most 5 MiB", () => {
  it.effect("a real 16 MB photo keeps its size and the top rung (quality 85)", () =>
    Effect.gen(function*() {
      assert.isTrue(Fs.existsSync(REAL_PHOTO), `${REAL_PHOTO} is missing: apt-get install mate-backgrounds`)
      const input = Fs.readFileSync(REAL_PHOTO)
      assert.isAbove(input.length, 3 * MAX_IMAGE_BYTES)
      const result = yield* compressToLimit(input)
      yield* assertDescribes(result)
      assert.strictEqual(result.quality, 85)
      assert.deepStrictEqual([result.width, result.height, result.downscaled], [5640, 3172, false])
    }), 60_000)

  it.effect("noise walks down the quality ladder", () =>
    Effect.gen(function*() {
      const input = yield* noiseJpeg(4000, 3000)
      assert.isAbove(input.length, 2 * MAX_IMAGE_BYTES)
      const result = yield* compressToLimit(input)
      yield* assertDescribes(result)
      assert.isBelow(result.quality, 85)
      assert.isFalse(result.downscaled)
    }), 60_000)

  it.effect("noise too big even at quality 35 is downscaled until it fits", () =>
    Effect.gen(function*() {
      const result = yield* compressToLimit(yield* noiseJpeg(6000, 4000))
      yield* assertDescribes(result)
      assert.isTrue(result.downscaled)
      assert.strictEqual(result.quality, 35)
      assert.isBelow(result.width, 6000)
      assert.strictEqual(Math.round(result.width / result.height * 100), 150)
    }), 60_000)

  it.effect("a tiny limit is still met (the ladder and downscaling always end under it)", () =>
    Effect.gen(function*() {
      const result = yield* compressToLimit(yield* noiseJpeg(800, 600), 20_000)
      assert.isAtMost(result.bytes.length, 20_000)
      assert.isTrue(result.downscaled)
    }))

  it.effect("a transparent PNG becomes a JPEG on white", () =>
    Effect.gen(function*() {
      const png = yield* Effect.promise(() =>
        sharp(randomFillSync(Buffer.alloc(2000 * 1500 * 4)), { raw: { width: 2000, height: 1500, channels: 4 } }).png()
          .toBuffer()
      )
      assert.isAbove(png.length, MAX_IMAGE_BYTES)
      const result = yield* compressToLimit(png)
      yield* assertDescribes(result)
      assert.strictEqual(result.mediaType, "image/jpeg")
    }), 60_000)

  it.effect("bytes that are not an image fail with ImageCompressionFailed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(compressToLimit(new Uint8Array(6 * 1024 * 1024).fill(7)))
      assert.strictEqual(error._tag, "ImageCompressionFailed")
    }))
})
