// Text from outside (a registry's error messages and headers, a credential helper's output, a
// request target) made safe to print: without the characters that could move, recolour or
// reorder a terminal's output, or start a forged line in a log.

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI), and the bidirectional
// formatting characters that reorder what a terminal shows.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** The text without the characters that could move, recolour or reorder a terminal's output. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '')
}

const MAX_LOGGED_TARGET = 300

/** A request target for a log line: cut to a readable length, then printable(). */
export function printableTarget(target: string): string {
  const cut = target.length > MAX_LOGGED_TARGET ? `${target.slice(0, MAX_LOGGED_TARGET)}...(${target.length} chars)` : target
  return printable(cut)
}
