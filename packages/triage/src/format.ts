/** A fixed-point number without trailing zeros: 1.50 → "1.5", 2.00 → "2". Locale-independent. */
export function renderNumber(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
