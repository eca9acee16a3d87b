/** A bundle-relative path with no traversal, no empty or dot segments and no backslash or NUL. Pure. */
export function isSafeRelativePath(path: string): boolean {
  const segments = path.split('/');
  return !segments.some((s) => s === '' || s === '.' || s === '..') && !/[\\\0]/.test(path);
}
