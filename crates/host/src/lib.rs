//! What the station keeps on this PC, below every use case: its folders (`paths`), the files
//! it reads (`input_file`) and writes (`output_file`) for the clerk, the api_secret's home
//! (`secret`) and the log (`logging`).

pub mod input_file;
pub mod logging;
pub mod output_file;
pub mod paths;
#[cfg(all(unix, any(test, feature = "testing")))]
pub mod pg_server;
pub mod secret;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
