/**
 * HTML bodies as plain text, with the kept library `html-to-text`: no word wrap, headings in their
 * own case, link targets and images left out (the text is for reading and routing, not rendering),
 * and bounded work on hostile input (input length, depth and child counts limited).
 */
import { compile } from "html-to-text"

/** HTML beyond this many characters is not looked at (the text is cut at 64 KiB anyway). */
export const MAX_HTML_CHARS = 1_000_000

const keepCase = ["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({ selector, options: { uppercase: false } }))

const convert = compile({
  wordwrap: false,
  limits: { maxInputLength: MAX_HTML_CHARS, maxDepth: 64, maxChildNodes: 5000, ellipsis: "…" },
  selectors: [
    ...keepCase,
    { selector: "a", options: { ignoreHref: true } },
    { selector: "img", format: "skip" }
  ]
})

/** Line ends as `\n`, no trailing spaces, at most one empty line in a row, trimmed (all linear time). */
export const tidy = (text: string): string =>
  text.replace(/\r\n?/g, "\n").split("\n").map((line) => line.trimEnd()).join("\n").replace(/\n{3,}/g, "\n\n").trim()

/** The readable text of an HTML document or fragment; undefined when the converter gives up on it. */
export const htmlToText = (html: string): string | undefined => {
  try {
    return tidy(convert(html))
  } catch {
    return undefined
  }
}
