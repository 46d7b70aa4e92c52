import { describe, expect, it } from "vitest";
import { templateFiles } from "../../src/index.ts";

const { smsEncoding, lintTemplateSource, pushPayloadBytes } = templateFiles;

/** Findings as "line:column severity rule message". */
const lint = (source: string, options: templateFiles.LintOptions = {}, file = "t.yml") =>
  lintTemplateSource(file, source, options).findings.map(
    (f) => `${f.line}:${f.column} ${f.severity} ${f.rule} ${f.message}`,
  );

const sms = (body: string, fixtures = "fixtures:\n  default: {}\n") =>
  `slug: code\nname: Code\nchannel: sms\ncontent:\n  body: ${JSON.stringify(body)}\n${fixtures}`;

describe("smsEncoding", () => {
  it("fits 160 GSM-7 characters in one segment and splits 161 into two of 153", () => {
    expect(smsEncoding("a".repeat(160))).toMatchObject({
      encoding: "GSM-7",
      units: 160,
      segments: 1,
      unitsPerSegment: 160,
    });
    expect(smsEncoding("a".repeat(161))).toMatchObject({
      encoding: "GSM-7",
      units: 161,
      segments: 2,
      unitsPerSegment: 153,
    });
    expect(smsEncoding("a".repeat(306)).segments).toBe(2);
    expect(smsEncoding("a".repeat(307)).segments).toBe(3);
  });

  it("counts extension characters (€, [) as two septets, never split across segments", () => {
    expect(smsEncoding("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsEncoding("[".repeat(81))).toMatchObject({ encoding: "GSM-7", units: 162, segments: 2 });
    expect(smsEncoding(`${"a".repeat(159)}€`)).toMatchObject({ units: 161, segments: 2 });
    // 152 septets then an escape pair: the pair moves to segment 2 rather than straddling.
    expect(smsEncoding(`${"a".repeat(152)}€${"a".repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
    expect(smsEncoding(`${"a".repeat(151)}€${"a".repeat(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it("flips to UCS-2 for a curly quote or an emoji, and names the character", () => {
    expect(smsEncoding("It’s here")).toMatchObject({ encoding: "UCS-2", forcedBy: { char: "’", index: 2 } });
    expect(smsEncoding("Done 🎉")).toMatchObject({ encoding: "UCS-2", units: 7, forcedBy: { char: "🎉", index: 5 } });
  });

  it("fits 70 UCS-2 units in one segment and splits 71 into two of 67; an emoji counts two units", () => {
    expect(smsEncoding(`’${"a".repeat(69)}`)).toMatchObject({
      encoding: "UCS-2",
      units: 70,
      segments: 1,
      unitsPerSegment: 70,
    });
    expect(smsEncoding(`’${"a".repeat(70)}`)).toMatchObject({
      encoding: "UCS-2",
      units: 71,
      segments: 2,
      unitsPerSegment: 67,
    });
    expect(smsEncoding(`🎉${"a".repeat(68)}`)).toMatchObject({ units: 70, segments: 1 });
    expect(smsEncoding(`🎉${"a".repeat(69)}`)).toMatchObject({ units: 71, segments: 2 });
    // A surrogate pair is never split: 66 units then an emoji go 66 + (2 + …).
    expect(smsEncoding(`${"é".repeat(0)}${"’".repeat(66)}🎉${"a".repeat(66)}`)).toMatchObject({
      units: 134,
      segments: 3,
    });
  });
});

describe("SMS rules in lint", () => {
  it("reports nothing for a GSM-7 body of one segment", () => {
    expect(lint(sms("Your code is 1234. [Acme] costs 5€"))).toEqual([]);
  });

  it("reports the curly quote that forced UCS-2 at its line and column in the file, with a replacement", () => {
    expect(lint(sms("It’s {{ code }}", "fixtures:\n  default:\n    code: '1'\n"))).toEqual([
      '5:12 warning sms-encoding SMS body is sent as UCS-2 (1 segment, 70 characters each, 67 once split, instead of GSM-7\'s 160/153): "’" (U+2019) is not in the GSM-7 alphabet; use "\'" to stay in GSM-7 (fixture "default")',
    ]);
  });

  it("reports an emoji that comes from a fixture at the placeholder, naming the variable", () => {
    const findings = lint(sms("Hi {{ name }}", "fixtures:\n  plain:\n    name: Ada\n  party:\n    name: Ada 🎉\n"));
    expect(findings).toEqual([
      '5:13 warning sms-encoding SMS body is sent as UCS-2 (1 segment, 70 characters each, 67 once split, instead of GSM-7\'s 160/153): "🎉" (U+1F389) from {{ name }} is not in the GSM-7 alphabet (fixture "party")',
    ]);
  });

  it("fails a body over max-sms-segments (default 3), and the limit can be raised", () => {
    const long = sms("a".repeat(460));
    expect(lint(long)).toEqual([
      '5:3 error max-sms-segments SMS body is 4 segments (GSM-7, 460 units, 153 per segment); the limit is 3 (max-sms-segments) (fixture "default")',
    ]);
    expect(lint(sms("a".repeat(459)))).toEqual([]);
    expect(lint(long, { maxSmsSegments: 4 })).toEqual([]);
    expect(lint(sms("’".repeat(70)), { maxSmsSegments: 1 }).map((f) => f.split(" ")[2])).toEqual(["sms-encoding"]);
    expect(lint(sms("’".repeat(71)), { maxSmsSegments: 1 }).map((f) => f.split(" ")[2])).toEqual([
      "max-sms-segments",
      "sms-encoding",
    ]);
  });

  it("fails a body over the API's 1600 characters", () => {
    const long = sms("{{ text }}", `fixtures:\n  default:\n    text: ${"a".repeat(1601)}\n`);
    expect(lint(sms("a".repeat(1600)), { maxSmsSegments: 20 })).toEqual([]);
    expect(lint(long, { maxSmsSegments: 20 })).toEqual([
      '5:3 error sms-length SMS body renders to 1601 characters; the API accepts at most 1600 (fixture "default")',
    ]);
  });

  it("turns rules off by id", () => {
    expect(lint(sms("It’s ok"), { disable: ["sms-encoding"] })).toEqual([]);
    expect(lint(sms("a".repeat(460)), { disable: ["max-sms-segments"] })).toEqual([]);
  });
});

const push = (body: string) =>
  `slug: p\nname: P\nchannel: push\ncontent:\n  title: T\n  body: ${JSON.stringify(body)}\n  badge: 1\n  data:\n    url: "{{ url }}"\nfixtures:\n  one:\n    url: https://x.example\n`;

describe("push payload size", () => {
  const overhead = pushPayloadBytes("push", { title: "T", body: "", badge: 1, data: { url: "https://x.example" } });

  it("measures the APNs JSON in UTF-8 bytes", () => {
    const payload = templateFiles.pushPayload("push", { title: "T", body: "é", badge: 1, data: { url: "u" } });
    expect(payload).toEqual({ url: "u", aps: { alert: { title: "T", body: "é" }, badge: 1 } });
    expect(pushPayloadBytes("push", { title: "T", body: "é", badge: 1, data: { url: "u" } })).toBe(
      Buffer.byteLength(JSON.stringify(payload)),
    );
  });

  it("accepts 4096 bytes and fails 4097", () => {
    expect(lint(push("a".repeat(4096 - overhead)))).toEqual([]);
    expect(lint(push("a".repeat(4097 - overhead)))).toEqual([
      '6:3 error push-payload-size push payload (the APNs JSON: aps.alert title and body, badge, data) is 4097 bytes; the platforms refuse more than 4096 (fixture "one")',
    ]);
    // Multi-byte characters count in bytes: 2 bytes each.
    expect(lint(push(`${"é".repeat(100)}${"a".repeat(4096 - overhead - 200)}`))).toEqual([]);
    expect(lint(push(`${"é".repeat(100)}${"a".repeat(4097 - overhead - 200)}`))[0]).toMatch(/is 4097 bytes/);
  });

  it("measures a web push payload as the JSON of its fields, at 4096 and 4097 bytes", () => {
    const webPush = (body: string) =>
      `slug: w\nname: W\nchannel: web_push\ncontent:\n  title: T\n  body: ${JSON.stringify(body)}\n  click_url: https://x.example/a\n`;
    const base = pushPayloadBytes("web_push", { title: "T", body: "", click_url: "https://x.example/a", icon: null });
    expect(lint(webPush("a".repeat(4096 - base)))).toEqual([]);
    expect(lint(webPush("a".repeat(4097 - base)))[0]).toMatch(
      /^6:3 error push-payload-size web push payload .* is 4097 bytes/,
    );
  });
});

describe("email and link rules", () => {
  const email = (content: string, fixtures = "fixtures:\n  one:\n    link: https://a.example\n") =>
    `slug: e\nname: E\nchannel: email\ncontent:\n${content}${fixtures}`;

  it("warns about an email without text, at the content key", () => {
    expect(lint(email('  subject: Hi\n  html: "<p>{{ link }}</p>"\n'))).toEqual([
      "4:1 warning email-text-missing email has no `text` part: clients that show plain text get nothing, and spam filters score HTML-only mail (SpamAssassin MIME_HTML_ONLY)",
    ]);
  });

  it("warns about a subject over 78 characters", () => {
    const findings = lint(email(`  subject: "${"x".repeat(79)}"\n  html: "<p>{{ link }}</p>"\n  text: "{{ link }}"\n`));
    expect(findings).toEqual([
      '5:3 warning email-subject-length subject renders to 79 characters; over 78 it is folded (RFC 5322) and cut short by most inboxes (fixture "one")',
    ]);
  });

  it("warns about http:// links in the template's text at their place, and in rendered vars naming the fixture", () => {
    const findings = lint(
      email(
        '  subject: Hi\n  html: "<a href=\'http://a.example/x\'>{{ link }}</a>"\n  text: "{{ link }}"\n',
        "fixtures:\n  one:\n    link: http://b.example\n",
      ),
    );
    expect(findings).toEqual([
      '6:3 warning insecure-link content.html renders a link over plain http:// ("http://b.example"); use https:// (fixture "one")',
      '6:19 warning insecure-link content.html links to "http://a.example/x" over plain http://; use https://',
      '7:3 warning insecure-link content.text renders a link over plain http:// ("http://b.example"); use https:// (fixture "one")',
    ]);
  });

  it("does not count W3C namespaces and DTDs or localhost as links", () => {
    const html =
      "  html: \"<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN' 'http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd'>" +
      "<html xmlns='http://www.w3.org/1999/xhtml'><a href='http://localhost:3000/x'>{{ link }}</a></html>\"\n";
    expect(lint(email(`  subject: Hi\n${html}  text: "{{ link }}"\n`))).toEqual([]);
  });

  it("warns about a web push click_url that is not https", () => {
    const source = `slug: w\nname: W\nchannel: web_push\ncontent:\n  title: T\n  body: B\n  click_url: "{{ url }}"\nfixtures:\n  bad:\n    url: "javascript:alert(1)"\n  good:\n    url: https://ok.example\n`;
    expect(lint(source)).toEqual([
      '7:3 warning web-push-url click_url renders to "javascript:alert(1)", not an https:// URL: browsers open and load notification URLs from a secure origin (fixture "bad")',
    ]);
  });
});
