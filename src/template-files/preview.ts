// Previews as data: every template × fixture rendered with the template language, with what a
// reviewer wants to see per channel. preview-html.ts writes them as files; the Action's job
// summary and pull-request comment show them as Markdown.
import type { Channel } from "../internal/rules.ts";
import { renderContent } from "../template/index.ts";
import type { LintReport } from "./lint.ts";
import { pushPayloadBytes } from "./payload.ts";
import { smsEncoding } from "./sms.ts";
import type { SmsEncodingName } from "./sms.ts";

export type RenderedPreview =
  | { channel: "email"; subject: string; html: string; text: string | null }
  | {
      channel: "sms";
      body: string;
      encoding: SmsEncodingName;
      segments: number;
      units: number;
      unitsPerSegment: number;
    }
  | {
      channel: "push";
      title: string;
      body: string;
      badge: number | null;
      data: Record<string, unknown> | null;
      payloadBytes: number;
    }
  | {
      channel: "web_push";
      title: string;
      body: string;
      clickUrl: string | null;
      icon: string | null;
      payloadBytes: number;
    };

export interface Preview {
  file: string;
  slug: string | undefined;
  name: string | undefined;
  channel: Channel;
  fixture: string;
  /** Required variables the fixture does not give (rendered as empty strings). */
  missing: string[];
  rendered: RenderedPreview;
}

/** The fixture name shown for a template that has none (rendered with no vars). */
export const NO_VARS_FIXTURE = "(no vars)";

/** One preview per template × fixture of a lint report, in file then fixture order. */
export function renderPreviews(report: Pick<LintReport, "files">): Preview[] {
  const previews: Preview[] = [];
  for (const file of report.files) {
    const template = file.template;
    if (!template) continue;
    const fixtures = template.fixtures.length > 0 ? template.fixtures : [{ name: NO_VARS_FIXTURE, vars: {} }];
    for (const fixture of fixtures) {
      const { output, missing } = renderContent(template.channel, template.content, fixture.vars);
      previews.push({
        file: template.file,
        slug: template.slug,
        name: template.name,
        channel: template.channel,
        fixture: fixture.name,
        missing,
        rendered: renderedPreview(template.channel, output),
      });
    }
  }
  return previews;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

function renderedPreview(channel: Channel, output: Record<string, unknown>): RenderedPreview {
  switch (channel) {
    case "email":
      return { channel, subject: text(output.subject), html: text(output.html), text: textOrNull(output.text) };
    case "sms": {
      const body = text(output.body);
      const { encoding, segments, units, unitsPerSegment } = smsEncoding(body);
      return { channel, body, encoding, segments, units, unitsPerSegment };
    }
    case "push":
      return {
        channel,
        title: text(output.title),
        body: text(output.body),
        badge: typeof output.badge === "number" ? output.badge : null,
        data: typeof output.data === "object" && output.data !== null ? (output.data as Record<string, unknown>) : null,
        payloadBytes: pushPayloadBytes(channel, output),
      };
    case "web_push":
      return {
        channel,
        title: text(output.title),
        body: text(output.body),
        clickUrl: textOrNull(output.click_url),
        icon: textOrNull(output.icon),
        payloadBytes: pushPayloadBytes(channel, output),
      };
  }
}
