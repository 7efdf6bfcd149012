// go-units' size formatting, the one implementation: the image layer's progress lines
// (HumanSize, 4 digits) and the CLI's tables (src/cli/present: 3 digits, BytesSize) print with it.

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's %.<prec>g: shortest of fixed and exponent form, trailing zeros dropped ("1e+03"). */
export function goG(v: number, prec: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(prec)))));
  if (exp < -4 || exp >= prec) {
    const [m, e] = v.toExponential(prec - 1).split('e');
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toPrecision(prec);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function scaled(n: number, base: number, units: string[], prec: number): string {
  let v = n;
  let i = 0;
  while (v >= base && i < units.length - 1) { v /= base; i++; }
  return `${goG(v, prec)}${units[i]}`;
}

/** go-units HumanSizeWithPrecision: decimal units, `prec` significant digits (HumanSize is 4). */
export function humanSizeWithPrecision(n: number, prec: number): string {
  return scaled(n, 1000, DECIMAL, prec);
}

/** go-units BytesSize: binary units, %.4g: "1.5MiB". */
export function bytesSize(n: number): string {
  return scaled(n, 1024, BINARY, 4);
}
