// Reads the ```ts blocks of a Markdown file with the hidden directives written just before them
// (CONTRIBUTING.md, "README snippets"), writes each block as a module of its own, and type-checks
// them all with the TypeScript compiler API, `senderkit`, `senderkit/sandbox` and `senderkit/pulumi`
// resolving to this source tree.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface CodeBlock {
  /** 1-based line of the opening fence in the Markdown file. */
  line: number;
  code: string;
  /** Code from `<!-- prelude: … -->`, run before the block and hidden from readers. */
  prelude: string;
  /** `<!-- readme-test: typecheck-only -->`: compiled, never run. */
  typecheckOnly: boolean;
  /** The generated module: prelude, then the block. */
  file: string;
}

const FENCE = /^```(ts|typescript)\s*$/;
const DIRECTIVE = /^<!--\s*(prelude|readme-test):([\s\S]*?)-->$/;

/** The ```ts blocks of `markdown`, each written to `dir` with its prelude. */
export function extractBlocks(markdown: string, dir: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!FENCE.test(lines[index]!)) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith("```"));
    if (end === -1) throw new Error(`README.md:${index + 1}: a code block that never closes`);
    const { prelude, typecheckOnly } = directivesBefore(lines, index);
    const code = lines.slice(index + 1, end).join("\n");
    const file = join(dir, `block-line-${index + 1}.ts`);
    // `export {}` makes each block a module of its own: top-level await, no shared names.
    writeFileSync(file, `${prelude}\n${code}\nexport {};\n`);
    blocks.push({ line: index + 1, code, prelude, typecheckOnly, file });
    index = end;
  }
  return blocks;
}

/** The directives in the HTML comments right above a fence (blank lines between are allowed). */
function directivesBefore(lines: string[], fence: number): { prelude: string; typecheckOnly: boolean } {
  const preludes: string[] = [];
  let typecheckOnly = false;
  let at = fence - 1;
  while (at >= 0) {
    if (lines[at]!.trim() === "") {
      at--;
      continue;
    }
    if (!lines[at]!.trimEnd().endsWith("-->")) break;
    let start = at;
    while (start > 0 && !lines[start]!.trimStart().startsWith("<!--")) start--;
    const match = DIRECTIVE.exec(
      lines
        .slice(start, at + 1)
        .join("\n")
        .trim(),
    );
    if (match === null) break;
    if (match[1] === "prelude") preludes.unshift(match[2]!.trim());
    else if (match[2]!.trim().startsWith("typecheck-only")) typecheckOnly = true;
    else throw new Error(`README.md:${start + 1}: unknown directive "${match[2]!.trim()}"`);
    at = start - 1;
  }
  return { prelude: preludes.join("\n"), typecheckOnly };
}

export function blocksOfReadme(): { blocks: CodeBlock[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "senderkit-readme-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n'); // blocks are ES modules, as the package
  return { blocks: extractBlocks(readFileSync(join(REPO_ROOT, "README.md"), "utf8"), dir), dir };
}

/** Type errors of the blocks, as `README.md:<line>: <message>` (lines of the Markdown file). */
export function typeErrors(blocks: CodeBlock[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(REPO_ROOT, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  )!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    typeRoots: [join(REPO_ROOT, "node_modules", "@types")],
    paths: {
      senderkit: [join(REPO_ROOT, "src", "index.ts")],
      "senderkit/sandbox": [join(REPO_ROOT, "sandbox", "index.ts")],
      "senderkit/pulumi": [join(REPO_ROOT, "provider", "index.ts")],
    },
  };
  const program = ts.createProgram(
    blocks.map((block) => block.file),
    options,
  );
  const byFile = new Map(blocks.map((block) => [block.file, block]));
  return ts.getPreEmitDiagnostics(program).flatMap((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const block = diagnostic.file === undefined ? undefined : byFile.get(diagnostic.file.fileName);
    if (block === undefined || diagnostic.start === undefined) {
      // An error in the sources the blocks import belongs to `npm run typecheck`, not here.
      return diagnostic.file === undefined ? [`README.md: ${message}`] : [];
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
    const preludeLines = block.prelude.split("\n").length;
    const where =
      line < preludeLines
        ? `the prelude of the block at line ${block.line}`
        : `${block.line + line - preludeLines + 1}`;
    return [`README.md:${where}: ${message}`];
  });
}
