// Finds the first line of a file that is not valid UTF-8, streaming. A row file in another
// encoding (Latin-1, as spreadsheet programs often write) would otherwise be decoded with
// U+FFFD in place of every accented letter and sent that way.
import { createReadStream } from "node:fs";
import { isUtf8 } from "node:buffer";

/** The 1-based number of the first line that is not UTF-8, or undefined when all are. */
export async function firstNonUtf8Line(path: string): Promise<number | undefined> {
  // A line feed byte is never part of a multi-byte character, so lines can be checked alone; a
  // line that spans chunks goes through a streaming decoder.
  const spanning = new TextDecoder("utf-8", { fatal: true });
  let pending = false;
  let line = 1;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const part = chunk.subarray(start, end);
      if (pending ? !decodes(spanning, part, false) : !isUtf8(part)) return line;
      pending = false;
      line++;
      start = end + 1;
    }
    if (start < chunk.length) {
      if (!decodes(spanning, chunk.subarray(start), true)) return line;
      pending = true;
    }
  }
  return pending && !decodes(spanning, new Uint8Array(0), false) ? line : undefined;
}

function decodes(decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array, stream: boolean): boolean {
  try {
    decoder.decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}
