// Mode `send`: one message, from a stored template (`template` + `vars`) or from content given
// inline (`content` with its `type`, optionally `interpolate`d with `vars`).
import type { Dispatcher } from "undici";
import { SenderKit } from "../src/client.ts";
import type { Message } from "../src/objects.ts";
import { rawSendBody, templateSendBody } from "../src/internal/send-params.ts";
import type { RawContent, SendOptions, SendRawOptions } from "../src/resources/messages.ts";
import { traceMetadata, withTraceMetadata } from "./context.ts";
import type { GitHubContext } from "./context.ts";
import { shortHash, stableJson, stepIdempotencyKey } from "./idempotency.ts";
import { InputReader, readConnection, readIdempotencyKey } from "./inputs.ts";
import type { InputName } from "./inputs.ts";
import type { Runner } from "./runner.ts";
import { logText } from "./runner.ts";
import { watchReplays } from "./replay-watch.ts";
import { markdownTable } from "./summary.ts";

export type SendRequest =
  | { kind: "template"; template: string; to: string; options: SendOptions & { idempotencyKey: string | undefined } }
  | {
      kind: "content";
      content: RawContent;
      to: string;
      options: SendRawOptions & { idempotencyKey: string | undefined };
    };

/**
 * Reads the send inputs into a request the client accepts, checking it with the client's own
 * rules so a bad input fails here, named, before anything is sent. `warnings` are for the log.
 */
export function readSendRequest(
  input: InputReader,
  context: GitHubContext,
): { request: SendRequest | undefined; warnings: string[] } {
  const warnings: string[] = [];
  const problemsBefore = input.problems.length;
  const template = input.optionalText("template");
  const contentText = input.optionalText("content");
  const content = input.mapping("content");
  const to = input.requiredText(
    "to",
    "in send mode: the recipient (an email address, a phone number, a device token or a push subscription)",
  );
  const vars = input.mapping("vars");
  const interpolate = input.boolean("interpolate");
  const userMetadata = input.stringMapping("metadata");
  const cc = input.list("cc");
  const bcc = input.list("bcc");
  const replyTo = input.optionalText("reply-to");
  const scheduledAt = input.optionalText("scheduled-at");
  const givenKey = readIdempotencyKey(input);

  if (template === undefined && contentText === undefined) {
    input.problem(
      "template",
      "give `template` (the slug of a stored template) or `content` (the message itself, with its `type`)",
    );
  } else if (template !== undefined && contentText !== undefined) {
    input.problem("content", "give either `template` or `content`, not both");
  }
  if (contentText !== undefined) {
    for (const name of ["cc", "bcc", "reply-to"] as const) {
      if (input.optionalText(name) !== undefined) input.problem(name, "only template sends take cc, bcc and reply-to");
    }
  } else if (interpolate) {
    warnings.push("interpolate: only applies to `content` sends (stored templates are always rendered); ignored");
  }
  if (input.problems.length > problemsBefore || to === undefined) return { request: undefined, warnings };

  const { metadata, dropped } = withTraceMetadata(userMetadata, traceMetadata(context));
  if (dropped.length > 0) warnings.push(`metadata: no room for ${dropped.join(", ")} (at most 50 keys)`);

  // Everything the step sends: matrix legs share the step (GITHUB_JOB is the same in each), so
  // legs sending different vars, metadata or content get different keys, while a re-run with
  // the same inputs gets the same key and replays. Trace metadata is left out: it is the run's.
  const sent = {
    template,
    content,
    vars,
    metadata: userMetadata,
    interpolate: contentText !== undefined ? interpolate : undefined,
    cc,
    bcc,
    replyTo,
    scheduledAt,
  };
  const discriminator = ["send", template ?? "", to, shortHash([stableJson(sent)])];
  const idempotencyKey = givenKey ?? stepIdempotencyKey(context, discriminator);
  const request: SendRequest =
    template !== undefined
      ? { kind: "template", template, to, options: { vars, metadata, cc, bcc, replyTo, scheduledAt, idempotencyKey } }
      : {
          kind: "content",
          content: content as RawContent,
          to,
          options: { vars, metadata, interpolate, scheduledAt, idempotencyKey },
        };

  // The client's checks, run now so their findings name inputs instead of failing a send later.
  try {
    if (request.kind === "template") templateSendBody(request.template, request.to, request.options);
    else rawSendBody(request.to, request.content, request.options);
  } catch (error) {
    const issues = (error as { issues?: { path: (string | number)[]; message: string }[] }).issues;
    if (!issues) throw error;
    for (const issue of issues) {
      const { name, detail } = inputOfIssue(issue.path);
      input.problem(name, detail ? `${detail}: ${issue.message}` : issue.message);
    }
    return { request: undefined, warnings };
  }
  return { request, warnings };
}

/** Which input a client issue is about: `["content", "subject"]` → `content`, `subject`. */
function inputOfIssue(path: (string | number)[]): { name: InputName; detail: string } {
  const [first, ...rest] = path;
  const detail = rest.map(String).join(".");
  switch (first) {
    case "cc":
    case "bcc":
      return { name: first, detail: typeof rest[0] === "number" ? `address ${rest[0] + 1}` : detail };
    case "template":
    case "to":
    case "vars":
    case "content":
    case "metadata":
    case "interpolate":
      return { name: first, detail };
    case "replyTo":
      return { name: "reply-to", detail };
    case "scheduledAt":
      return { name: "scheduled-at", detail };
    case "idempotencyKey":
      return { name: "idempotency-key", detail };
    default:
      return { name: "template", detail: path.map(String).join(".") };
  }
}

export async function sendMessage(client: Pick<SenderKit, "send" | "sendRaw">, request: SendRequest): Promise<Message> {
  return request.kind === "template"
    ? client.send(request.template, request.to, request.options)
    : client.sendRaw(request.to, request.content, request.options);
}

export function sendSummary(request: SendRequest, message: Message, replayed = false): string {
  const what = request.kind === "template" ? `template ${request.template}` : `${request.content.type} content`;
  return [
    replayed
      ? `### SenderKit: message ${message.status} (replayed; nothing sent again)`
      : `### SenderKit: message ${message.status}`,
    "",
    markdownTable(
      ["Message", "Status", "Channel", "Sent from", "Recipient"],
      [[{ code: message.id }, message.status, message.channel, what, request.to]],
    ),
    "",
  ].join("\n");
}

export type SendClient = Pick<SenderKit, "send" | "sendRaw" | "close">;
type ClientOptions = { apiKey: string; baseUrl: string | undefined; dispatcher: Dispatcher };

/** The whole mode, as the runner runs it: inputs in, one message out, outputs and summary. */
export async function runSendMode(
  runner: Runner,
  context: GitHubContext,
  apiKey: string,
  createClient: (options: ClientOptions) => SendClient = (options) => new SenderKit(options),
): Promise<void> {
  const input = new InputReader(runner);
  const connection = readConnection(input, apiKey, "in send mode");
  const { request, warnings } = readSendRequest(input, context);
  input.check();
  for (const warning of warnings) runner.warning(warning);
  if (!connection || !request) return;

  const watch = watchReplays();
  const client = createClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl, dispatcher: watch.dispatcher });
  try {
    const target = request.kind === "template" ? `template ${request.template}` : `${request.content.type} content`;
    const message = await runner.group(`Sending ${target} to ${request.to}`, async () => {
      runner.info(`idempotency key: ${request.options.idempotencyKey ?? "(a fresh one; not in a workflow run)"}`);
      const sent = await sendMessage(client, request);
      const replay = watch.replayed() ? " (replayed; nothing sent again: an earlier attempt sent it)" : "";
      runner.info(runner.redact(`${logText(sent.id)}: ${logText(sent.status)}${replay}`));
      return sent;
    });
    runner.setOutput("message-id", runner.redact(message.id));
    runner.setOutput("status", runner.redact(message.status));
    runner.setOutput("replayed", String(watch.replayed()));
    await runner.appendSummary(runner.redact(sendSummary(request, message, watch.replayed())));
  } finally {
    await client.close();
    await watch.dispatcher.close();
  }
}
