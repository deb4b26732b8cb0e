/** Test images: the real 16 MB photo of Debian's mate-backgrounds package, and generated noise. */
import { Effect } from "effect"
import { randomFillSync } from "node:crypto"
import sharp from "sharp"

/** 5640×3172, 16 MB (package mate-backgrounds, installed by .ci/run). */
export const REAL_PHOTO = "/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg"
/** 3840×2160, 8.5 MB, same package. */
export const REAL_PHOTO_4K = "/usr/share/backgrounds/mate/abstract/Elephants_3840x2160.jpg"

/** Random RGB pixels as a quality-95 JPEG: the worst case for JPEG compression. */
export const noiseJpegPromise = (width: number, height: number) =>
  sharp(randomFillSync(Buffer.alloc(width * height * 3)), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 }).toBuffer()

export const noiseJpeg = (width: number, height: number) => Effect.promise(() => noiseJpegPromise(width, height))
