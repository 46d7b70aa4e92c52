// Finding template files by glob and reading them as a careful tool does. Globs, file names and
// contents may come from a fork's pull request, so a file is read only when it is a regular file
// that resolves (after symlinks) inside the root, under a size cap; it is opened non-blocking (a
// FIFO swapped in after the checks cannot hang the run) and checked again on the open handle; and
// its bytes must be UTF-8. Anything else is skipped with a finding that says why.
import { constants } from "node:fs";
import { glob, open, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Finding, RuleId } from "./findings.ts";

/** 1 MiB, the API's largest request body: a bigger template could never be deployed. */
export const DEFAULT_MAX_FILE_BYTES = 1_048_576;
/** What a directory named as a pattern stands for. */
export const TEMPLATE_EXTENSIONS_GLOB = "**/*.{yml,yaml,json}";

/**
 * Template files matching the globs (`!glob` excludes), sorted, relative to `cwd` with `/`.
 * A pattern that names a directory means every .yml, .yaml and .json file under it.
 */
export async function findTemplateFiles(
  patterns: readonly string[],
  options: { cwd?: string } = {},
): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const include: string[] = [];
  const exclude: string[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) exclude.push(pattern.slice(1));
    else
      include.push((await isDirectory(resolve(cwd, pattern))) ? joinGlob(pattern, TEMPLATE_EXTENSIONS_GLOB) : pattern);
  }
  if (include.length === 0) return [];
  const found = new Set<string>();
  for await (const entry of glob(include, { cwd, exclude, withFileTypes: true })) {
    if (entry.isDirectory()) continue;
    const path = relative(cwd, join(entry.parentPath, entry.name));
    found.add(path.split(sep).join("/"));
  }
  return [...found].sort();
}

function joinGlob(directory: string, pattern: string): string {
  return directory.endsWith("/") ? `${directory}${pattern}` : `${directory}/${pattern}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface ReadOptions {
  /** Files must resolve inside this directory (the workspace). */
  root: string;
  maxBytes?: number | undefined;
}

export type ReadResult = { ok: true; source: string } | { ok: false; finding: Finding };

/** Reads one template file (`file` relative to `root` or absolute), or says why it will not. */
export async function readTemplateFile(file: string, options: ReadOptions): Promise<ReadResult> {
  return (await templateFileReader(options))(file);
}

/**
 * A reader for many files under one root: the root's real path is resolved once. Resolving it
 * fails for a root that does not exist; each read then reports that.
 */
export async function templateFileReader(options: ReadOptions): Promise<(file: string) => Promise<ReadResult>> {
  const realRoot = realpath(options.root).catch((error: NodeJS.ErrnoException) => error);
  const resolved = await realRoot;
  return (file) => readWithin(file, options, resolved);
}

async function readWithin(
  file: string,
  options: ReadOptions,
  realRoot: string | NodeJS.ErrnoException,
): Promise<ReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const skip = (message: string, rule: RuleId = "file-unreadable", line = 1, column = 1): ReadResult => ({
    ok: false,
    finding: { rule, severity: "error", file, line, column, message },
  });
  if (typeof realRoot !== "string")
    return skip(`cannot read the root ${JSON.stringify(options.root)}: ${realRoot.code ?? realRoot.message}`);
  const root = realRoot;
  let real: string;
  try {
    real = await realpath(isAbsolute(file) ? file : resolve(options.root, file));
  } catch (error) {
    return skip(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const inside = relative(root, real);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
    return skip("skipped: it resolves (through a symlink) outside the workspace");
  }
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOFOLLOW: the path is already real.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    return skip(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return skip(`skipped: not a regular file (${kindOf(info)})`);
    if (info.size > maxBytes)
      return skip(`skipped: ${info.size} bytes, over the ${maxBytes}-byte cap for a template file`);
    // Read at most one byte past the cap: a file that grows after the stat is still bounded.
    const buffer = Buffer.allocUnsafe(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return skip(`skipped: over the ${maxBytes}-byte cap for a template file`);
    const bytes = buffer.subarray(0, length);
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) {
      return skip(
        `not UTF-8: invalid byte sequence at line ${decoded.line}, column ${decoded.column}; save the file as UTF-8`,
        "file-encoding",
        decoded.line,
        decoded.column,
      );
    }
    return { ok: true, source: decoded.text };
  } finally {
    await handle.close();
  }
}

function kindOf(info: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a file";
}

type Decoded = { ok: true; text: string } | { ok: false; line: number; column: number };

/** Strict UTF-8 (a leading BOM is dropped); on failure, the line and column of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    // Only for a broken file: find the first bad byte by decoding one byte at a time.
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let line = 1;
    let column = 1;
    for (let i = 0; i < bytes.length; i++) {
      let text: string;
      try {
        text = decoder.decode(bytes.subarray(i, i + 1), { stream: true });
      } catch {
        return { ok: false, line, column };
      }
      for (const char of text) {
        if (char === "\n") {
          line++;
          column = 1;
        } else if (char !== "\ufeff" || line > 1 || column > 1) {
          column++;
        }
      }
    }
    return { ok: false, line, column };
  }
}
