//! The command line, driven as a user drives it: the built binary run on a data
//! directory. One test binary, so that CI links it once.

mod commands;
mod graphs;
mod runs_schedules;
mod serve;
mod store;
