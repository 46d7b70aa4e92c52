// Channel rules: checks on what each fixture renders to, the message as it would be sent. Each
// finding has a rule id (findings.ts); the README's "Rules" section says where each limit comes
// from. A finding that several fixtures share is reported once, naming them.
import type { Channel } from "../internal/rules.ts";
import { LIMITS, codePointLength } from "../internal/rules.ts";
import { lookupPath } from "../template/index.ts";
import type { ContentAnalysis } from "../template/index.ts";
import type { RuleId, Severity } from "./findings.ts";
import { pushPayloadBytes, PUSH_PAYLOAD_LIMIT } from "./payload.ts";
import { gsm7Replacement, firstNonGsm7, smsEncoding } from "./sms.ts";

export interface ChannelRuleOptions {
  /** `max-sms-segments`: the most segments an SMS body may render to (default 3). */
  maxSmsSegments?: number | undefined;
}

export const DEFAULT_MAX_SMS_SEGMENTS = 3;
/** RFC 5322's recommended line length; mail clients truncate subjects well before it. */
export const EMAIL_SUBJECT_LIMIT = 78;

export interface Rendering {
  fixture: string;
  vars: Record<string, unknown>;
  output: Record<string, unknown>;
}

export interface ChannelRuleContext {
  channel: Channel;
  analysis: ContentAnalysis;
  renderings: readonly Rendering[];
  /** The file offset of a decoded character of a field (e.g. `["content", "body"]`). */
  positionIn(fieldPath: readonly string[], decodedOffset: number): number;
  /** The file offset of a field's key, or of its nearest present parent. */
  fieldOffset(fieldPath: readonly string[]): number;
  report(rule: RuleId, offset: number, message: string, severity?: Severity): void;
}

export function channelFindings(context: ChannelRuleContext, options: ChannelRuleOptions = {}): void {
  const grouped = new FixtureGroups();
  switch (context.channel) {
    case "sms":
      smsRules(context, grouped, options.maxSmsSegments ?? DEFAULT_MAX_SMS_SEGMENTS);
      break;
    case "email":
      emailRules(context, grouped);
      break;
    case "push":
    case "web_push":
      pushRules(context, grouped);
      break;
  }
  insecureLinks(context, grouped);
  grouped.flush(context.report);
}

/** Findings keyed by rule, place and message; each lists the fixtures it came from. */
class FixtureGroups {
  readonly #groups = new Map<string, { rule: RuleId; offset: number; message: string; fixtures: string[] }>();
  add(rule: RuleId, offset: number, message: string, fixture: string): void {
    const key = `${rule}\0${offset}\0${message}`;
    const group = this.#groups.get(key) ?? { rule, offset, message, fixtures: [] };
    if (!group.fixtures.includes(fixture)) group.fixtures.push(fixture);
    this.#groups.set(key, group);
  }
  flush(report: ChannelRuleContext["report"]): void {
    for (const { rule, offset, message, fixtures } of this.#groups.values()) {
      const names = fixtures.map((name) => JSON.stringify(name)).join(", ");
      report(rule, offset, `${message} (fixture${fixtures.length > 1 ? "s" : ""} ${names})`);
    }
  }
}

const BODY = ["content", "body"];

function smsRules(context: ChannelRuleContext, grouped: FixtureGroups, maxSegments: number): void {
  const field = context.analysis.fields.find((candidate) => candidate.path.join(".") === "content.body");
  for (const rendering of context.renderings) {
    const body = rendering.output.body;
    if (typeof body !== "string") continue;
    const sms = smsEncoding(body);
    const length = codePointLength(body);
    if (length > LIMITS.smsBodyLength) {
      grouped.add(
        "sms-length",
        context.fieldOffset(BODY),
        `SMS body renders to ${length} characters; the API accepts at most ${LIMITS.smsBodyLength}`,
        rendering.fixture,
      );
    }
    if (sms.segments > maxSegments) {
      grouped.add(
        "max-sms-segments",
        context.fieldOffset(BODY),
        `SMS body is ${sms.segments} segments (${sms.encoding}, ${sms.units} units, ${sms.unitsPerSegment} per segment); ` +
          `the limit is ${maxSegments} (max-sms-segments)`,
        rendering.fixture,
      );
    }
    if (sms.encoding !== "UCS-2" || !field) continue;
    // Where the character that forced UCS-2 comes from: the template's own text, or a variable.
    const source = field.parsed.source;
    let cursor = 0;
    let found: { offset: number; char: string; from?: string } | undefined;
    for (const placeholder of [...field.parsed.placeholders, undefined]) {
      const literalEnd = placeholder ? placeholder.start : source.length;
      const literal = firstNonGsm7(source.slice(cursor, literalEnd));
      if (literal) {
        found = { offset: context.positionIn(BODY, cursor + literal.index), char: literal.char };
        break;
      }
      if (!placeholder) break;
      const looked = lookupPath(rendering.vars, placeholder.path);
      const value = looked.found ? stringify(looked.value) : (placeholder.default ?? "");
      const inValue = firstNonGsm7(value);
      if (inValue) {
        found = { offset: context.positionIn(BODY, placeholder.start), char: inValue.char, from: placeholder.path };
        break;
      }
      cursor = placeholder.end;
    }
    const char = found?.char ?? sms.forcedBy?.char ?? "";
    const codePoint = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    const replacement = gsm7Replacement(char);
    grouped.add(
      "sms-encoding",
      found?.offset ?? context.fieldOffset(BODY),
      `SMS body is sent as UCS-2 (${sms.segments} segment${sms.segments === 1 ? "" : "s"}, 70 characters each, 67 once split, ` +
        `instead of GSM-7's 160/153): ${JSON.stringify(char)} (${codePoint})` +
        (found?.from ? ` from {{ ${found.from} }}` : "") +
        " is not in the GSM-7 alphabet" +
        (replacement ? `; use ${JSON.stringify(replacement)} to stay in GSM-7` : ""),
      rendering.fixture,
    );
  }
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value) ?? "";
  return String(value);
}

function emailRules(context: ChannelRuleContext, grouped: FixtureGroups): void {
  const textField = context.analysis.fields.find((field) => field.path.join(".") === "content.text");
  if (!textField || textField.parsed.source.trim() === "") {
    context.report(
      "email-text-missing",
      context.fieldOffset(["content", "text"]),
      "email has no `text` part: clients that show plain text get nothing, and spam filters score HTML-only mail (SpamAssassin MIME_HTML_ONLY)",
    );
  }
  for (const rendering of context.renderings) {
    const subject = rendering.output.subject;
    if (typeof subject !== "string") continue;
    const length = codePointLength(subject);
    if (length > EMAIL_SUBJECT_LIMIT) {
      grouped.add(
        "email-subject-length",
        context.fieldOffset(["content", "subject"]),
        `subject renders to ${length} characters; over ${EMAIL_SUBJECT_LIMIT} it is folded (RFC 5322) and cut short by most inboxes`,
        rendering.fixture,
      );
    }
  }
}

function pushRules(context: ChannelRuleContext, grouped: FixtureGroups): void {
  for (const rendering of context.renderings) {
    const bytes = pushPayloadBytes(context.channel, rendering.output);
    if (bytes > PUSH_PAYLOAD_LIMIT) {
      const what =
        context.channel === "push"
          ? "push payload (the APNs JSON: aps.alert title and body, badge, data)"
          : "web push payload (the JSON of title, body, click_url, icon)";
      grouped.add(
        "push-payload-size",
        context.fieldOffset(BODY),
        `${what} is ${bytes} bytes; the platforms refuse more than ${PUSH_PAYLOAD_LIMIT}`,
        rendering.fixture,
      );
    }
    if (context.channel !== "web_push") continue;
    for (const name of ["click_url", "icon"]) {
      const value = rendering.output[name];
      if (typeof value !== "string" || value === "") continue;
      if (URL.canParse(value) && new URL(value).protocol === "https:") continue;
      grouped.add(
        "web-push-url",
        context.fieldOffset(["content", name]),
        `${name} renders to ${JSON.stringify(value.slice(0, 200))}, not an https:// URL: browsers open and load notification URLs from a secure origin`,
        rendering.fixture,
      );
    }
  }
}

const HTTP_LINK = /\bhttp:\/\/[^\s"'<>)]+/gi;
/** Not links: the local machine, and W3C namespace and DTD identifiers (`xmlns`, `<!DOCTYPE>`). */
const NOT_A_LINK = /^http:\/\/(localhost|127\.0\.0\.1|www\.w3\.org)([:/]|$)/i;

/** http:// links: in the template's own text at their place, or coming from a fixture's vars. */
function insecureLinks(context: ChannelRuleContext, grouped: FixtureGroups): void {
  for (const field of context.analysis.fields) {
    const inSource = new Set<string>();
    for (const match of field.parsed.source.matchAll(HTTP_LINK)) {
      if (NOT_A_LINK.test(match[0])) continue;
      inSource.add(match[0]);
      const message = `${field.path.join(".")} links to ${JSON.stringify(match[0].slice(0, 200))} over plain http://; use https://`;
      context.report("insecure-link", context.positionIn(field.path, match.index), message);
    }
    for (const rendering of context.renderings) {
      const [, name, key] = field.path;
      const value =
        key === undefined
          ? rendering.output[name!]
          : (rendering.output[name!] as Record<string, unknown> | undefined)?.[key];
      if (typeof value !== "string") continue;
      for (const match of value.matchAll(HTTP_LINK)) {
        if (inSource.has(match[0]) || NOT_A_LINK.test(match[0])) continue;
        grouped.add(
          "insecure-link",
          context.fieldOffset(field.path),
          `${field.path.join(".")} renders a link over plain http:// (${JSON.stringify(match[0].slice(0, 200))}); use https://`,
          rendering.fixture,
        );
      }
    }
  }
}
