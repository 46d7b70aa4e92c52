// Reading template files as a careful tool does. (The CLI's and the Action's findings on the same
// files are compared in test/action/lint-parity.test.ts.)
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateFiles } from "../../src/index.ts";

const { findTemplateFiles, lintFiles, readTemplateFile, decodeUtf8 } = templateFiles;

let root: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "senderkit-tf-"));
  outside = await mkdtemp(join(tmpdir(), "senderkit-tf-outside-"));
  await mkdir(join(root, "templates", "nested"), { recursive: true });
  await writeFile(join(root, "templates", "ok.yml"), "slug: ok\nname: OK\nchannel: sms\ncontent:\n  body: Hi\n");
  await writeFile(
    join(root, "templates", "nested", "deep.json"),
    '{"slug":"deep","name":"D","channel":"sms","content":{"body":"x"}}',
  );
  await writeFile(join(root, "templates", "notes.txt"), "not a template");
  await writeFile(join(outside, "secret.yml"), "slug: secret\nname: S\nchannel: sms\ncontent:\n  body: top secret\n");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("findTemplateFiles", () => {
  it("expands a directory to its .yml, .yaml and .json files, sorted, relative with /", async () => {
    expect(await findTemplateFiles(["templates"], { cwd: root })).toEqual([
      "templates/nested/deep.json",
      "templates/ok.yml",
    ]);
  });

  it("does not follow symlinked directories (a loop, a link to /etc)", async () => {
    await symlink("..", join(root, "templates", "loop"));
    await symlink("/etc", join(root, "templates", "etc"));
    try {
      expect(await findTemplateFiles(["templates"], { cwd: root })).toEqual([
        "templates/nested/deep.json",
        "templates/ok.yml",
      ]);
    } finally {
      await rm(join(root, "templates", "loop"));
      await rm(join(root, "templates", "etc"));
    }
  });

  it("takes globs and !exclusions", async () => {
    expect(await findTemplateFiles(["templates/**/*", "!**/*.txt", "!templates/nested/**"], { cwd: root })).toEqual([
      "templates/ok.yml",
    ]);
    expect(await findTemplateFiles(["nothing/*.yml"], { cwd: root })).toEqual([]);
  });
});

describe("readTemplateFile", () => {
  const read = (file: string, maxBytes?: number) => readTemplateFile(file, { root, maxBytes });
  const reason = async (file: string, maxBytes?: number) => {
    const result = await read(file, maxBytes);
    if (result.ok) throw new Error(`${file} was read`);
    return `${result.finding.rule} ${result.finding.line}:${result.finding.column} ${result.finding.message}`;
  };

  it("reads a regular UTF-8 file inside the root, without its BOM", async () => {
    await writeFile(join(root, "bom.yml"), "\ufeffslug: b\n");
    expect(await read("bom.yml")).toEqual({ ok: true, source: "slug: b\n" });
  });

  it("skips a symlink that resolves outside the root", async () => {
    await symlink(join(outside, "secret.yml"), join(root, "templates", "escape.yml"));
    expect(await reason("templates/escape.yml")).toBe(
      "file-unreadable 1:1 skipped: it resolves (through a symlink) outside the workspace",
    );
    const report = await lintFiles(await findTemplateFiles(["templates"], { cwd: root }), root);
    const escape = report.files.find((file) => file.file === "templates/escape.yml");
    expect(escape?.findings.map((finding) => finding.rule)).toEqual(["file-unreadable"]);
    expect(JSON.stringify(report)).not.toContain("top secret");
    await rm(join(root, "templates", "escape.yml"));
  });

  it("skips a link to /dev/zero without reading it", async () => {
    await symlink("/dev/zero", join(root, "zero.yml"));
    expect(await reason("zero.yml")).toBe(
      "file-unreadable 1:1 skipped: it resolves (through a symlink) outside the workspace",
    );
    // Even with the whole file system as the root: a device is not a regular file.
    const wide = await readTemplateFile(join(root, "zero.yml"), { root: "/" });
    expect(wide.ok ? "read" : wide.finding.message).toBe("skipped: not a regular file (a device)");
  });

  it("skips a FIFO without blocking on it", async () => {
    execFileSync("mkfifo", [join(root, "pipe.yml")]);
    expect(await reason("pipe.yml")).toBe("file-unreadable 1:1 skipped: not a regular file (a FIFO)");
  });

  it("skips a directory named like a template", async () => {
    await mkdir(join(root, "dir.yml"));
    expect(await reason("dir.yml")).toBe("file-unreadable 1:1 skipped: not a regular file (a directory)");
  });

  it("skips a file over the size cap, and reads one at the cap", async () => {
    await writeFile(join(root, "big.yml"), "x".repeat(101));
    expect(await reason("big.yml", 100)).toBe(
      "file-unreadable 1:1 skipped: 101 bytes, over the 100-byte cap for a template file",
    );
    expect((await read("big.yml", 101)).ok).toBe(true);
  });

  it("reports a Latin-1 file at the line and column of its first non-UTF-8 byte", async () => {
    await writeFile(join(root, "latin1.yml"), Buffer.from("slug: cafe\nname: Caf\xe9 cr\xe8me\n", "latin1"));
    expect(await reason("latin1.yml")).toBe(
      "file-encoding 2:10 not UTF-8: invalid byte sequence at line 2, column 10; save the file as UTF-8",
    );
  });

  it("counts columns in characters when locating a bad byte after multi-byte text", () => {
    expect(decodeUtf8(Buffer.concat([Buffer.from("é🎉\n→x"), Buffer.from([0xff])]))).toEqual({
      ok: false,
      line: 2,
      column: 3,
    });
    expect(decodeUtf8(Buffer.from([0xe2, 0x82]))).toEqual({ ok: false, line: 1, column: 1 });
  });

  it("reports every file when the root itself cannot be resolved", async () => {
    const report = await lintFiles(["templates/ok.yml"], root, { root: join(root, "no-such-dir") });
    expect(report.files[0]!.findings.map((finding) => `${finding.rule} ${finding.message}`)).toEqual([
      `file-unreadable cannot read the root ${JSON.stringify(join(root, "no-such-dir"))}: ENOENT`,
    ]);
  });

  it("reports a file that does not exist", async () => {
    expect(await reason("missing.yml")).toBe("file-unreadable 1:1 cannot read the file: ENOENT");
  });
});
