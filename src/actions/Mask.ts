/**
 * External ids as the action log and answers show them (the seed's rule): the first 4 and last 2
 * characters of an id of 10 or more (`a1b2c3d4e5f6g7h8i9j0` → `a1b2****j0`); a shorter id is fully masked.
 */
export const MASK = "****"

export const mask = (id: string | number): string => {
  const s = String(id)
  return s.length >= 10 ? `${s.slice(0, 4)}${MASK}${s.slice(-2)}` : MASK
}
