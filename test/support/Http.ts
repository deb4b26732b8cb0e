/** Tiny helpers for talking to a test hub over its real socket. */
import { Effect } from "effect"

export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

export const request = (url: string, init: RequestInit = {}) =>
  Effect.promise(async (): Promise<JsonResponse> => {
    const res = await fetch(url, init)
    const text = await res.text()
    let body: unknown = text
    try {
      body = text === "" ? null : JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, headers: res.headers, body }
  })

export const postJson = (url: string, token: string | undefined, body: unknown) =>
  request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
    },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** Reads a field of a JSON object body (tests assert on shapes they know). */
export const field = (body: unknown, key: string): unknown =>
  typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key] : undefined
