// Process exit codes of every `aip` command (DESIGN §7).

/** Success, or the thing checked is valid. */
export const EXIT_OK = 0;
/** A negative verdict: invalid signature or token, unresolvable identity, no trust path. */
export const EXIT_NEGATIVE = 1;
/** Usage or input error: bad flags, unreadable files, a refused operation. */
export const EXIT_USAGE = 2;
