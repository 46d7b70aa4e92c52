// action/lint-report.ts: the job-summary Markdown, checked by parsing it back as HTML.
import { parseFragment } from "parse5";
import { describe, expect, it } from "vitest";
import { escapeMarkdown, lintReportMarkdown, previewMarkdown } from "../../action/lint-report.ts";
import { templateFiles } from "../../src/index.ts";

const textOf = (node: unknown): string => {
  const n = node as { nodeName: string; value?: string; childNodes?: unknown[] };
  return n.nodeName === "#text" ? (n.value ?? "") : (n.childNodes ?? []).map(textOf).join("");
};
const tags = (node: unknown): string[] => {
  const n = node as { tagName?: string; childNodes?: unknown[] };
  return [...(n.tagName ? [n.tagName] : []), ...(n.childNodes ?? []).flatMap(tags)];
};

const HOSTILE = "*bold* _it_ | `code` <img src=x> [link](javascript:x) @octocat #1 \\ ~~s~~";

describe("escapeMarkdown", () => {
  it("leaves no character Markdown or HTML acts on, and reads back as the same text", () => {
    const escaped = escapeMarkdown(HOSTILE);
    expect(escaped.replace(/&#?\w+;/g, "")).not.toMatch(/[*_|`<>[\]()@#\\~]/);
    expect(textOf(parseFragment(escaped))).toBe(HOSTILE);
    expect(escapeMarkdown("a\nb")).toBe("a<br>b");
  });
});

describe("lintReportMarkdown", () => {
  const source = (name: string) =>
    `slug: mail\nname: Mail\nchannel: email\ncontent:\n  subject: "Hi {{ who }} again"\n  html: "<p>{{ who }}</p>"\n  text: "Text {{ who }}"\nfixtures:\n  ${JSON.stringify(name)}:\n    who: ${JSON.stringify(HOSTILE)}\n`;
  const smsSource =
    'slug: code\nname: Code\nchannel: sms\ncontent:\n  body: "Code’s {{ c }}"\nfixtures:\n  one:\n    c: "1"\n';
  const pushSource =
    "slug: p\nname: P\nchannel: push\ncontent:\n  title: Deploy {{ s }}\n  body: Done\nfixtures:\n  prod:\n    s: api\n";

  const report = templateFiles.countFindings([
    templateFiles.lintTemplateSource("mail|<b>.yml", source("<script>x</script> | *f*")),
    templateFiles.lintTemplateSource("code.yml", smsSource),
    templateFiles.lintTemplateSource("p.yml", pushSource),
  ]);
  const previews = templateFiles.renderPreviews(report);

  it("folds each template × fixture in <details> with what its channel shows", () => {
    const markdown = lintReportMarkdown(report, { previews });
    const fragment = parseFragment(markdown);
    expect(tags(fragment).filter((tag) => tag === "details")).toHaveLength(3);
    expect(tags(fragment)).not.toContain("script");
    expect(tags(fragment)).not.toContain("img");
    const text = textOf(fragment);
    expect(text).toContain(`Hi ${HOSTILE}`); // email subject
    expect(text).toContain(`Text ${HOSTILE}`); // email text
    expect(text).toContain("Code’s 1"); // sms body
    expect(text).toContain("UCS-2, 1 segment (8 units, 70 per segment)");
    expect(text).toContain("Deploy api"); // push title
    expect(text).toContain("mail|<b>.yml:5:3");
    expect(text).toContain("email-subject-length");
    expect(text).toContain("sms-encoding");
  });

  it("keeps a hostile string inert inside a preview too", () => {
    const markdown = previewMarkdown(previews[0]!);
    expect(markdown).not.toMatch(/<script|<img|\*f\*|@octocat/);
  });

  it("stops at maxLength and says how much was left out", () => {
    const short = lintReportMarkdown(report, { previews, maxLength: 1200 });
    expect(short.length).toBeLessThanOrEqual(1200);
    expect(short).toMatch(/\d+ more findings or previews did not fit/);
  });
});
