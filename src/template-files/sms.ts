// How an SMS body is encoded and into how many segments it splits (3GPP TS 23.038 and 23.040).
// A body whose every character is in the GSM-7 alphabet goes as GSM-7: 160 septets in one
// message, 153 per segment once it is split (the rest of each segment is the concatenation
// header). Characters of the extension table (`€ [ ] { } \ ^ ~ |` and form feed) take two
// septets, an escape and the character. One character outside GSM-7 (a curly quote, an emoji)
// turns the whole body into UCS-2: 70 UTF-16 units in one message, 67 per segment; a character
// outside the Basic Multilingual Plane is a surrogate pair, two units. A segment boundary never
// splits an escape pair or a surrogate pair, as carriers pack them.

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION = "\f^{}\\[~]|€";

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export type SmsEncodingName = "GSM-7" | "UCS-2";

export interface SmsEncoding {
  encoding: SmsEncodingName;
  /** Septets (GSM-7, extension characters counting two) or UTF-16 units (UCS-2). */
  units: number;
  segments: number;
  /** The units one segment holds at this length: 160 or 153 (GSM-7), 70 or 67 (UCS-2). */
  unitsPerSegment: number;
  /** The first character that is not GSM-7, with its UTF-16 offset in the body. */
  forcedBy?: { char: string; index: number } | undefined;
}

/** True when `char` (one code point) can be sent in GSM-7, basic or extension table. */
export function isGsm7(char: string): boolean {
  return BASIC.has(char) || EXTENSION.has(char);
}

/** The first character of `text` outside GSM-7, with its UTF-16 offset, or undefined. */
export function firstNonGsm7(text: string): { char: string; index: number } | undefined {
  let index = 0;
  for (const char of text) {
    if (!isGsm7(char)) return { char, index };
    index += char.length;
  }
  return undefined;
}

export function smsEncoding(body: string): SmsEncoding {
  const forcedBy = firstNonGsm7(body);
  // Each character's cost in units, in order, for packing into segments.
  const costs: number[] = [];
  for (const char of body) costs.push(forcedBy ? char.length : EXTENSION.has(char) ? 2 : 1);
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const [single, multi] = forcedBy ? [70, 67] : [160, 153];
  if (units <= single)
    return { encoding: forcedBy ? "UCS-2" : "GSM-7", units, segments: 1, unitsPerSegment: single, forcedBy };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: forcedBy ? "UCS-2" : "GSM-7", units, segments, unitsPerSegment: multi, forcedBy };
}

/** GSM-7 look-alikes for the characters that most often force UCS-2 by accident. */
const GSM7_REPLACEMENTS: Record<string, string> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201a": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u201e": '"',
  "\u2013": "-",
  "\u2014": "-",
  "\u2026": "...",
  "\u00a0": " ",
  "\u2022": "-",
};

export function gsm7Replacement(char: string): string | undefined {
  return GSM7_REPLACEMENTS[char];
}
