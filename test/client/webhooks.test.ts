// Webhook signatures, section 8: the contract's test vector, an independent signer (Stripe's
// webhook signer uses the same t=/v1= HMAC-SHA256 scheme), and every way to be rejected.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureVerificationError, ValidationError, WebhookVerifier, signWebhook } from "../../src/index.ts";
import type { WebhookVerifierOptions } from "../../src/index.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const VECTOR_BODY =
  '{"id":"evt_7Yt2QpLm9XwZ","type":"message.delivered","created_at":"2026-11-22T10:00:00.000Z","payload":{"message":{"object":"message","id":"msg_9aZk2Lm4Qp8Rt1Vw","status":"delivered"}}}';
const VECTOR_T = 1763805600;
const VECTOR_HEADER = `t=${VECTOR_T},v1=346070d881a8910e42558be08eace921cad25ebe38c77c073527615c86c14874`;
const AT_VECTOR_TIME = new Date(VECTOR_T * 1000);

function reason(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureVerificationError);
    return (error as SignatureVerificationError).reason;
  }
  throw new Error("expected a SignatureVerificationError");
}

describe("the contract's test vector", () => {
  it("signWebhook produces the header of the contract", () => {
    expect(signWebhook(SECRET, VECTOR_BODY, { timestamp: VECTOR_T })).toBe(VECTOR_HEADER);
  });

  it("verifies as a string and as bytes, and returns the event", () => {
    const verifier = new WebhookVerifier({ secret: SECRET });
    for (const body of [VECTOR_BODY, new TextEncoder().encode(VECTOR_BODY), Buffer.from(VECTOR_BODY)]) {
      const event = verifier.verify(body, VECTOR_HEADER, AT_VECTOR_TIME);
      expect(event.id).toBe("evt_7Yt2QpLm9XwZ");
      expect(event.type).toBe("message.delivered");
      expect(event.createdAt).toBe("2026-11-22T10:00:00.000Z");
      expect(event.payload).toEqual({
        message: { object: "message", id: "msg_9aZk2Lm4Qp8Rt1Vw", status: "delivered" },
      });
      expect(event.raw.id).toBe("evt_7Yt2QpLm9XwZ");
    }
  });
});

describe("an independent signer", () => {
  const stripe = new Stripe("sk_test_unused");

  it("accepts signatures made by Stripe's webhook signer with the same secret", () => {
    const now = Math.floor(Date.now() / 1000);
    const header = stripe.webhooks.generateTestHeaderString({ payload: VECTOR_BODY, secret: SECRET, timestamp: now });
    expect(new WebhookVerifier({ secret: SECRET }).verify(VECTOR_BODY, header).id).toBe("evt_7Yt2QpLm9XwZ");
    expect(header).toBe(signWebhook(SECRET, VECTOR_BODY, { timestamp: now }));
  });

  it("is accepted by Stripe's verifier", () => {
    const header = signWebhook(SECRET, VECTOR_BODY);
    expect(() => stripe.webhooks.signature!.verifyHeader(VECTOR_BODY, header, SECRET, 300)).not.toThrow();
  });
});

describe("rejected", () => {
  const verifier = new WebhookVerifier({ secret: SECRET });

  it("a tampered body", () => {
    expect(
      reason(() => verifier.verify(VECTOR_BODY.replace("delivered", "bounced"), VECTOR_HEADER, AT_VECTOR_TIME)),
    ).toBe("no_matching_signature");
    expect(reason(() => verifier.verify(`${VECTOR_BODY}\n`, VECTOR_HEADER, AT_VECTOR_TIME))).toBe(
      "no_matching_signature",
    );
  });

  it("a wrong secret", () => {
    const wrong = new WebhookVerifier({ secret: "whsec_wrongwrongwrongwrongwrongwrong1" });
    expect(reason(() => wrong.verify(VECTOR_BODY, VECTOR_HEADER, AT_VECTOR_TIME))).toBe("no_matching_signature");
  });

  it("timestamps outside the tolerance, in both directions, and accepts the edges", () => {
    const at = (offset: number) => new Date((VECTOR_T + offset) * 1000);
    expect(reason(() => verifier.verify(VECTOR_BODY, VECTOR_HEADER, at(301)))).toBe("timestamp_out_of_tolerance");
    expect(reason(() => verifier.verify(VECTOR_BODY, VECTOR_HEADER, at(-301)))).toBe("timestamp_out_of_tolerance");
    expect(verifier.verify(VECTOR_BODY, VECTOR_HEADER, at(300)).id).toBe("evt_7Yt2QpLm9XwZ");
    expect(verifier.verify(VECTOR_BODY, VECTOR_HEADER, at(-300)).id).toBe("evt_7Yt2QpLm9XwZ");
    const strict = new WebhookVerifier({ secret: SECRET, toleranceSeconds: 10 });
    expect(reason(() => strict.verify(VECTOR_BODY, VECTOR_HEADER, at(11)))).toBe("timestamp_out_of_tolerance");
  });

  it.each([
    ["missing", undefined, "missing_header"],
    ["empty", "", "missing_header"],
    ["no t", "v1=346070d881a8910e42558be08eace921cad25ebe38c77c073527615c86c14874", "malformed_header"],
    ["no v1", `t=${VECTOR_T}`, "malformed_header"],
    ["t twice", `t=${VECTOR_T},${VECTOR_HEADER}`, "malformed_header"],
    [
      "t not a number",
      "t=yesterday,v1=346070d881a8910e42558be08eace921cad25ebe38c77c073527615c86c14874",
      "malformed_header",
    ],
    ["not key=value", `${VECTOR_HEADER},garbage`, "malformed_header"],
    ["t with a leading zero", VECTOR_HEADER.replace("t=", "t=0"), "malformed_header"],
    ["v1 in upper case hex", VECTOR_HEADER.toUpperCase().replace("T=", "t=").replace("V1=", "v1="), "malformed_header"],
  ])("a %s header", (_what, header, expected) => {
    expect(reason(() => verifier.verify(VECTOR_BODY, header, AT_VECTOR_TIME))).toBe(expected);
  });

  it("an invalid clock instead of skipping the tolerance check", () => {
    expect(() => verifier.verify(VECTOR_BODY, VECTOR_HEADER, new Date(Number.NaN))).toThrow(TypeError);
  });

  it("a parsed object instead of the raw body", () => {
    expect(reason(() => verifier.verify(JSON.parse(VECTOR_BODY) as never, VECTOR_HEADER, AT_VECTOR_TIME))).toBe(
      "body_not_raw",
    );
  });

  it("a correctly signed body that is not JSON or not an event", () => {
    for (const body of ["not json", '{"hello":"world"}', new Uint8Array([0xff, 0xfe])]) {
      const header = signWebhook(SECRET, body, { timestamp: VECTOR_T });
      expect(reason(() => verifier.verify(body, header, AT_VECTOR_TIME))).toBe("body_not_json");
    }
  });
});

describe("rotation", () => {
  const oldSecret = "whsec_oldoldoldoldoldoldoldoldoldold12";
  const newSecret = "whsec_newnewnewnewnewnewnewnewnewnew12";

  it("a header with one v1 per live secret verifies with either secret, newest first", () => {
    const header = signWebhook([newSecret, oldSecret], VECTOR_BODY, { timestamp: VECTOR_T });
    expect(header.split(",")).toHaveLength(3);
    expect(header.split(",")[1]).toBe(signWebhook(newSecret, VECTOR_BODY, { timestamp: VECTOR_T }).split(",")[1]);
    expect(new WebhookVerifier({ secret: oldSecret }).verify(VECTOR_BODY, header, AT_VECTOR_TIME).id).toBe(
      "evt_7Yt2QpLm9XwZ",
    );
    expect(new WebhookVerifier({ secret: newSecret }).verify(VECTOR_BODY, header, AT_VECTOR_TIME).id).toBe(
      "evt_7Yt2QpLm9XwZ",
    );
  });

  it("a verifier with several secrets accepts a header signed by any of them", () => {
    const verifier = new WebhookVerifier({ secret: [newSecret, oldSecret] });
    const header = signWebhook(oldSecret, VECTOR_BODY, { timestamp: VECTOR_T });
    expect(verifier.verify(VECTOR_BODY, header, AT_VECTOR_TIME).id).toBe("evt_7Yt2QpLm9XwZ");
  });
});

describe("options are checked at construction", () => {
  const refusal = (options: unknown) => {
    try {
      new WebhookVerifier(options as WebhookVerifierOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return {
        message: (error as ValidationError).message,
        paths: (error as ValidationError).issues.map((i) => i.path),
      };
    }
    throw new Error("expected a ValidationError");
  };

  it("refuses a missing, empty or non-whsec_ secret, naming the field and never echoing it", () => {
    expect(refusal({ secret: [] }).paths).toEqual([["secret"]]);
    expect(refusal({ secret: "" }).paths).toEqual([["secret"]]);
    expect(refusal({}).paths).toEqual([["secret"]]);
    const apiKey = "sk_test_abcdefghijklmnop1234"; // the API key pasted by mistake
    const refused = refusal({ secret: apiKey });
    expect(refused.paths).toEqual([["secret"]]);
    expect(refused.message).not.toContain(apiKey);
    expect(refusal({ secret: [SECRET, 42, "whsec_"] }).paths).toEqual([
      ["secret", 1],
      ["secret", 2],
    ]);
  });

  it("refuses a tolerance that is NaN, infinite, negative or not a number, so an old signature cannot pass", () => {
    for (const toleranceSeconds of [Number("300s"), Infinity, -1, "300"]) {
      expect(refusal({ secret: SECRET, toleranceSeconds }).paths).toEqual([["toleranceSeconds"]]);
    }
  });

  it("accepts a tolerance of 0 (only the exact second) and enforces it", () => {
    const strict = new WebhookVerifier({ secret: SECRET, toleranceSeconds: 0 });
    expect(strict.verify(VECTOR_BODY, VECTOR_HEADER, AT_VECTOR_TIME).id).toBe("evt_7Yt2QpLm9XwZ");
    const aSecondLater = new Date((VECTOR_T + 1) * 1000);
    expect(reason(() => strict.verify(VECTOR_BODY, VECTOR_HEADER, aSecondLater))).toBe("timestamp_out_of_tolerance");
  });

  it("takes the header as Node gives it: a string, a list of strings (a repeated header) or undefined", () => {
    const verifier = new WebhookVerifier({ secret: SECRET });
    const headers: IncomingHttpHeaders = { "x-senderkit-signature": VECTOR_HEADER };
    expect(verifier.verify(VECTOR_BODY, headers["x-senderkit-signature"], AT_VECTOR_TIME).id).toBe("evt_7Yt2QpLm9XwZ");
    const [t, v1] = VECTOR_HEADER.split(",");
    expect(verifier.verify(VECTOR_BODY, [t!, v1!], AT_VECTOR_TIME).id).toBe("evt_7Yt2QpLm9XwZ");
    expect(reason(() => verifier.verify(VECTOR_BODY, [t!], AT_VECTOR_TIME))).toBe("malformed_header");
    expect(reason(() => verifier.verify(VECTOR_BODY, headers["x-other"] as string | undefined, AT_VECTOR_TIME))).toBe(
      "missing_header",
    );
    expect(reason(() => verifier.verify(VECTOR_BODY, [], AT_VECTOR_TIME))).toBe("missing_header");
  });
});
