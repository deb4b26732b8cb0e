/** The conformance suite for the built-in connectors: sandbox, mock Outlook, Telegram and Gmail against their fakes. */
import { suite } from "./Conformance.suite.js"
import { gmail, outlook, sandbox, telegram } from "./Harnesses.js"

suite(sandbox)
suite(outlook)
suite(telegram)
suite(gmail)
