// HTML escaping for values inserted into `html` fields by `{{ }}` (contract sections 7 and 10).

function entityFor(code: number): string | undefined {
  switch (code) {
    case 0x26:
      return "&amp;";
    case 0x3c:
      return "&lt;";
    case 0x3e:
      return "&gt;";
    case 0x22:
      return "&quot;";
    case 0x27:
      return "&#39;";
    default:
      return undefined;
  }
}

/** Escapes `& < > " '`; returns the input itself when there is nothing to escape. */
export function escapeHtml(text: string): string {
  let out = "";
  let chunkStart = 0;
  for (let i = 0; i < text.length; i++) {
    const entity = entityFor(text.charCodeAt(i));
    if (entity === undefined) continue;
    out += text.slice(chunkStart, i) + entity;
    chunkStart = i + 1;
  }
  return chunkStart === 0 ? text : out + text.slice(chunkStart);
}
