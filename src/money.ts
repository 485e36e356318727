/** Money is summed in binary floats: round to micro-dollars before comparing or showing. */
export function roundUsd(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
