// Package ptytest gives tests a pseudo-terminal, for programs that a user
// runs on a terminal (the interactive shells of procman ctl and of a
// lifecycle app's ctl): [Open] makes a master/slave pair, and [Termios]
// reads a terminal's mode, so that a test can check that a program puts
// its terminal in raw mode and gives the old mode back. Linux only.
package ptytest
