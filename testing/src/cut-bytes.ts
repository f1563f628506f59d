/**
 * A byte stream cut into pieces at the given points (taken modulo its length, so any numbers fast-check
 * draws will do): for property tests of parsers that must read the same whatever the network's cuts.
 */
export function cutBytes(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of [...at, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}
