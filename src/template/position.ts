// Line/column of source offsets, as the contract counts them: lines split on "\n", columns in
// code points. The parser asks for offsets in increasing order, so one forward-moving cursor
// keeps the whole parse linear.

const NEWLINE = 0x0a;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export class PositionCursor {
  private readonly source: string;
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(source: string) {
    this.source = source;
  }

  /** 1-based line and column of `target`; `target` must not be less than the previous one. */
  at(target: number): { line: number; column: number } {
    const source = this.source;
    let { offset, line, column } = this;
    while (offset < target) {
      const code = source.charCodeAt(offset);
      if (code === NEWLINE) {
        line++;
        column = 1;
      } else if (!(isLowSurrogate(code) && offset > 0 && isHighSurrogate(source.charCodeAt(offset - 1)))) {
        // The second half of a surrogate pair belongs to the code point already counted.
        column++;
      }
      offset++;
    }
    this.offset = offset;
    this.line = line;
    this.column = column;
    return { line, column };
  }
}
