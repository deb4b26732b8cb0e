/**
 * What `switchboard gmail auth` reads back from the user: one line of stdin (bounded), holding either
 * the whole address Google redirected the browser to (its `state` must be ours) or the code alone.
 */
import { Effect, Either, Redacted } from "effect"

/** The first line of stdin (or all of it up to EOF), at most `maxBytes`; a string says what went wrong. */
export const readLine = (maxBytes: number): Effect.Effect<string, string> =>
  Effect.async<string, string>((resume) => {
    const stdin = process.stdin
    let buffered = ""
    const finish = (result: Effect.Effect<string, string>) => {
      cleanup()
      resume(result)
    }
    const onData = (chunk: string | Buffer) => {
      buffered += chunk.toString()
      const newline = buffered.indexOf("\n")
      if (newline >= 0) finish(Effect.succeed(buffered.slice(0, newline)))
      else if (Buffer.byteLength(buffered) > maxBytes) finish(Effect.fail(`more than ${maxBytes} bytes without a line break`))
    }
    const onEnd = () => finish(Effect.succeed(buffered))
    const onError = (e: Error) => finish(Effect.fail(`stdin could not be read: ${e.message}`))
    const cleanup = () => {
      stdin.off("data", onData)
      stdin.off("end", onEnd)
      stdin.off("error", onError)
      stdin.pause()
    }
    stdin.on("data", onData)
    stdin.on("end", onEnd)
    stdin.on("error", onError)
    stdin.resume()
    return Effect.sync(cleanup)
  })

const CODE = /^[\x21-\x7e]{1,2048}$/

/** The authorization code in what was pasted; Left names the problem (never echoing the paste). */
export const codeOf = (pasted: string, state: Redacted.Redacted<string>): Either.Either<Redacted.Redacted<string>, string> => {
  const text = pasted.trim()
  if (text === "") return Either.left("nothing was pasted")
  const query = /^https?:\/\//i.test(text)
    ? URL.canParse(text) ? new URL(text).searchParams : undefined
    : text.startsWith("?") || /(^|&)(code|error|state)=/.test(text)
    ? new URLSearchParams(text.replace(/^\?/, ""))
    : null
  if (query === undefined) return Either.left("the pasted address is not a valid URL")
  if (query === null) {
    let code = text
    try {
      code = decodeURIComponent(text)
    } catch {
      return Either.left("the pasted code is not valid (bad %-escape)")
    }
    return CODE.test(code) ? Either.right(Redacted.make(code)) : Either.left("the pasted code holds characters a code never has")
  }
  const error = query.get("error")
  if (error !== null) {
    const named = /^[a-z_]{1,64}$/.test(error) ? error : "unrecognised"
    return Either.left(`Google answered the consent with error ${named}${named === "access_denied" ? " (the consent was declined)" : ""}`)
  }
  if (query.get("state") !== null && query.get("state") !== Redacted.value(state)) {
    return Either.left("the pasted address belongs to another consent (its state differs): use the URL this command printed")
  }
  const code = query.get("code")
  if (code === null || code === "") return Either.left("the pasted address has no code= parameter")
  return CODE.test(code) ? Either.right(Redacted.make(code)) : Either.left("the pasted code holds characters a code never has")
}
