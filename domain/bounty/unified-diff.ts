import { SandboxError } from './errors';
import { isSafeRelativePath } from './paths';

/** One line of a hunk; `text` carries its own line terminator unless the diff marked it "No newline at end of file". */
export interface HunkLine {
  kind: 'context' | 'remove' | 'add';
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: HunkLine[];
}

/** The changes a diff makes to one existing file (renames, new, deleted, binary and mode changes are refused). */
export interface FilePatch {
  path: string;
  hunks: Hunk[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const NO_NEWLINE_MARKER = '\\';

/** Extended git header lines that would create, delete, rename, copy, re-mode or binary-patch a file. */
const FORBIDDEN_HEADERS = [
  'new file mode',
  'deleted file mode',
  'old mode',
  'new mode',
  'similarity index',
  'dissimilarity index',
  'rename from',
  'rename to',
  'copy from',
  'copy to',
  'Binary files',
  'GIT binary patch',
];

function malformed(message: string, lineNumber: number): SandboxError {
  return new SandboxError('DIFF_MALFORMED', `${message} (diff line ${lineNumber})`, { line: lineNumber });
}

function forbidden(message: string, path?: string): SandboxError {
  return new SandboxError('DIFF_TOUCHES_FORBIDDEN_FILE', message, { path });
}

/** `--- a/x` or `+++ b/x` to `x`; refuses /dev/null (file creation or deletion) and absolute paths. */
function headerPath(line: string, marker: '--- ' | '+++ ', prefix: 'a/' | 'b/', lineNumber: number): string {
  const raw = line.slice(marker.length).split('\t')[0] ?? '';
  if (raw === '/dev/null') throw forbidden('the diff creates or deletes a file');
  if (raw.startsWith('/')) throw forbidden(`absolute path "${raw}"`, raw);
  if (!raw.startsWith(prefix)) throw malformed(`expected a git-style "${prefix}" path`, lineNumber);
  const path = raw.slice(prefix.length);
  if (!isSafeRelativePath(path)) throw forbidden(`unsafe path "${path}"`, path);
  return path;
}

function isFileStart(line: string): boolean {
  return line.startsWith('diff --git ') || line.startsWith('--- ');
}

class DiffReader {
  private index = 0;
  constructor(private readonly lines: string[]) {}

  get lineNumber(): number {
    return this.index + 1;
  }
  peek(): string | undefined {
    return this.lines[this.index];
  }
  next(): string | undefined {
    return this.lines[this.index++];
  }
}

function readHunk(reader: DiffReader): Hunk {
  const headerLine = reader.lineNumber;
  const match = HUNK_HEADER.exec(reader.next() ?? '');
  if (!match) throw malformed('expected a hunk header "@@ -l,s +l,s @@"', headerLine);
  const hunk: Hunk = {
    oldStart: Number(match[1]),
    oldCount: match[2] === undefined ? 1 : Number(match[2]),
    newStart: Number(match[3]),
    newCount: match[4] === undefined ? 1 : Number(match[4]),
    lines: [],
  };
  let oldSeen = 0;
  let newSeen = 0;
  while (oldSeen < hunk.oldCount || newSeen < hunk.newCount) {
    const lineNumber = reader.lineNumber;
    const line = reader.next();
    if (line === undefined) throw malformed('hunk ends before its line counts are met', lineNumber);
    if (line.startsWith(NO_NEWLINE_MARKER)) {
      dropLastTerminator(hunk, lineNumber);
      continue;
    }
    const tag = line[0] ?? ' ';
    const text = `${line.slice(1)}\n`;
    if (tag === ' ') {
      hunk.lines.push({ kind: 'context', text });
      oldSeen += 1;
      newSeen += 1;
    } else if (tag === '-') {
      hunk.lines.push({ kind: 'remove', text });
      oldSeen += 1;
    } else if (tag === '+') {
      hunk.lines.push({ kind: 'add', text });
      newSeen += 1;
    } else {
      throw malformed(`unexpected hunk line "${line.slice(0, 40)}"`, lineNumber);
    }
  }
  if (oldSeen !== hunk.oldCount || newSeen !== hunk.newCount) {
    throw malformed('hunk line counts do not match its header', headerLine);
  }
  if (reader.peek()?.startsWith(NO_NEWLINE_MARKER)) {
    dropLastTerminator(hunk, reader.lineNumber);
    reader.next();
  }
  return hunk;
}

function dropLastTerminator(hunk: Hunk, lineNumber: number): void {
  const last = hunk.lines[hunk.lines.length - 1];
  if (!last) throw malformed('"No newline" marker without a preceding line', lineNumber);
  last.text = last.text.slice(0, -1);
}

function readGitHeader(reader: DiffReader): void {
  reader.next();
  for (let line = reader.peek(); line !== undefined && !isFileStart(line); line = reader.peek()) {
    const refused = FORBIDDEN_HEADERS.find((h) => line.startsWith(h));
    if (refused)
      throw forbidden(`the diff contains "${refused}": only text edits of existing files are allowed`);
    if (line.startsWith('index ')) {
      if (/ 120000$/.test(line)) throw forbidden('the diff touches a symbolic link');
    } else {
      throw malformed(`unexpected git header line "${line.slice(0, 40)}"`, reader.lineNumber);
    }
    reader.next();
  }
}

function readFilePatch(reader: DiffReader): FilePatch {
  if (reader.peek()?.startsWith('diff --git ')) readGitHeader(reader);
  const oldLineNumber = reader.lineNumber;
  const oldLine = reader.next();
  if (oldLine === undefined || !oldLine.startsWith('--- ')) {
    throw malformed('expected a "--- a/<path>" line', oldLineNumber);
  }
  const newLine = reader.next();
  if (newLine === undefined || !newLine.startsWith('+++ ')) {
    throw malformed('expected a "+++ b/<path>" line', oldLineNumber + 1);
  }
  const oldPath = headerPath(oldLine, '--- ', 'a/', oldLineNumber);
  const newPath = headerPath(newLine, '+++ ', 'b/', oldLineNumber + 1);
  if (oldPath !== newPath) throw forbidden(`the diff renames "${oldPath}" to "${newPath}"`, newPath);
  const hunks: Hunk[] = [];
  while (reader.peek()?.startsWith('@@')) hunks.push(readHunk(reader));
  if (hunks.length === 0) throw malformed(`no hunks for "${oldPath}"`, reader.lineNumber);
  return { path: oldPath, hunks };
}

/**
 * Parses a git-style unified diff into per-file patches. Text before the first file header (a commit
 * message) is ignored; anything else that is not a header or hunk line is malformed. Pure.
 */
export function parseUnifiedDiff(diff: string): FilePatch[] {
  if (diff.includes('\0')) throw forbidden('the diff carries binary content');
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const reader = new DiffReader(lines);
  while (reader.peek() !== undefined && !isFileStart(reader.peek() ?? '')) reader.next();
  const patches: FilePatch[] = [];
  const paths = new Set<string>();
  while (reader.peek() !== undefined) {
    if (!isFileStart(reader.peek() ?? '')) throw malformed('expected a file header', reader.lineNumber);
    const patch = readFilePatch(reader);
    if (paths.has(patch.path)) throw malformed(`"${patch.path}" appears twice`, reader.lineNumber);
    paths.add(patch.path);
    patches.push(patch);
  }
  if (patches.length === 0) throw new SandboxError('DIFF_MALFORMED', 'the diff changes no file');
  return patches;
}
