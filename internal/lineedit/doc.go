// Package lineedit reads lines typed at a terminal, with the editing keys
// of a readline shell, a history and completion by a callback. It is the
// line editor of the interactive shells of procman's and lifecycle's ctl
// commands.
//
// An [Editor] reads from an io.Reader and writes to an io.Writer. Given a
// [Terminal], the raw-mode switch of the terminal the reader reads from,
// it puts the terminal in raw mode for the time of each [Editor.ReadLine],
// edits the line on the screen as the keys come, and restores the mode
// before it returns, panics included. Without one (a nil Terminal: a pipe,
// a file, a test) it writes the prompt and reads plain lines, with no echo
// and no key processing. [NewTTY] returns the Terminal of a terminal device
// on Linux, macOS and the BSDs, through the termios ioctls of the syscall
// package; elsewhere it reports [ErrNotTerminal] and the editor reads
// plain lines.
//
// # Keys
//
// In raw mode the editor knows these keys:
//
//	printable text         inserted at the cursor (UTF-8)
//	Left, Ctrl-B           one character left
//	Right, Ctrl-F          one character right
//	Home, Ctrl-A           start of the line
//	End, Ctrl-E            end of the line
//	Alt-B, Ctrl-Left       one word left
//	Alt-F, Ctrl-Right      one word right
//	Backspace, Ctrl-H      delete the character before the cursor
//	Delete                 delete the character under the cursor
//	Ctrl-D                 the same; on an empty line, end of input (io.EOF)
//	Ctrl-K                 delete to the end of the line
//	Ctrl-U                 delete to the start of the line
//	Ctrl-W                 delete the word before the cursor
//	Ctrl-Y                 insert the text last deleted by Ctrl-K, U or W
//	Ctrl-L                 clear the screen and redraw the line
//	Up, Ctrl-P             the previous line of the history
//	Down, Ctrl-N           the next line of the history
//	Tab                    complete (see below)
//	Enter                  return the line
//	Ctrl-C                 drop the line and return [ErrInterrupted]
//
// Other control characters and unknown escape sequences are ignored. A
// line holds at most 65536 characters: keys that would make it longer ring
// the bell. A line longer than the terminal is wide scrolls sideways, so that the
// cursor stays in view; the width is asked of the Terminal at each redraw,
// so a resized window is followed. East Asian wide characters count two
// columns and combining marks none; ANSI colour sequences in the prompt
// count none.
//
// # History and completion
//
// The history holds the lines the caller adds with [Editor.AddHistory]:
// the editor adds none itself, so that a caller keeps what it wants
// (commands, not the answers to questions). [Editor.LoadHistory] and
// [Editor.SaveHistory] read and write it one line per line, the format of
// GNU readline's history files.
//
// Tab calls [Options.Complete] with the line and the cursor's byte offset;
// it returns where the word being completed starts and the candidates
// that may replace it. One candidate replaces the word. Several replace it
// with their longest common prefix when that is longer than the word;
// otherwise they are listed below the line, in the order given, and the
// line is drawn again. None rings the bell.
//
// # Concurrency
//
// An Editor is not safe for concurrent use, but for [Editor.Close], which
// another goroutine (a signal handler) may call while ReadLine waits for a
// key, to give the terminal back its mode before the program exits.
//
// See the tests for an editor driven by key sequences through a fake
// terminal, and on Linux through a pseudo-terminal.
package lineedit
