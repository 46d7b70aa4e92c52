import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "parse5";
import type { DefaultTreeAdapterMap } from "parse5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateFiles } from "../../src/index.ts";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

function elements(node: Node, tag?: string): Element[] {
  const found: Element[] = [];
  const walk = (current: Node) => {
    if ("tagName" in current && (tag === undefined || current.tagName === tag)) found.push(current);
    if ("childNodes" in current) for (const child of current.childNodes) walk(child);
    if ("content" in current && current.content) walk(current.content as Node);
  };
  walk(node);
  return found;
}
const attribute = (element: Element, name: string) => element.attrs.find((attr) => attr.name === name)?.value;
const textOf = (node: Node): string =>
  "value" in node && node.nodeName === "#text"
    ? node.value
    : "childNodes" in node
      ? node.childNodes.map(textOf).join("")
      : "";

const HOSTILE = `slug: evil
name: "<script>alert('name')</script>"
channel: email
content:
  subject: "Hi {{ who }}"
  html: "<p>Hi {{{ who }}}</p><script>parent.document.title='owned'</script>"
  text: "Hi {{ who }}"
fixtures:
  "../../escape<img src=x onerror=alert(1)>":
    who: "</pre><script>alert(2)</script>"
  "plain":
    who: Ada
`;

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-preview-"));
  out = join(dir, "out");
  await writeFile(join(dir, "evil.yml"), HOSTILE);
  await writeFile(
    join(dir, "code.json"),
    JSON.stringify({
      slug: "code",
      name: "Code",
      channel: "sms",
      content: { body: "It’s {{ code }}" },
      fixtures: { a: { code: "1" }, b: { code: "2" } },
    }),
  );
  await writeFile(
    join(dir, "push.yml"),
    "slug: p\nname: P\nchannel: push\ncontent:\n  title: T {{ n }}\n  body: B\n  badge: 2\nfixtures:\n  one:\n    n: 1\n",
  );
  await writeFile(
    join(dir, "web.yml"),
    "slug: w\nname: W\nchannel: web_push\ncontent:\n  title: T\n  body: B\n  click_url: 'javascript:alert(3)'\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("renderPreviews", () => {
  it("renders every template × fixture with what each channel shows", async () => {
    const report = await templateFiles.lintFiles(await templateFiles.findTemplateFiles(["."], { cwd: dir }), dir);
    const previews = templateFiles.renderPreviews(report);
    expect(previews.map((preview) => `${preview.slug}/${preview.fixture}`)).toEqual([
      "code/a",
      "code/b",
      "evil/../../escape<img src=x onerror=alert(1)>",
      "evil/plain",
      "p/one",
      `w/${templateFiles.NO_VARS_FIXTURE}`,
    ]);
    expect(previews[0]!.rendered).toEqual({
      channel: "sms",
      body: "It’s 1",
      encoding: "UCS-2",
      segments: 1,
      units: 6,
      unitsPerSegment: 70,
    });
    expect(previews[3]!.rendered).toEqual({
      channel: "email",
      subject: "Hi Ada",
      html: "<p>Hi Ada</p><script>parent.document.title='owned'</script>",
      text: "Hi Ada",
    });
    expect(previews[4]!.rendered).toMatchObject({ channel: "push", title: "T 1", body: "B", badge: 2 });
    expect(previews[5]!.rendered).toMatchObject({ channel: "web_push", clickUrl: "javascript:alert(3)" });
  });
});

describe("writePreviewFiles", () => {
  it("writes pages that parse as HTML, one per fixture, with hostile names kept inside the output dir and inert", async () => {
    const report = await templateFiles.lintFiles(await templateFiles.findTemplateFiles(["."], { cwd: dir }), dir);
    const previews = templateFiles.renderPreviews(report);
    const written = await templateFiles.writePreviewFiles(previews, out);
    const names = (await readdir(out)).sort();
    expect(names).toHaveLength(previews.length + 1);
    expect(names).toContain("index.html");
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+(\.html)$/);
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining([expect.stringContaining("escape")]));

    const index = parse(await readFile(written.index, "utf8"));
    const links = elements(index, "a").map((a) => attribute(a, "href"));
    expect(links.sort()).toEqual(names.filter((name) => name !== "index.html").sort());
    // Every fixture is listed, its hostile name as text, not markup.
    const indexText = textOf(index);
    for (const preview of previews) expect(indexText).toContain(preview.fixture);
    expect(elements(index, "script")).toEqual([]);
    expect(elements(index, "img")).toEqual([]);

    for (const [i, path] of written.pages.entries()) {
      const document = parse(await readFile(path, "utf8"));
      expect(elements(document, "script")).toEqual([]);
      const csp = elements(document, "meta").find(
        (meta) => attribute(meta, "http-equiv") === "Content-Security-Policy",
      );
      expect(attribute(csp!, "content")).toContain("default-src 'none'");
      expect(textOf(document)).toContain(previews[i]!.fixture);
      const preview = previews[i]!;
      if (preview.rendered.channel === "email") {
        const [frame] = elements(document, "iframe");
        expect(attribute(frame!, "sandbox")).toBe("");
        // The email's markup, script included, lives only inside the sandboxed srcdoc.
        expect(attribute(frame!, "srcdoc")).toBe(preview.rendered.html);
        expect(textOf(document)).toContain(preview.rendered.text);
      }
      if (preview.rendered.channel === "sms") expect(textOf(document)).toContain("UCS-2");
      if (preview.rendered.channel === "web_push") {
        expect(textOf(document)).toContain("javascript:alert(3)");
        expect(elements(document, "a").map((a) => attribute(a, "href"))).toEqual(["index.html"]);
      }
    }
  });

  it("gives two fixtures whose names clean up alike different files", () => {
    const a = templateFiles.previewFileName({ file: "t.yml", slug: "t", fixture: "a b" });
    const b = templateFiles.previewFileName({ file: "t.yml", slug: "t", fixture: "a/b" });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^t--a-b-[0-9a-f]{10}\.html$/);
    expect(templateFiles.previewFileName({ file: "x.yml", slug: undefined, fixture: "../.." })).toMatch(
      /^x-yml--x-[0-9a-f]{10}\.html$/,
    );
  });
});

describe("previewSummary", () => {
  it("cuts a long body at 80 code points with an ellipsis, never inside an emoji", () => {
    const body = `${"a".repeat(79)}🙂 and more after the cut`;
    const source = JSON.stringify({ slug: "long", name: "Long", channel: "sms", content: { body } });
    const report = templateFiles.lintTemplateSource("long.json", source);
    const [preview] = templateFiles.renderPreviews({ files: [report] });
    const summary = templateFiles.previewSummary(preview!);
    expect(summary).toBe(`${"a".repeat(79)}🙂… (UCS-2, 2 segments)`);
    expect(summary).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it("leaves a short body whole", () => {
    const source = JSON.stringify({ slug: "short", name: "Short", channel: "sms", content: { body: "Hi" } });
    const [preview] = templateFiles.renderPreviews({ files: [templateFiles.lintTemplateSource("s.json", source)] });
    expect(templateFiles.previewSummary(preview!)).toBe("Hi (GSM-7, 1 segment)");
  });
});
