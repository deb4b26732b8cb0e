/**
 * Watches the pollers of a fake Bot API (test/support/FakeTelegram.ts): the fake answers 409 to a waiting
 * getUpdates when a second one arrives, as Telegram does. A 409 sent to a poller whose connection was
 * already gone (a runner killed with -9 mid long-poll) reached nobody; one that reached a live poller
 * means two pollers polled at once. Both are counted, as are getUpdates calls that found another open.
 */
import type * as Http from "node:http"
import type { FakeTelegramServer } from "../../support/FakeTelegram.js"

export interface PollWatch {
  /** getUpdates calls so far. */
  readonly polls: () => number
  /** getUpdates calls that arrived while another getUpdates was still open on a live connection. */
  readonly overlaps: () => number
  /** 409 answers to getUpdates that reached the poller (two pollers at once). */
  readonly conflictsDelivered: () => number
  /** 409 answers to getUpdates whose poller had already gone (nobody received them). */
  readonly conflictsUndelivered: () => number
}

export const watch = (fake: FakeTelegramServer): PollWatch => {
  const open = new Set<Http.ServerResponse>()
  let polls = 0
  let overlaps = 0
  let delivered = 0
  let undelivered = 0
  fake.server.prependListener("request", (req: Http.IncomingMessage, res: Http.ServerResponse) => {
    if (!/\/getUpdates$/.test(new URL(req.url ?? "/", "http://fake").pathname)) return
    polls++
    if ([...open].some((other) => other.socket !== null && !other.socket.destroyed)) overlaps++
    open.add(res)
    res.once("close", () => {
      open.delete(res)
      if (res.statusCode !== 409) return
      if (res.writableFinished) delivered++
      else undelivered++
    })
  })
  return {
    polls: () => polls,
    overlaps: () => overlaps,
    conflictsDelivered: () => delivered,
    conflictsUndelivered: () => undelivered
  }
}
