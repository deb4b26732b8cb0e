import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Option } from "effect"
import * as Mime from "../../../src/connectors/gmail/Mime.js"
import * as Normalize from "../../../src/connectors/gmail/Normalize.js"
import type { Parsed } from "../../../src/connectors/gmail/Parsed.js"
import { type IngestEnvelopeInput, MAX_NORMALIZED_TEXT_BYTES } from "../../../src/domain/Envelope.js"
import { utf8Bytes } from "../../../src/domain/Text.js"
import { validateEnvelope } from "../../../src/ingest/Validate.js"
import type { Message, MessagePart } from "../../../services/GmailApi.js"
import * as Corpus from "./Corpus.js"

const ENDPOINT = "gmail:user:hassanwari254@gmail.com"

interface Expected {
  readonly eventId: string
  readonly thread: string
  readonly sender: string
  readonly observedAt: string
  /** The whole normalized_text, or fragments it must contain (the first one at its start). */
  readonly text: string | ReadonlyArray<string>
  readonly source: Parsed["textSource"]
  readonly refetch?: string
  readonly notes?: ReadonlyArray<string>
  /** partId, filename, mimeType, declaredSize, how the bytes are obtained. */
  readonly candidates: ReadonlyArray<readonly [string, string, string, number, "attachmentId" | "inline"]>
}

const HASSAN = "hassanwari254@gmail.com"

const gmail: Record<string, Expected> = {
  "messages.get_full_empty_subject_alternative.json": {
    eventId: "<CAJd6Vj+F41HAS7NnkpSH-iY-tnaLeAiofCWHurBwNqOS5aW=zQ@mail.gmail.com>",
    thread: "1926aae51748a654",
    sender: HASSAN,
    observedAt: "2024-10-08T05:49:02Z",
    text: "",
    source: "none",
    candidates: []
  },
  "messages.get_full_html_only_iso-8859-1_qp_mojibake.json": {
    eventId: "<iuWHwffH3o5be8ku81UHFhbgnBPiAEpLFSJ14yRDRA@localhost>",
    thread: "1926a973a99da24c",
    sender: "info@tendersunlimited.com",
    observedAt: "2024-10-08T05:25:47Z",
    text: [
      "Addendum: Consultants To Conduct The Nationwide Stakeholders’ Technical Trainings On The National Building Code, 2024.\n\n",
      "Please find below links to tendering opportunities for your business.",
      " * 1 Addendum: Consultants To Conduct The Nationwide Stakeholders’ Technical Trainings",
      "Refine My Alerts »",
      "Terms | Privacy | Unsubscribe"
    ],
    source: "html",
    notes: ["mojibake_repaired"],
    candidates: []
  },
  "messages.get_full_html_only_utf8_no_cte.json": {
    eventId: "<1728364795.4995.noreply@windscribe.com>",
    thread: "1926abe2f19f960a",
    sender: "noreply@windscribe.com",
    observedAt: "2024-10-08T05:19:55Z",
    text: [
      "Windscribe September Updates (and another new video!)\n\nWindscribe Updates Since...August",
      "a delectable little exposé on how the VPN market tries to rip you off",
      "\n\nApple TV App\n\n"
    ],
    source: "html",
    candidates: []
  },
  "messages.get_full_html_only_utf8_qp.json": {
    eventId: "<b4156f3a0601766c6d808dfb9f865b3b@e.feedspot.com>",
    thread: "1926ab7f84de3228",
    sender: "nobody@e.feedspot.com",
    observedAt: "2024-10-08T06:01:34Z",
    text: [
      "U.K. Hacker Charged in $3.75 Million Insider Trading Scheme Using Hacked Executive Emails, Vulnerable APIs..\n\n",
      "Hybrid Analysis Utilizes Criminal IP’s Robust Domain Data for Better Malware Detection",
      "Read more at Feedspot →",
      "Click here to view this email in your browser"
    ],
    source: "html",
    candidates: []
  },
  "messages.get_full_mixed_alternative_plus_png_attachment.json": {
    eventId: "<CAJd6VjLp_JHF=M6r0OpOH8Jv9vDKPM=_001tqTu9=zAwaudDaQ@mail.gmail.com>",
    thread: "198a4a3d88e1774a",
    sender: HASSAN,
    observedAt: "2025-08-13T18:14:39Z",
    text: "ATTACHMENTS\n\nAnother one with attachments",
    source: "plain",
    candidates: [["1", "1200x600wa (1).png", "image/png", 31526, "attachmentId"]]
  },
  "messages.get_full_mixed_two_png_attachments.json": {
    eventId: "<CAJd6Vj+pug5qq8Kg4ZXuSz_5n9w3cpmFA5ax_HSP=2mYopcJFA@mail.gmail.com>",
    thread: "1926aade210af14d",
    sender: HASSAN,
    observedAt: "2024-10-08T05:48:56Z",
    text: "THIS IS AN EXAMPLE\n\nThis is an example body",
    source: "plain",
    candidates: [
      ["1", "img.PNG", "image/png", 19165, "attachmentId"],
      ["2", "imageee.PNG", "image/png", 7419, "attachmentId"]
    ]
  },
  "messages.get_full_multipart_alternative.json": {
    eventId: "<CAJd6VjLj+XGcbbBBOTfM=hRx0KPdSABLc6ztpoTjXusMwvGtvA@mail.gmail.com>",
    thread: "198a4a068a93bcf6",
    sender: HASSAN,
    observedAt: "2025-08-13T18:10:44Z",
    text: "This is from UI\n\nSimple mail",
    source: "plain",
    candidates: []
  },
  "messages.get_full_reply_qp_with_attachment.json": {
    eventId: "<CAJd6VjJ92nH4Rh_Jc4kDKk2rqBVR3=pS9i_kH2MvE4_AMA0-Dg@mail.gmail.com>",
    thread: "1926aade210af14d",
    sender: HASSAN,
    observedAt: "2024-10-08T05:49:17Z",
    text: "Re: THIS IS AN EXAMPLE\n\nResponse\n\nOn Tue, Oct 8, 2024 at 8:48\u202fAM Hassan Wari <hassanwari254@gmail.com> wrote:" +
      "\n\n> This is an example body\n>",
    source: "plain",
    candidates: [["1", "pic.PNG", "image/png", 3647, "attachmentId"]]
  },
  "messages.get_full_text_plain_only.json": {
    eventId: "<CAJd6VjKCTSWYmAvWeQDCiO5biKaO3pfeAm3NFO3fpB16Jn9cGw@mail.gmail.com>",
    thread: "198a49fe919e6fe5",
    sender: HASSAN,
    observedAt: "2025-08-13T18:09:59Z",
    text: "Test Email from Gmail API\n\nHi Hassan,\n\nThis is a test email sent using the Gmail API in Postman.\n\nWith regards,\nMe",
    source: "plain",
    candidates: []
  },
  "messages.get_metadata_linkedin_html_iso-8859-1.json": {
    eventId: "<278180625.25233942.1777495028010@ltx1-app71425.prod.linkedin.com>",
    thread: "19ddaf5caac0bbf9",
    sender: "updates-noreply@linkedin.com",
    observedAt: "2026-04-29T20:37:08Z",
    text: "Beste Keskiner and others share their thoughts on LinkedIn",
    source: "none",
    refetch: "headers_only",
    candidates: []
  },
  "messages.get_metadata_mixed_find_attached.json": {
    eventId: "<CAPvkvP4pPQtt53unQJODk53Wj1rDgjD5Jj-5w8rn=Xpb1CTk6Q@mail.gmail.com>",
    thread: "19ddaaa45f6506b0",
    sender: "api@nango.dev",
    observedAt: "2026-04-29T19:15:33Z",
    text: "Find Attached",
    source: "none",
    refetch: "headers_only",
    candidates: []
  },
  "messages.get_metadata_multipart_report_dsn.json": {
    eventId: "<69f24ff5.050a0220.1f77f2.2bfa.GMR@mx.google.com>",
    thread: "19dda884fb80bc9b",
    sender: "mailer-daemon@googlemail.com",
    observedAt: "2026-04-29T18:37:41Z",
    text: "Delivery Status Notification (Failure)",
    source: "none",
    refetch: "headers_only",
    candidates: []
  }
}

const EPOCH = "1970-01-01T00:00:00Z"

const email: Record<string, Expected> = {
  "python-stdlib_msg_10.eml": {
    eventId: "eml-10",
    thread: "thread-eml-10",
    sender: "barry@python.org",
    observedAt: "2001-04-20T23:35:02Z",
    text: [
      "Lyrics\n\nThis is a 7bit encoded message.",
      "\n¡This is a Quoted Printable encoded message!\n",
      "This is a Base64 encoded message.\nThis is a Base64 encoded message.",
      "This has no Content-Transfer-Encoding: header."
    ],
    source: "plain",
    candidates: []
  },
  "python-stdlib_msg_13.eml": {
    eventId: "eml-13",
    thread: "thread-eml-13",
    sender: "barry@digicool.com",
    observedAt: "2001-04-20T23:35:02Z",
    text: "Here is your dingus fish\n\nA text/plain part\n\nHi there,\n\nThis is the dingus fish.",
    source: "plain",
    candidates: [["raw.0", "dingusfish.gif", "image/gif", 3512, "inline"]]
  },
  "python-stdlib_msg_15.eml": {
    eventId: "<xxxx>",
    thread: "thread-eml-15",
    sender: "xx@xx.dk",
    observedAt: EPOCH,
    text: "XX\n\nSome removed test.",
    source: "plain",
    candidates: [["raw.0", "xx.gif", "image/gif", 21, "inline"]]
  },
  "python-stdlib_msg_16.eml": {
    eventId: "<0GK500B04D0B8X@cougar.noc.ucla.edu>",
    thread: "thread-eml-16",
    sender: "postmaster@ucla.edu",
    observedAt: "2001-09-24T03:14:35Z",
    text: [
      "Delivery Notification: Delivery has failed\n\nThis report relates to a message you sent with the following header fields:",
      "Recipient address: jangel1@cougar.noc.ucla.edu\n  Reason: recipient reached disk quota"
    ],
    source: "plain",
    candidates: []
  },
  "python-stdlib_msg_22.eml": {
    eventId: "<a05001902b7f1c33773e9@[134.84.183.138]>",
    thread: "thread-eml-22",
    sender: "b@example.com",
    observedAt: "2001-10-16T10:59:25Z",
    text: "Text text text.\n\nText text text.",
    source: "plain",
    candidates: [
      ["raw.0", "wibble.JPG", "image/jpeg", 272, "inline"],
      ["raw.1", "wibble2.JPG", "image/jpeg", 317, "inline"]
    ]
  },
  "python-stdlib_msg_38.eml": {
    eventId: "eml-38",
    thread: "thread-eml-38",
    sender: Normalize.UNKNOWN_SENDER,
    observedAt: EPOCH,
    text: ["Unlike the test test_nested-multiples-with-internal-boundary, this\npiece of text not only contains"],
    source: "plain",
    candidates: []
  },
  "python-stdlib_msg_43.eml": {
    eventId: "<edab.7804f5cb8070@python.org>",
    thread: "thread-eml-43",
    sender: Normalize.UNKNOWN_SENDER,
    observedAt: "2004-11-27T03:41:44Z",
    text: ["Banned file: auto__mail.python.bat in mail from you\n\nBANNED FILENAME ALERT\n\nYour message to: xxxxxxx@dot.ca.gov"],
    source: "plain",
    candidates: []
  },
  "python-stdlib_msg_45.eml": {
    eventId: "eml-45",
    thread: "thread-eml-45",
    sender: "foo@bar.baz",
    observedAt: EPOCH,
    text: "test\n\nThis is the signed contents.",
    source: "plain",
    candidates: [["raw.0", "signature.asc", "application/pgp-signature", 190, "inline"]]
  },
  "python-stdlib_msg_46.eml": {
    eventId: "eml-46",
    thread: "thread-eml-46",
    sender: "sender@example.net",
    observedAt: "2010-02-01T11:21:16Z",
    text: ["GroupwiseForwardingTest\n\n", "Subject: GroupwiseForwardingTest", "Testing email forwarding with Groupwise 1.2.2010"],
    source: "plain",
    candidates: []
  }
}

/** `payload.raw` as the JSON object Normalize builds. */
const rawOf = (e: IngestEnvelopeInput) => e.payload.raw as Readonly<Record<string, unknown>>
const normalizationOf = (e: IngestEnvelopeInput) => rawOf(e)["normalization"] as Readonly<Record<string, unknown>>

/** The envelope must pass the hub's own validation; returns it. */
const valid = (envelope: IngestEnvelopeInput): IngestEnvelopeInput => {
  const checked = validateEnvelope(envelope)
  assert.isTrue(Either.isRight(checked), Either.isLeft(checked) ? checked.left.message : "")
  return envelope
}

const check = (message: Message, parsed: Parsed, want: Expected) => {
  const envelope = valid(Normalize.toEnvelope(ENDPOINT, message, parsed))
  assert.deepStrictEqual(envelope.source, { channel: "email", provider: "gmail", endpoint_identity: ENDPOINT })
  assert.strictEqual(envelope.event.external_event_id, want.eventId)
  assert.strictEqual(envelope.event.external_thread_id, want.thread)
  assert.strictEqual(envelope.event.observed_at, want.observedAt)
  assert.strictEqual(envelope.sender.identity, want.sender)
  assert.strictEqual(envelope.control?.idempotency_key, `gmail:${ENDPOINT}:${want.eventId}`)
  const text = envelope.payload.normalized_text
  if (typeof want.text === "string") {
    assert.strictEqual(text, want.text)
  } else {
    assert.isTrue(text.startsWith(want.text[0]!), `starts with ${JSON.stringify(want.text[0])}: ${JSON.stringify(text.slice(0, 200))}`)
    for (const fragment of want.text) assert.include(text, fragment)
  }
  assert.strictEqual(parsed.textSource, want.source)
  assert.deepStrictEqual(parsed.notes, want.notes ?? [])
  assert.deepStrictEqual(Option.getOrUndefined(Option.map(parsed.refetch, (r) => r.reason)), want.refetch)
  assert.deepStrictEqual(
    parsed.attachments.map((c) => [c.partId, c.filename, c.mimeType, c.declaredSize, c.attachmentId === undefined ? "inline" : "attachmentId"]),
    want.candidates.map((c) => [...c])
  )
  for (const c of parsed.attachments) {
    if (c.inlineData !== undefined) assert.strictEqual(c.inlineData.length, c.declaredSize)
  }
  // payload.raw is metadata: ids and headers, never the body.
  const raw = rawOf(envelope)
  assert.strictEqual(raw["id"], message.id)
  assert.strictEqual(raw["threadId"], message.threadId)
  assert.deepStrictEqual(raw["labelIds"], message.labelIds)
  assert.isBelow(JSON.stringify(raw).length, 16 * 1024)
  return envelope
}

describe("Gmail normalization over the corpus", () => {
  it("covers every messages.get file and every .eml", () => {
    assert.deepStrictEqual(Object.keys(gmail).sort(), [...Corpus.gmailMessageFiles])
    assert.deepStrictEqual(Object.keys(email).sort(), [...Corpus.emlFiles])
  })

  for (const file of Corpus.gmailMessageFiles) {
    it(`${file} (parseFull)`, () => {
      const message = Corpus.gmailMessage(file)
      const envelope = check(message, Mime.parseFull(message), gmail[file]!)
      assert.strictEqual(rawOf(envelope)["internalDate"], message.internalDate)
      assert.strictEqual(rawOf(envelope)["historyId"], message.historyId)
      assert.strictEqual(rawOf(envelope)["sizeEstimate"], message.sizeEstimate)
    })
  }

  for (const file of Corpus.emlFiles) {
    it.effect(`${file} (as format=raw, parseRaw)`, () =>
      Effect.gen(function*() {
        const message = Corpus.emlMessage(file)
        const parsed = yield* Mime.parseRaw(message.raw!)
        assert.strictEqual(parsed.format, "raw")
        check(message, parsed, email[file]!)
      }))
  }
})

describe("Gmail normalization traps", () => {
  const full = (file: string) => {
    const message = Corpus.gmailMessage(file)
    const parsed = Mime.parseFull(message)
    return { message, parsed, envelope: valid(Normalize.toEnvelope(ENDPOINT, message, parsed)) }
  }

  it("ISO-8859-1 mojibake: Gmail's UTF-8 is not decoded twice, the mis-declared UTF-8 is repaired; raw keeps the header as sent", () => {
    const { envelope, message, parsed } = full("messages.get_full_html_only_iso-8859-1_qp_mojibake.json")
    const text = envelope.payload.normalized_text
    assert.notInclude(text, "â€™")
    assert.notInclude(text, "Ã")
    assert.include(parsed.subject, "The Nationwide Stakeholders’ Technical Trainings")
    // body.size (21728) counts the original bytes: Gmail's data is their UTF-8 (21735 bytes), all of it read.
    assert.strictEqual(message.payload?.body?.size, 21728)
    assert.isTrue(text.endsWith("Terms | Privacy | Unsubscribe"))
    const headers = rawOf(envelope)["headers"] as Record<string, string>
    assert.include(headers["subject"], "Stakeholdersâ€™")
    assert.strictEqual(headers["content-type"], "text/html; charset=iso-8859-1")
  })

  it.effect("the same mojibake in a raw message (QP, ISO-8859-1, encoded-word subject) gives the same text", () =>
    Effect.gen(function*() {
      const raw = [
        "From: \"Tenders\" <INFO@Tenders.example>",
        "Subject: =?iso-8859-1?Q?Stakeholders=E2=80=99_Trainings?=",
        "Message-ID: <m1@tenders.example>",
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>The Stakeholders=E2=80=99 Technical Trainings</p><p>Refine =C2=BB</p>"
      ].join("\r\n")
      const parsed = yield* Mime.parseRaw(Buffer.from(raw).toString("base64url"))
      assert.strictEqual(parsed.subject, "Stakeholders’ Trainings")
      assert.strictEqual(parsed.text, "The Stakeholders’ Technical Trainings\n\nRefine »")
      assert.deepStrictEqual(parsed.from, Option.some({ address: "info@tenders.example", name: "Tenders" }))
      assert.deepStrictEqual(parsed.notes, ["mojibake_repaired"])
    }))

  it.effect("a raw message postal-mime refuses (nested past 64 levels) is still a valid envelope, noted", () =>
    Effect.gen(function*() {
      const depth = 70
      const open = Array.from({ length: depth }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`)
      const raw = Buffer.from(`Subject: deep\r\n${open.join("")}Content-Type: text/plain\r\n\r\nbottom\r\n`).toString("base64url")
      const parsed = yield* Mime.parseRaw(raw)
      assert.deepStrictEqual(parsed.notes, ["raw_unparseable"])
      const message: Message = { id: "18f2", threadId: "18f2", internalDate: "1700000000000", raw }
      const envelope = valid(Normalize.toEnvelope(ENDPOINT, message, parsed))
      assert.deepStrictEqual([envelope.event.external_event_id, envelope.sender.identity], ["18f2", Normalize.UNKNOWN_SENDER])
      assert.deepStrictEqual(normalizationOf(envelope)["notes"], ["raw_unparseable"])
    }))

  it("a message without a Content-Type header is text/plain; Message-Id matches in any case", () => {
    const { parsed } = full("messages.get_full_text_plain_only.json")
    assert.strictEqual(parsed.textSource, "plain")
    assert.deepStrictEqual(parsed.messageId, Option.some("<CAJd6VjKCTSWYmAvWeQDCiO5biKaO3pfeAm3NFO3fpB16Jn9cGw@mail.gmail.com>"))
    assert.deepStrictEqual(parsed.from, Option.some({ address: HASSAN, name: "" }))
  })

  it("an empty subject and an empty body give an empty text, still a valid envelope", () => {
    const { envelope, parsed } = full("messages.get_full_empty_subject_alternative.json")
    assert.strictEqual(parsed.subject, "")
    assert.strictEqual(envelope.payload.normalized_text, "")
    assert.deepStrictEqual(parsed.from, Option.some({ address: HASSAN, name: "Hassan Wari" }))
  })

  it("metadata answers: subject only, flagged for a full fetch", () => {
    const { envelope, parsed } = full("messages.get_metadata_multipart_report_dsn.json")
    assert.strictEqual(parsed.format, "metadata")
    assert.deepStrictEqual(parsed.refetch, Option.some({ format: "full", reason: "headers_only" }))
    assert.strictEqual(normalizationOf(envelope)["refetch"], "headers_only")
  })

  const base = (payload: MessagePart | undefined, extra: Partial<Message> = {}): Message => ({
    id: "18f0000000000001",
    threadId: "18f0000000000000",
    internalDate: "1700000000000",
    ...(payload === undefined ? {} : { payload }),
    ...extra
  })
  const data = (s: string | Uint8Array) => Buffer.from(s).toString("base64url")
  const headers = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }))

  it("a text body moved to an attachmentId asks for format=raw; a missing payload too", () => {
    const moved = Mime.parseFull(base({
      mimeType: "multipart/mixed",
      headers: headers({ Subject: "big" }),
      body: { size: 0 },
      parts: [{ partId: "0", mimeType: "text/plain", filename: "", body: { size: 9_000_000, attachmentId: "ANG-body" } }]
    }))
    assert.deepStrictEqual(moved.refetch, Option.some({ format: "raw", reason: "body_in_attachment" }))
    assert.deepStrictEqual(moved.attachments, [])
    assert.deepStrictEqual(Mime.parseFull(base(undefined)).refetch, Option.some({ format: "raw", reason: "no_payload" }))
    valid(Normalize.toEnvelope(ENDPOINT, base(undefined), Mime.parseFull(base(undefined))))
  })

  it("bytes Gmail left in a declared charset are read in it; an unknown charset gives U+FFFD, both noted", () => {
    const latin = Uint8Array.from([...Buffer.from("caf"), 0xe9, 0x20, 0x80, 0x20, 0x93, 0x6f, 0x6b, 0x94])
    const part = (charset: string): MessagePart => ({
      mimeType: "text/plain",
      headers: headers({ "Content-Type": `text/plain; charset="${charset}"` }),
      body: { size: latin.length, data: data(latin) }
    })
    const known = Mime.parseFull(base(part("ISO-8859-1")))
    assert.strictEqual(known.text, "café € “ok”")
    assert.deepStrictEqual(known.notes, ["charset_invalid"])
    const unknown = Mime.parseFull(base(part("x-klingon")))
    assert.strictEqual(unknown.text, "caf\ufffd \ufffd \ufffdok\ufffd")
    assert.deepStrictEqual(unknown.notes, ["charset_unknown"])
  })

  it("text over 64 KiB is cut at a character boundary and reported", () => {
    const body = "é".repeat(20_000) + "😀".repeat(10_000)
    const message = base({ mimeType: "text/plain", headers: headers({ Subject: "long" }), body: { data: data(body) } })
    const envelope = valid(Normalize.toEnvelope(ENDPOINT, message, Mime.parseFull(message)))
    const text = envelope.payload.normalized_text
    assert.isAtMost(utf8Bytes(text), MAX_NORMALIZED_TEXT_BYTES)
    assert.isAbove(utf8Bytes(text), MAX_NORMALIZED_TEXT_BYTES - 4)
    assert.isTrue(text.startsWith("long\n\néé"))
    assert.isTrue(text.endsWith("😀"))
    const normalization = normalizationOf(envelope)
    assert.strictEqual(normalization["text_truncated"], true)
    assert.strictEqual(normalization["text_bytes"], 6 + 40_000 + 40_000)
  })

  it("NUL is removed and lone surrogates become U+FFFD in subject, sender and body", () => {
    const message = base({
      mimeType: "text/plain",
      headers: headers({ Subject: "a\u0000b\ud800c", From: "N\u0000ame <X\u0000@Example.ORG>", "Message-ID": "<id\udc00@x>" }),
      body: { data: data("body\u0000text") }
    })
    const parsed = Mime.parseFull(message)
    const envelope = valid(Normalize.toEnvelope(ENDPOINT, message, parsed))
    assert.strictEqual(envelope.payload.normalized_text, "ab\ufffdc\n\nbodytext")
    assert.strictEqual(envelope.sender.identity, "x@example.org")
    assert.strictEqual(envelope.event.external_event_id, "<id\ufffd@x>")
  })

  it("no usable Message-ID → Gmail's id; no internalDate → the Date header, then the epoch", () => {
    const noId = base({ mimeType: "text/plain", headers: headers({ "Message-ID": "  ", Date: "Tue, 8 Oct 2024 08:49:02 +0300" }) }, {
      internalDate: "not a number"
    })
    const a = valid(Normalize.toEnvelope(ENDPOINT, noId, Mime.parseFull(noId)))
    assert.strictEqual(a.event.external_event_id, "18f0000000000001")
    assert.strictEqual(a.control?.idempotency_key, `gmail:${ENDPOINT}:18f0000000000001`)
    assert.strictEqual(a.event.observed_at, "2024-10-08T05:49:02Z")
    const longId = base({ mimeType: "text/plain", headers: headers({ "Message-ID": `<${"x".repeat(600)}@y>` }) }, {
      internalDate: undefined
    })
    const b = valid(Normalize.toEnvelope(ENDPOINT, longId, Mime.parseFull(longId)))
    assert.strictEqual(b.event.external_event_id, "18f0000000000001")
    assert.strictEqual(b.event.observed_at, "1970-01-01T00:00:00Z")
    assert.strictEqual(normalizationOf(b)["observed_at_from"], "epoch")
  })

  it("multipart/report reads its human part only; inline parts with a filename are candidates with their bytes", () => {
    const parsed = Mime.parseFull(base({
      mimeType: "multipart/report",
      body: { size: 0 },
      parts: [
        { partId: "0", mimeType: "text/plain", body: { data: data("Address not found") } },
        { partId: "1", mimeType: "message/delivery-status", body: { data: data("Reporting-MTA: dns; x") } },
        {
          partId: "2",
          mimeType: "message/rfc822",
          body: { size: 0 },
          parts: [
            { partId: "2.0", mimeType: "text/plain", body: { data: data("the original") } },
            { partId: "2.1", mimeType: "TEXT/CALENDAR", filename: "../../invite.ics", body: { data: data("BEGIN:VCALENDAR") } }
          ]
        }
      ]
    }))
    assert.strictEqual(parsed.text, "Address not found")
    assert.deepStrictEqual(
      parsed.attachments.map((c) => [c.partId, c.filename, c.mimeType, c.declaredSize, Buffer.from(c.inlineData!).toString()]),
      [["2.1", "invite.ics", "text/calendar", 15, "BEGIN:VCALENDAR"]]
    )
  })
})

/** Strings a hostile sender or a broken server may produce. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("\u0000", "\ud800", "\udfff", "a\ud83d", "=?utf-8?B?AA==?=", "=?x-unknown?Q?=FF=00?=", "<>", " ", "\r\n\t"),
  fc.constantFrom("x".repeat(100_000), "é".repeat(70_000), "<".repeat(50_000))
)
const text = fc.array(nasty, { maxLength: 4 }).map((parts) => parts.join(""))
const mimeType = fc.oneof(
  fc.constantFrom("text/plain", "text/html", "TEXT/HTML", "multipart/mixed", "multipart/alternative", "multipart/report"),
  fc.constantFrom("image/png", "application/pdf", "message/rfc822", "application/octet-stream", "nonsense", ""),
  text
)
const headerArb = fc.record({
  name: fc.oneof(fc.constantFrom("Subject", "From", "FROM", "Message-ID", "Date", "Content-Type", "Content-Disposition"), text),
  value: text
})
const bodyArb = fc.record({
  attachmentId: fc.option(text, { nil: undefined }),
  size: fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined }),
  data: fc.option(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("base64url")), text), {
    nil: undefined
  })
}, { requiredKeys: [] })

const { part: partArb } = fc.letrec<{ part: MessagePart }>((tie) => ({
  part: fc.record({
    partId: fc.option(text, { nil: undefined }),
    mimeType: fc.option(mimeType, { nil: undefined }),
    filename: fc.option(text, { nil: undefined }),
    headers: fc.option(fc.array(headerArb, { maxLength: 6 }), { nil: undefined }),
    body: fc.option(bodyArb, { nil: undefined }),
    parts: fc.option(fc.array(tie("part"), { maxLength: 3 }), { nil: undefined })
  }, { requiredKeys: [] })
}))

/** A chain of nested multiparts deeper than the walk goes. */
const deep = fc.integer({ min: 1, max: 200 }).map((depth) => {
  let part: MessagePart = { mimeType: "text/plain", body: { data: Buffer.from("bottom").toString("base64url") } }
  for (let i = 0; i < depth; i++) part = { mimeType: "multipart/mixed", body: { size: 0 }, parts: [part] }
  return part
})

const messageArb = fc.record({
  id: fc.oneof(fc.hexaString({ minLength: 1, maxLength: 16 }), text),
  threadId: fc.oneof(fc.hexaString({ minLength: 1, maxLength: 16 }), text),
  labelIds: fc.option(fc.array(text, { maxLength: 5 }), { nil: undefined }),
  historyId: fc.option(text, { nil: undefined }),
  internalDate: fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 16n }).map(String), text), { nil: undefined }),
  sizeEstimate: fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined }),
  payload: fc.option(fc.oneof(partArb, deep), { nil: undefined })
}, { requiredKeys: ["id", "threadId"] })

describe("Gmail normalization of hostile input", () => {
  it.prop("any MIME tree and header values: parseFull never throws and the envelope is valid", [messageArb], ([message]) => {
    const parsed = Mime.parseFull(message)
    valid(Normalize.toEnvelope(ENDPOINT, message, parsed))
    assert.isAtMost(parsed.attachments.length, Mime.MAX_PARTS)
  }, { fastCheck: { numRuns: 300 } })

  it.effect.prop(
    "any RFC 822 text: parseRaw never fails and the envelope is valid",
    [fc.array(headerArb, { maxLength: 8 }), text, fc.constantFrom("", "multipart/mixed; boundary=b", "text/html; charset=x")],
    ([hs, body, contentType]) =>
      Effect.gen(function*() {
        const lines = [...hs.map((h) => `${h.name}: ${h.value}`), ...(contentType === "" ? [] : [`Content-Type: ${contentType}`])]
        const raw = Buffer.from(`${lines.join("\r\n")}\r\n\r\n--b\r\n\r\n${body}\r\n--b--\r\n`).toString("base64url")
        const message: Message = { id: "18f1", threadId: "18f1", raw }
        const parsed = yield* Mime.parseRaw(raw)
        valid(Normalize.toEnvelope(ENDPOINT, message, parsed))
      }),
    { fastCheck: { numRuns: 200 } }
  )
})
