/*
 * Text taken from a store, made safe for a terminal. Root names, class names, tags, field names
 * and string values are chosen by whoever wrote the store; printed raw, an ESC starts a terminal
 * sequence (`\x1b]0;…\x07` retitles the window, `\x1b[31m` recolours it), a CR overwrites what
 * the line showed, and C1 characters (U+0080-U+009F, CSI is U+009B) act as controls on terminals
 * that honour them. Every command prints store text through these functions: `escapeControls` for
 * human output (each control becomes a visible `\xHH`), `jsonText` for --json (exact JSON, every
 * control as a `\uXXXX` escape, so the document parses to the same strings).
 */

/** C0 controls, DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same, but a line feed. */
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/** What JSON.stringify leaves raw: DEL and C1 (it escapes C0 itself). */
const JSON_RAW_CONTROL = /[\u007f-\u009f]/g;

const hex2 = (c: string): string => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');

/**
 * `s` with every control character (C0, DEL, C1) shown as `\xHH`; with `keepLineFeeds`, line
 * feeds stay (for text that is already several lines of the CLI's own making).
 */
export function escapeControls(s: string, keepLineFeeds = false): string {
  return s.replace(keepLineFeeds ? CONTROL_BUT_LF : CONTROL, hex2);
}

/** `value` as JSON (indented by `indent`) holding no raw control character: it parses to exactly `value`. */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(
    JSON_RAW_CONTROL,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}
