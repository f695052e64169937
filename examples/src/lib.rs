//! The tutorial's Example integration.
