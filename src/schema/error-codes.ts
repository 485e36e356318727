import { ERROR_CODES, type ErrorCode, GENERATION_ERROR_CODES, type GenerationErrorCode } from "../error-codes";
import { builder } from "./builder";

/** The two code enums, built from the lists in src/error-codes.ts (add a code there, not here). */

/** A GraphQL enum from one of the lists in src/error-codes.ts: each value with its description. */
function codeEnum<Code extends string>(name: string, description: string, codes: Record<Code, string>) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(
      Object.entries<string>(codes).map(([code, text]) => [code, { value: code, description: text }]),
    ) as { [C in Code]: { value: C; description: string } },
  });
}

export const ErrorCodeEnum = codeEnum<ErrorCode>(
  "ErrorCode",
  "The `code` of an expected failure (the `Error` interface): one per error type, so a client can switch on it exhaustively.",
  ERROR_CODES,
);

export const GenerationErrorCodeEnum = codeEnum<GenerationErrorCode>(
  "GenerationErrorCode",
  "Why a generation ended without a video (`Generation.errorCode`, with the details in `errorMessage`). Each says whether Segmind billed it.",
  GENERATION_ERROR_CODES,
);
