// The occurrence counter behind identical rows' keys, and the UTF-8 check of row files.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OccurrenceCounter } from "../../action/row-keys.ts";
import { firstNonUtf8Line } from "../../action/utf8.ts";

describe("OccurrenceCounter", () => {
  it("counts each fingerprint from 0, across many growths of its table", () => {
    const counter = new OccurrenceCounter();
    const fingerprints = Array.from({ length: 20_000 }, (_, i) =>
      (i * 2654435761).toString(16).padStart(16, "0").slice(-16),
    );
    expect(fingerprints.map((f) => counter.next(f)).every((n) => n === 0)).toBe(true);
    expect(
      fingerprints
        .slice(0, 100)
        .map((f) => counter.next(f))
        .every((n) => n === 1),
    ).toBe(true);
    expect(counter.next(fingerprints[0]!)).toBe(2);
    expect(counter.next("ffffffffffffffff")).toBe(0);
  });

  it("sized for a few, still counts many (the file grew after the checking pass)", () => {
    const counter = new OccurrenceCounter(4);
    const fingerprints = Array.from({ length: 5_000 }, (_, i) => `${i.toString(16).padStart(13, "0")}000`);
    expect(fingerprints.map((f) => counter.next(f)).every((n) => n === 0)).toBe(true);
    expect(fingerprints.map((f) => counter.next(f)).every((n) => n === 1)).toBe(true);
  });
});

describe("firstNonUtf8Line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "senderkit-utf8-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const check = async (bytes: Buffer) => {
    await writeFile(join(dir, "f"), bytes);
    return firstNonUtf8Line(join(dir, "f"));
  };

  it("finds the line of a Latin-1 byte, a truncated sequence at the end, and passes valid UTF-8", async () => {
    expect(await check(Buffer.from("a\nb\nM\u00fcller\n", "latin1"))).toBe(3);
    expect(await check(Buffer.concat([Buffer.from("ok\n"), Buffer.from([0xe2, 0x82])]))).toBe(2);
    expect(await check(Buffer.from("a\nM\u00fcller \u{1f600}\n"))).toBeUndefined();
  });

  it("reads lines that span the stream's chunks, valid or not", async () => {
    const long = "\u00e9".repeat(70_000); // 140,000 bytes: spans the 64 KiB chunks, splitting characters
    expect(await check(Buffer.from(`x\n${long}\ny\n`))).toBeUndefined();
    const broken = Buffer.concat([Buffer.from(`x\n${long}`), Buffer.from([0xff]), Buffer.from(`${long}\nz\n`)]);
    expect(await check(broken)).toBe(2);
  });
});
