/** The conformance suite for the built-in connectors: sandbox, mock Outlook, Telegram and Gmail against their fakes, and the action connectors. */
import * as Actions from "../../src/connectors/actions/Definitions.js"
import { suite } from "./Conformance.suite.js"
import { gmail, outlook, sandbox, telegram } from "./Harnesses.js"

suite(sandbox)
suite(outlook)
suite(telegram)
suite(gmail)
for (const definition of Actions.definitions) suite({ definition })
