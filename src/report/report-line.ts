/**
 * The closing line of `descent compare` and the studies, pointing at report.html. Joined with
 * the platform's separator: `C:\out/report.html` (a template string's `/` after a Windows path)
 * is misread by cmd.exe, which takes `/report.html` for a switch. Seen under Wine
 * (scripts/windows-wine.mjs).
 */
import * as nodePath from 'node:path';

export function reportLine(
  dir: string,
  contents: string,
  path: Pick<typeof nodePath, 'join'> = nodePath,
): string {
  return `Report: ${path.join(dir, 'report.html')}${contents ? ` (${contents})` : ''}`;
}
