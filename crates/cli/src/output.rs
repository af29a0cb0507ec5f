//! What the commands print. `outln!` panics when its stream is closed (`… | head`, a script
//! that stopped reading): the command then died with exit 101 half-way, after saving the
//! record but before sending it or saying so. These macros write and let a closed stream be:
//! the command finishes its work quietly and ends with its own exit code.

use std::io::Write;

/// Writes one piece of output; a stream nobody reads any more is not the command's failure.
pub fn write_to(mut stream: impl Write, args: std::fmt::Arguments<'_>, newline: bool) {
    let _ = stream.write_fmt(args);
    if newline {
        let _ = stream.write_all(b"\n");
    }
    let _ = stream.flush();
}

/// `outln!` for commands.
macro_rules! outln {
    () => { $crate::output::write_to(std::io::stdout().lock(), format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write_to(std::io::stdout().lock(), format_args!($($arg)*), true) };
}

/// `print!` for commands.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_to(std::io::stdout().lock(), format_args!($($arg)*), false) };
}

/// `errln!` for commands.
macro_rules! errln {
    () => { $crate::output::write_to(std::io::stderr().lock(), format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write_to(std::io::stderr().lock(), format_args!($($arg)*), true) };
}
